from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from civicgrid.geo.api.serializers import (
    LocateQuerySerializer,
    PlacementSerializer,
    RegionDetailSerializer,
    RegionSerializer,
)
from civicgrid.geo.filters import RegionFilter
from civicgrid.geo.models import Region
from civicgrid.geo.selectors import ancestors_of, locate_point
from civicgrid.people.scoping import restrict


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """The region tree, limited to the caller's data scope. Look-ups are by code."""

    lookup_field = "code"
    filterset_class = RegionFilter

    def get_queryset(self):
        return restrict(Region.objects.select_related("parent"), self.request.user)

    def get_serializer_class(self):
        return RegionDetailSerializer if self.action == "retrieve" else RegionSerializer


class LocateView(APIView):
    """Which grid a point lies in (any signed-in user: a resident's report needs it too)."""

    @extend_schema(parameters=[LocateQuerySerializer], responses=PlacementSerializer)
    def get(self, request):
        query = LocateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        placement = locate_point(**query.validated_data)
        grid = Region.objects.filter(pk=placement.grid_id).first() if placement.grid_id else None
        if grid is None:
            message = _("outside the jurisdiction: no grid within reach of this point")
        elif placement.distance_m:
            message = _("not inside any grid; nearest grid is %(m).0f m away") % {"m": placement.distance_m}
        else:
            message = _("inside grid %(name)s") % {"name": grid.full_name or grid.name}
        data = {
            "inside": grid is not None and placement.distance_m == 0,
            "message": message,
            "lon": placement.lon,
            "lat": placement.lat,
            "distance_m": placement.distance_m if grid else None,
            "grid": grid,
            "ancestors": ancestors_of(grid) if grid else [],
        }
        return Response(PlacementSerializer(data).data)
