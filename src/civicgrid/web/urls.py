from django.urls import path

from civicgrid.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("regions/", views.regions, name="regions"),
    path("regions/<str:code>/", views.region, name="region"),
    path("notifications/", views.notifications, name="notifications"),
]
