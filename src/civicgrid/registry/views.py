"""Pages of the base data (三个实有 + 城市部件): the search pages, a record's page, an audited reveal, an Excel export.

Thin views (DESIGN.md): parse with a filterset or a form, read through civicgrid.registry.selectors (always the
user's scope), change state only through services (registry.services.reveal, registry.exports). Only the roles of
policy.VIEW_ROLES open these pages (403 for the others); a record outside the user's scope answers 404.

Personal data: identity numbers and phones are masked on every page, names as selectors.present decides by role
(see the selectors' docstring). A reveal is a POST with a reason; its answer shows the clear value once and is
never cached. None of these pages may be cached (they all hold personal data): `never_cache` sets
Cache-Control: no-store. A whole identity number is looked up by POST only (`lookup`), never from a URL.
"""

from __future__ import annotations

import json
import tempfile

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgrid.cases.pagination import COUNT_CAP, CappedCountPaginator
from civicgrid.core.models import ChangeRecord
from civicgrid.core.signals import client_address
from civicgrid.geo.models import Region, RegionLevel
from civicgrid.geo.selectors import names_by_level
from civicgrid.people.access import roles_required
from civicgrid.people.scoping import restrict, scope_of
from civicgrid.registry import exports, policy, selectors, services
from civicgrid.registry.filters import ComponentFilter, HouseFilter, OrganisationFilter, PersonFilter
from civicgrid.registry.forms import ExportForm, LookupForm, RevealForm
from civicgrid.registry.limits import reveal_allowed
from civicgrid.registry.models import Component, House, Person

PAGE_SIZE = 50
KINDS = [("people", gettext_lazy("Population")), ("houses", gettext_lazy("Housing")),
         ("organisations", gettext_lazy("Organisations")), ("components", gettext_lazy("City components"))]
# a person's history holds keyed hashes for these: the page says which changed, never a value
HASHED_FIELDS = {"id_number_hash": gettext_lazy("identity number"), "phone_hash": gettext_lazy("phone"),
                 "tags_hash": gettext_lazy("special-population tags")}
# fields whose model label reads wrongly in a history (no verbose name, or one the catalogue shares with another use)
HISTORY_LABELS = {"address": gettext_lazy("Address"), "lon": gettext_lazy("longitude (WGS-84)"),
                  "lat": gettext_lazy("latitude (WGS-84)")}
HISTORY_ACTIONS = dict(ChangeRecord.Action.choices)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ------------------------------------------------------------------------------------------------------ helpers


def registry_page(view):
    """Signed in (else the login page), of a role in policy.VIEW_ROLES or a superuser (else 403), never cached."""
    return never_cache(roles_required(policy.VIEW_ROLES)(view))


def _query(data) -> str:
    params = data.copy()
    params.pop("page", None)
    return params.urlencode()


def _areas(user) -> list[Region]:
    """The streets and communities the user may filter by (their scope's)."""
    return list(restrict(Region.objects.filter(level__in=(RegionLevel.STREET, RegionLevel.COMMUNITY)), user)
                .only("code", "name", "level", "path").order_by("path"))


def _search(request, kind: str, filter_class, queryset, template: str, extra: dict | None = None,
            present=None):
    """A search page: the filterset over the scoped queryset, a page of rows counted up to COUNT_CAP."""
    user = request.user
    filterset = filter_class(request.GET, queryset=queryset, request=request)
    valid = filterset.is_valid()
    page = CappedCountPaginator(filterset.qs if valid else queryset.none(), PAGE_SIZE) \
        .get_page(request.GET.get("page"))
    rows = present(page.object_list) if present else list(page.object_list)
    context = {
        "kind": kind, "kinds": KINDS, "filterset": filterset, "page": page, "rows": rows, "count_cap": COUNT_CAP,
        "values": {key: request.GET.get(key, "") for key in request.GET}, "query": _query(request.GET),
        "areas": _areas(user), "can_export": policy.can(user, policy.EXPORT_ROLES),
        "export_cap": f"{exports.EXPORT_CAP:,}",
    }
    context.update(extra or {})
    return render(request, template, context, status=200 if valid else 400)


def _place(record) -> str:
    levels = names_by_level([record.region_path]).get(record.region_path, {})
    return " · ".join(levels[level] for level in (RegionLevel.STREET, RegionLevel.COMMUNITY, RegionLevel.GRID)
                      if level in levels)


def _field(model, name: str):
    try:
        return model._meta.get_field(name.removesuffix("_id"))
    except Exception:  # a field that no longer exists
        return None


def _label(model, name: str) -> str:
    if name in HASHED_FIELDS:
        return str(HASHED_FIELDS[name])
    if name in HISTORY_LABELS:
        return str(HISTORY_LABELS[name])
    field = _field(model, name)
    return str(field.verbose_name) if field is not None else name


def _shown_value(model, name: str, value):
    """A value of the history as the page says it: a choice by its label."""
    field = _field(model, name)
    if value is not None and field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return value


def _history(record, *, values: bool) -> list[dict]:
    """The record's change history for a page: action, when, who, source, and the fields that changed (with the old
    and new values only when `values` — never for a person, whose history holds hashes and personal data)."""
    model = type(record)
    entries = []
    for change in selectors.history_of(record):
        fields = []
        for name, pair in (change.changes or {}).items():
            shown = values and name not in HASHED_FIELDS and not name.endswith("_id") and isinstance(pair, list)
            fields.append({"name": name, "label": _label(model, name), "shown": shown,
                           "old": _shown_value(model, name, pair[0]) if shown else None,
                           "new": _shown_value(model, name, pair[1]) if shown else None})
        entries.append({"action": HISTORY_ACTIONS.get(change.action, change.action), "at": change.at,
                        "actor": change.actor, "source": change.source, "fields": fields})
    return entries


def _map(record, *, label: str) -> dict:
    """What registry-map.js draws: the record's grid outline and its point (when it has one)."""
    areas = {"type": "FeatureCollection", "features": []}
    grid = getattr(record, "grid", None)
    if grid is not None and grid.geometry:
        areas["features"].append({"type": "Feature", "properties": {"name": grid.name},
                                  "geometry": json.loads(grid.geometry)})
    lon, lat = getattr(record, "lon", None), getattr(record, "lat", None)
    point = {"lon": lon, "lat": lat, "label": label} if lon is not None and lat is not None else None
    return {"areas": areas, "point": point}


def _cases(user, **about) -> dict:
    rows, more = selectors.cases_about(user, **about)
    return {"cases": rows, "more_cases": more}


# ------------------------------------------------------------------------------------------------- search pages


@require_GET
@registry_page
def people(request):
    user = request.user
    return _search(request, "people", PersonFilter, selectors.person_list(user), "registry/people.html",
                   {"lookup_form": LookupForm(), "tags": selectors.tags_for_search(user),
                    "residence_types": Person.ResidenceType.choices,
                    "name_matches": [("prefix", _("starts with")), ("contains", _("contains"))]},
                   present=lambda rows: selectors.present(rows, user))


@require_POST
@sensitive_post_parameters("id_number")
@registry_page
def lookup(request):
    """The exact look-up by a whole identity number (POSTed, never in a URL; the number is not shown back)."""
    user = request.user
    form = LookupForm(request.POST)
    rows, status = [], 400
    if form.is_valid():
        person = selectors.find_person(user, form.cleaned_data["id_number"])
        rows, status = (selectors.present([person], user) if person else []), 200
    empty = PersonFilter(None, queryset=Person.objects.none(), request=request)
    context = {"kind": "people", "kinds": KINDS, "filterset": empty, "page": None, "rows": rows,
               "values": {}, "query": "", "areas": _areas(user), "can_export": False,
               "lookup_form": LookupForm(), "lookup_errors": form.errors.get("id_number", []), "looked_up": True,
               "tags": selectors.tags_for_search(user), "residence_types": Person.ResidenceType.choices,
               "name_matches": [("prefix", _("starts with")), ("contains", _("contains"))]}
    return render(request, "registry/people.html", context, status=status)


@require_GET
@registry_page
def houses(request):
    user = request.user

    def present(rows):
        rows = list(rows)
        counts = selectors.resident_counts(rows, user)
        for house in rows:
            house.resident_count = counts.get(house.pk, 0)
        return rows

    return _search(request, "houses", HouseFilter, selectors.house_list(user), "registry/houses.html",
                   {"uses": House.Use.choices, "occupancies": House.Occupancy.choices}, present=present)


@require_GET
@registry_page
def organisations(request):
    return _search(request, "organisations", OrganisationFilter, selectors.organisation_list(request.user),
                   "registry/organisations.html")


@require_GET
@registry_page
def components(request):
    return _search(request, "components", ComponentFilter, selectors.component_list(request.user),
                   "registry/components.html", {"statuses": Component.Status.choices})


# ------------------------------------------------------------------------------------------------ record pages


def _person_context(request, person: Person, *, reveal_form=None, revealed=None) -> dict:
    user = request.user
    selectors.present([person], user)
    scope = scope_of(user)
    moves = selectors.moves_of(person)
    for move in moves:
        for side in ("from_house", "to_house"):
            house = getattr(move, side)
            setattr(move, f"{side}_open", house is not None and scope.covers_path(house.region_path))
    can_reveal = policy.can(user, policy.REVEAL_ROLES)
    return {
        "person": person, "place": _place(person), "moves": moves, "history": _history(person, values=False),
        "job": person.created_by_job, "full_names": selectors.sees_full_names(user),
        "house_open": person.house_id is not None and scope.covers_path(person.house.region_path),
        "can_reveal": can_reveal, "revealed": revealed,
        "reveal_form": (reveal_form or RevealForm()) if can_reveal else None,
    }


@require_GET
@registry_page
def person(request, pk: int):
    record = selectors.get_person(request.user, pk)
    return render(request, "registry/person.html", _person_context(request, record))


REVEAL_MESSAGES = {"reason": gettext_lazy("Say why you need to see it (at least 4 characters)."),
                   "field": gettext_lazy("This field cannot be shown in the clear.")}


@require_POST
@sensitive_post_parameters("reason")
@registry_page
def reveal(request, pk: int):
    """Show one personal field in the clear, once, on this answer (no-store): role, scope and a reason; audited."""
    user = request.user
    record = selectors.get_person(user, pk)  # 404 outside the scope
    if not policy.can(user, policy.REVEAL_ROLES):
        raise PermissionDenied
    form = RevealForm(request.POST)
    if not form.is_valid():
        return render(request, "registry/person.html", _person_context(request, record, reveal_form=form),
                      status=400)
    if not reveal_allowed(user):
        form.add_error(None, _("Too many reveals in a short time. Please try again later."))
        return render(request, "registry/person.html", _person_context(request, record, reveal_form=form),
                      status=429)
    field = form.cleaned_data["field"]
    try:
        value = services.reveal(record, field, actor=user, reason=form.cleaned_data["reason"],
                                ip_address=client_address(request))
    except services.RegistryInputError as error:
        form.add_error(error.field if error.field in form.fields else None,
                       REVEAL_MESSAGES.get(error.field, error.message))
        return render(request, "registry/person.html", _person_context(request, record, reveal_form=form),
                      status=400)
    revealed = {"field": field, "label": dict(form.fields["field"].choices)[field], "value": value}
    return render(request, "registry/person.html", _person_context(request, record, revealed=revealed))


@require_GET
@registry_page
def house(request, pk: int):
    user = request.user
    record = selectors.get_house(user, pk)
    residents = selectors.present(selectors.residents_of(record, user)[:200], user)
    context = {"house": record, "place": _place(record), "residents": residents,
               "history": _history(record, values=True), "record_map": _map(record, label=record.address),
               **_cases(user, house=record)}
    return render(request, "registry/house.html", context)


@require_GET
@registry_page
def organisation(request, pk: int):
    record = selectors.get_organisation(request.user, pk)
    context = {"organisation": record, "place": _place(record), "phone": selectors.organisation_phone(record),
               "history": _history(record, values=True), "record_map": _map(record, label=record.name)}
    return render(request, "registry/organisation.html", context)


@require_GET
@registry_page
def component(request, pk: int):
    user = request.user
    record = selectors.get_component(user, pk)
    context = {"component": record, "place": _place(record), "history": _history(record, values=True),
               "record_map": _map(record, label=f"{record.code} {record.name}"), **_cases(user, component=record)}
    return render(request, "registry/component.html", context)


# ------------------------------------------------------------------------------------------------------- export


EXPORT_KINDS = {"people": (PersonFilter, "people", gettext_lazy("Population")),
                "houses": (HouseFilter, "houses", gettext_lazy("Housing"))}


@require_http_methods(["GET", "POST"])
@registry_page
def export(request, kind: str):
    """An Excel file of a people or houses search: EXPORT_ROLES only, with a reason, masked, audited, capped."""
    user = request.user
    if kind not in EXPORT_KINDS:
        raise Http404("nothing to export here")
    if not policy.can(user, policy.EXPORT_ROLES):
        raise PermissionDenied
    filter_class, list_name, title = EXPORT_KINDS[kind]
    filters = filter_class(request.GET, queryset=Person.objects.none() if kind == "people" else House.objects.none(),
                           request=request)
    filters.is_valid()
    form = ExportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            out = tempfile.TemporaryFile(suffix=".xlsx")
            try:
                result = exports.EXPORTS[kind](out, actor=user, data=request.GET, reason=form.cleaned_data["reason"],
                                               ip_address=client_address(request))
            except services.RegistryInputError as error:
                out.close()
                form.add_error("reason" if error.field == "reason" else None, error.message)
            else:
                out.seek(0)
                name = f"{result.sheet}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
                response = FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)
                response["X-Export-Rows"] = str(result.rows)
                return response
    context = {"kind": kind, "title": title, "form": form, "export_cap": f"{exports.EXPORT_CAP:,}",
               "used": filters.described(), "filter_errors": filters.errors,
               "back": reverse(f"registry:{list_name}") + (f"?{_query(request.GET)}" if request.GET else ""),
               "query": request.GET.urlencode()}
    return render(request, "registry/export.html", context, status=status)


__all__ = ["people", "lookup", "houses", "organisations", "components", "person", "reveal", "house",
           "organisation", "component", "export"]
