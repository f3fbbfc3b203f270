"""The API router: each app registers its viewsets here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from civicgrid.cases.api.views import CaseViewSet, CategoryViewSet
from civicgrid.geo.api.views import LocateView, RegionViewSet
from civicgrid.people.api.views import MeView

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("cases", CaseViewSet, basename="case")
router.register("categories", CategoryViewSet, basename="category")

urlpatterns = [
    path("locate/", LocateView.as_view(), name="api-locate"),
    path("me/", MeView.as_view(), name="api-me"),
    *router.urls,
]
