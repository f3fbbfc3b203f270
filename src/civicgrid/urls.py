from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from civicgrid.people import views as people_views

admin.site.site_header = _("civicgrid administration")
admin.site.site_title = _("civicgrid")
admin.site.index_title = _("Administration")
admin.site.login = people_views.admin_login  # password and second factor on the one sign-in page

urlpatterns = [
    path("", include("civicgrid.web.urls")),
    path("", include("civicgrid.cases.urls")),
    path("registry/", include("civicgrid.registry.urls")),
    path("accounts/login/", people_views.SignInView.as_view(), name="login"),
    path("accounts/login/code/", people_views.SignInCodeView.as_view(), name="login_code"),
    path("accounts/two-factor/", people_views.TwoFactorView.as_view(), name="two_factor"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", people_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", people_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("civicgrid.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("open311/", include("civicgrid.open311.urls")),
]
# Uploaded files are never served by URL: photos go through views that check who may see the case.
