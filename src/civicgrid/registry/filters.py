"""One filterset per kind of base-data record, shared by the search pages, the exports and the API (rule 5).

The searches themselves are the selectors' (civicgrid.registry.selectors); a filterset only reads them from a query
string. A full identity number is never a filter: a query string ends up in access logs and browser histories, so
the exact look-up is a POST (selectors.find_person, the page's look-up form and POST /api/registry/people/lookup/).
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from civicgrid.registry import selectors
from civicgrid.registry.models import Component, House, Organisation, Person

NAME_MATCHES = [("prefix", _("starts with")), ("contains", _("contains"))]


class ScopedFilterSet(django_filters.FilterSet):
    """A filterset that knows whose search it is (the tag filter depends on the user's role). The pages and the API
    pass the request; services pass `user`."""

    region = django_filters.CharFilter(method="in_region", label=_("street, community or grid code"))

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = user if user is not None else getattr(request, "user", None)

    def in_region(self, queryset, name, value):
        return selectors.in_region(queryset, value)

    def used(self) -> dict[str, str]:
        """The filters that were given (valid ones only), as text: for an export's notes and its audit row."""
        if not self.is_bound or not hasattr(self.form, "cleaned_data"):
            return {}
        return {name: str(value) for name, value in self.form.cleaned_data.items() if value not in (None, "", [])}

    def shown_values(self) -> dict[str, str]:
        """The filters that were given, each value as people read it: a choice by its label."""
        shown = {}
        for name, value in self.used().items():
            choices = dict(getattr(self.form.fields[name], "choices", None) or [])
            shown[name] = str(choices.get(value, value))
        return shown

    def described(self) -> list[tuple[str, str]]:
        """(label, value) of each filter given, for a page."""
        return [(str(self.filters[name].label or name), value) for name, value in self.shown_values().items()]


class PersonFilter(ScopedFilterSet):
    name = django_filters.CharFilter(method="by_name", label=_("name"), max_length=40)
    name_match = django_filters.ChoiceFilter(choices=NAME_MATCHES, method="by_nothing", label=_("name match"),
                                             empty_label=None)
    id_tail = django_filters.CharFilter(
        method="by_id_tail", label=_("last 4 characters of the identity number"),
        validators=[RegexValidator(r"^\s*[0-9]{3}[0-9Xx]\s*$", _("Give the last 4 characters (digits or X)."))])
    address = django_filters.CharFilter(method="by_address", label=_("house address contains"), max_length=100)
    tag = django_filters.CharFilter(method="by_tag", label=_("special-population tag"), max_length=20)
    residence_type = django_filters.ChoiceFilter(choices=Person.ResidenceType.choices, label=_("residence type"))
    permit_before = django_filters.DateFilter(field_name="permit_expires_on", lookup_expr="lte",
                                              label=_("residence permit expires by"),
                                              widget=forms.DateInput(attrs={"type": "date"}))
    house = django_filters.NumberFilter(field_name="house_id", label=_("house id"))

    class Meta:
        model = Person
        fields = ["residence_type"]

    def by_name(self, queryset, name, value):
        contains = self.form.cleaned_data.get("name_match") == "contains"
        return selectors.with_name(queryset, value, contains=contains)

    def by_nothing(self, queryset, name, value):
        return queryset  # read by by_name

    def by_id_tail(self, queryset, name, value):
        return selectors.with_id_tail(queryset, value)

    def by_address(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(house__address__contains=value) if value else queryset

    def by_tag(self, queryset, name, value):
        return selectors.with_tag(queryset, value, self.user)


class HouseFilter(ScopedFilterSet):
    address = django_filters.CharFilter(method="by_address", label=_("address contains"), max_length=100)
    building = django_filters.CharFilter(field_name="building", lookup_expr="contains", label=_("building"),
                                         max_length=40)
    use = django_filters.ChoiceFilter(choices=House.Use.choices, label=_("use"))
    occupancy = django_filters.ChoiceFilter(choices=House.Occupancy.choices, label=_("occupancy"))

    class Meta:
        model = House
        fields = ["use", "occupancy"]

    def by_address(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(address__contains=value) if value else queryset


class OrganisationFilter(ScopedFilterSet):
    name = django_filters.CharFilter(field_name="name", lookup_expr="contains", label=_("name contains"),
                                     max_length=60)
    credit_code = django_filters.CharFilter(method="by_credit_code", label=_("unified social credit code"),
                                            max_length=18)
    kind = django_filters.CharFilter(field_name="kind", label=_("type"), max_length=40)

    class Meta:
        model = Organisation
        fields = ["kind"]

    def by_credit_code(self, queryset, name, value):
        """A whole code exactly, or the first characters of one (both read off the code's unique index)."""
        code = "".join(value.split()).upper()
        if not code:
            return queryset
        return queryset.filter(credit_code=code) if len(code) == 18 else queryset.filter(credit_code__startswith=code)


class ComponentFilter(ScopedFilterSet):
    code = django_filters.CharFilter(method="by_code", label=_("component code"), max_length=40)
    class_code = django_filters.CharFilter(method="by_class_code", label=_("class (GB/T 30428)"), max_length=8)
    status = django_filters.ChoiceFilter(choices=Component.Status.choices, label=_("status"))
    name = django_filters.CharFilter(field_name="name", lookup_expr="contains", label=_("name contains"),
                                     max_length=60)

    class Meta:
        model = Component
        fields = ["status"]

    def by_code(self, queryset, name, value):
        code = value.strip()
        return queryset.filter(code__startswith=code) if code else queryset

    def by_class_code(self, queryset, name, value):
        code = value.strip().upper()
        return queryset.filter(class_code=code) if code else queryset


FILTERS = {"person": PersonFilter, "house": HouseFilter, "organisation": OrganisationFilter,
           "component": ComponentFilter}
