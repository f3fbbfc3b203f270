"""The API router: each app registers its viewsets here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from civicgrid.cases.api.views import CaseViewSet, CategoryViewSet
from civicgrid.geo.api.views import LocateView, RegionViewSet
from civicgrid.people.api.views import MeView
from civicgrid.registry.api.views import ComponentViewSet, HouseViewSet, OrganisationViewSet, PersonViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("cases", CaseViewSet, basename="case")
router.register("categories", CategoryViewSet, basename="category")
router.register("registry/people", PersonViewSet, basename="registry-person")
router.register("registry/houses", HouseViewSet, basename="registry-house")
router.register("registry/organisations", OrganisationViewSet, basename="registry-organisation")
router.register("registry/components", ComponentViewSet, basename="registry-component")

urlpatterns = [
    path("locate/", LocateView.as_view(), name="api-locate"),
    path("me/", MeView.as_view(), name="api-me"),
    *router.urls,
]
