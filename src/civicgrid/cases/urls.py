"""The case pages: staff pages under /cases/, and the residents' public pages /report/ and /track/."""

from django.urls import path

from civicgrid.cases import views

app_name = "cases"

urlpatterns = [
    path("cases/", views.queue, name="queue"),
    path("cases/bulk/", views.bulk, name="bulk"),
    path("cases/inbox/", views.inbox, name="inbox"),
    path("cases/report/", views.field_report, name="field_report"),
    path("cases/verify/", views.verify_list, name="verify_list"),
    path("cases/hotline/", views.hotline, name="hotline"),
    path("cases/<str:ticket_no>/", views.detail, name="detail"),
    path("cases/<str:ticket_no>/act/<str:action>/", views.act, name="act"),
    path("cases/<str:ticket_no>/photos/<str:key>/", views.photo, name="photo"),
    path("report/", views.public_report, name="public_report"),
    path("track/", views.track, name="track"),
    path("track/<str:ticket_no>/", views.track_case, name="track_case"),
    path("track/<str:ticket_no>/<str:action>/", views.track_act, name="track_act"),
]
