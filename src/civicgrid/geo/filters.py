import django_filters
from django.db.models import Q

from civicgrid.geo.models import GridKind, Region, RegionLevel


class RegionFilter(django_filters.FilterSet):
    """Shared by the region pages and the API."""

    parent = django_filters.CharFilter(field_name="parent__code", label="parent code")
    level = django_filters.ChoiceFilter(choices=RegionLevel.choices)
    grid_kind = django_filters.ChoiceFilter(choices=GridKind.choices)
    q = django_filters.CharFilter(method="search", label="code or name contains")
    within = django_filters.CharFilter(method="in_subtree", label="code of an ancestor")

    class Meta:
        model = Region
        fields = ["parent", "level", "grid_kind", "q", "within"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value) | Q(full_name__icontains=value))

    def in_subtree(self, queryset, name, value):
        root = Region.objects.filter(code=value).values_list("path", flat=True).first()
        return queryset.subtree(root, include_self=False) if root else queryset.none()
