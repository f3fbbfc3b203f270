"""One filterset for cases, shared by the dispatcher's queue page and the API (rule 5)."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.models import OPEN_STATUSES, Case, Category, Channel, Status
from civicgrid.geo.models import Region, subtree_upper_bound
from civicgrid.people.models import Department


class CaseFilter(django_filters.FilterSet):
    # distinct=False: a plain column filter never duplicates rows, and DISTINCT would cost the queue its index
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, label=_("status"), distinct=False)
    open = django_filters.BooleanFilter(method="only_open", label=_("open cases only"))
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices, label=_("channel"), distinct=False)
    category = django_filters.CharFilter(method="in_category", label=_("category code"))
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), to_field_name="code",
                                                  label=_("department"))
    region = django_filters.CharFilter(method="in_region", label=_("street, community or grid code"))
    overdue = django_filters.BooleanFilter(method="only_overdue", label=_("overdue"))
    warning = django_filters.ChoiceFilter(choices=[("yellow", _("yellow")), ("red", _("overdue"))],
                                          field_name="warning_level", label=_("warning"))
    supervised = django_filters.BooleanFilter(label=_("under supervision"))
    q = django_filters.CharFilter(method="search", label=_("ticket number, title or address"))
    reported_after = django_filters.DateFilter(field_name="reported_at", lookup_expr="date__gte",
                                               label=_("reported from"))
    reported_before = django_filters.DateFilter(field_name="reported_at", lookup_expr="date__lte",
                                                label=_("reported until"))
    ordering = django_filters.OrderingFilter(fields=(("reported_at", "reported"), ("stage_due_at", "due"),
                                                     ("ticket_no", "ticket")), label=_("order"))

    class Meta:
        model = Case
        fields = ["status", "channel", "department", "supervised"]

    def only_open(self, queryset, name, value):
        return queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)

    def in_category(self, queryset, name, value):
        ids = Category.objects.filter(Q(code=value) | Q(parent__code=value)).values_list("id", flat=True)
        return queryset.filter(category_id__in=list(ids))

    def in_region(self, queryset, name, value):
        path = Region.objects.filter(code=value).values_list("path", flat=True).first()
        if path is None:
            return queryset.none()
        return queryset.filter(region_path__gte=path, region_path__lt=subtree_upper_bound(path))

    def only_overdue(self, queryset, name, value):
        overdue = Q(status__in=OPEN_STATUSES, stage_due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(ticket_no__iexact=value) | Q(title__icontains=value) | Q(address__icontains=value)
                               | Q(external_ticket_id=value))
