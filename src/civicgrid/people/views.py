from django.contrib.auth import views as auth_views

from civicgrid.core.models import AuditEntry
from civicgrid.core.services import write_audit
from civicgrid.core.signals import client_address
from civicgrid.people.auth import SignInForm


class SignInView(auth_views.LoginView):
    authentication_form = SignInForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    # Our own template names: django.contrib.admin ships registration/password_change_*.html, which would win.
    template_name = "web/password_change_form.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        write_audit(AuditEntry.Action.PASSWORD_CHANGE, actor=self.request.user, ip_address=client_address(self.request))
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "web/password_change_done.html"
