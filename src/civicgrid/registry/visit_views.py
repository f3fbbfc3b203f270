"""The household visit (入户走访): the grid worker's phone pages to keep the houses and residents of their grids.

"My houses" lists the houses of the user's scope; a house's page shows its residents (identity numbers and phones
masked, tags as the user's role may see them) with forms to change the house's use or occupancy, update a resident,
mark one as moved out and register a newcomer. Thin views: a form parses, a service of civicgrid.registry.services
checks and writes (with its change history, source "入户走访 <date> · note"); a bad value comes back beside its field
with nothing stored. For policy.EDIT_ROLES only (others: 403); a house or person outside the scope: 404.

There is no Visit model yet (the patrol issue builds patrol points, check-ins and visits): a visit is recorded only
through the changes it makes, in their history's source.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicgrid.core.crypto import mask_name
from civicgrid.people.access import roles_required
from civicgrid.people.scoping import get_in_scope_or_404
from civicgrid.registry import policy, selectors, services
from civicgrid.registry.models import House, Person
from civicgrid.registry.services import RegistryInputError
from civicgrid.registry.visit_forms import HouseForm, MoveOutForm, NewcomerForm, ResidentForm

PAGE_SIZE = 30
RECENT_MOVES = 10


edit_roles_required = roles_required(policy.EDIT_ROLES)


@require_GET
@edit_roles_required
def houses(request):
    """The houses of the user's scope (a grid worker's: their grids), by address, with a search box."""
    q = " ".join(request.GET.get("q", "").split())[:100]
    qs = selectors.houses_for(request.user).select_related("grid").only(
        "address", "use", "occupancy", "grid__name").annotate(
        residents_count=Count("residents")).order_by("address", "id")
    if q:
        qs = qs.filter(address__icontains=q)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({"q": q}) if q else ""
    return render(request, "registry/visit_houses.html", {"page": page, "q": q, "query": query})


def _house_or_404(user, pk: int) -> House:
    return get_in_scope_or_404(House.objects.select_related("grid"), user, pk=pk)


def _resident_or_404(user, house: House, person_pk: int) -> Person:
    return get_in_scope_or_404(Person.objects.all(), user, pk=person_pk, house=house)


def _resident_rows(user, house: House, bound: dict[int, dict]) -> list[dict]:
    """Each resident with masked identity number and phone, the tags the user may see, and their two forms."""
    rows = []
    today = timezone.localdate()
    # the visit page also edits the floating population's dates (which the lists leave out) and needs no house or grid
    people = selectors.residents_of(house, user).defer(None).prefetch_related(None).order_by("name", "id")
    for person in selectors.present(people, user):
        tags = person.visible_tags
        forms = bound.get(person.pk, {})
        rows.append({
            "person": person,
            "id_number": person.masked_id,
            "phone": person.masked_phone,
            "tags": tags,
            "age": today.year - person.birth_date.year - ((today.month, today.day) < (person.birth_date.month,
                                                                                     person.birth_date.day)),
            "permit_expired": bool(person.permit_expires_on and person.permit_expires_on < today),
            "form": forms.get("update") or ResidentForm(user=user, prefix=f"r{person.pk}",
                                                        initial=ResidentForm.initial_for(person, tags)),
            "move_form": forms.get("move") or MoveOutForm(prefix=f"m{person.pk}"),
            "open": forms.get("open", ""),
        })
    return rows


def _house_page(request, house: House, *, house_form=None, newcomer_form=None, bound=None, status: int = 200):
    user = request.user
    moves = selectors.moves_from(house, RECENT_MOVES)
    # where they went is shown only for houses the user may see
    visible = set(selectors.houses_for(user).filter(pk__in={m.to_house_id for m in moves if m.to_house_id})
                  .values_list("pk", flat=True)) if any(m.to_house_id for m in moves) else set()
    context = {
        "house": house,
        "house_form": house_form or HouseForm(prefix="house", initial={"use": house.use,
                                                                         "occupancy": house.occupancy}),
        "newcomer_form": newcomer_form or NewcomerForm(user=user, prefix="new"),
        "residents": _resident_rows(user, house, bound or {}),
        "moves": [{"name": mask_name(m.person.name), "at": m.moved_at,
                   "to": m.to_house.address if m.to_house_id in visible else None,
                   "away": m.to_house_id is None} for m in moves],
        "sees_sensitive": policy.can(user, policy.SENSITIVE_TAG_ROLES),
    }
    return render(request, "registry/visit_house.html", context, status=status)


@require_GET
@edit_roles_required
def house_detail(request, pk: int):
    return _house_page(request, _house_or_404(request.user, pk))


def _done(request, house: House, message: str, anchor: str = ""):
    messages.success(request, message)
    return redirect(reverse("registry:visit_house", args=[house.pk]) + (f"#{anchor}" if anchor else ""))


@require_POST
@edit_roles_required
def house_edit(request, pk: int):
    """Change the house's use or occupancy (upsert_house, with its own address, building and place)."""
    house = _house_or_404(request.user, pk)
    form = HouseForm(request.POST, prefix="house")
    if form.is_valid() and (house.lon is None or house.lat is None):  # it cannot be placed again
        form.add_service_error(RegistryInputError("location", _("this house has no location: ask the data administrator to correct it")))
    elif form.is_valid():
        try:
            services.upsert_house(address=house.address, building=house.building, unit=house.unit, room=house.room,
                                  use=form.cleaned_data["use"], occupancy=form.cleaned_data["occupancy"],
                                  lon=house.lon, lat=house.lat, actor=request.user,
                                  source=services.visit_source(form.cleaned_data["note"]))
        except RegistryInputError as error:
            form.add_service_error(error)
        else:
            return _done(request, house, _("The house was updated."), "house")
    return _house_page(request, house, house_form=form, status=400)


@require_POST
@edit_roles_required
def resident_edit(request, pk: int, person_pk: int):
    """Update a resident: phone, tags (hidden ones kept), residence type, the floating population's dates."""
    user = request.user
    house = _house_or_404(user, pk)
    person = _resident_or_404(user, house, person_pk)
    form = ResidentForm(request.POST, user=user, prefix=f"r{person.pk}")
    if form.is_valid():
        try:
            services.update_resident(person, actor=user, phone=form.cleaned_data["phone"], **form.person_kwargs(),
                                     source=services.visit_source(form.cleaned_data["note"]))
        except RegistryInputError as error:
            form.add_service_error(error)
        else:
            return _done(request, house, _("%(name)s was updated.") % {"name": person.name}, f"resident-{person.pk}")
    return _house_page(request, house, bound={person.pk: {"update": form, "open": "update"}}, status=400)


@require_POST
@edit_roles_required
def resident_move_out(request, pk: int, person_pk: int):
    """A resident no longer lives here: moved to another house of the user's area, or away (see services.move_out)."""
    user = request.user
    house = _house_or_404(user, pk)
    person = _resident_or_404(user, house, person_pk)
    form = MoveOutForm(request.POST, prefix=f"m{person.pk}")
    if form.is_valid():
        address = " ".join(form.cleaned_data["to_address"].split())
        to_house = selectors.houses_for(user).filter(address=address).first() if address else None
        if address and to_house is None:
            form.add_error("to_address", _("There is no house with this address in your area."))
        else:
            try:
                services.move_out(person, actor=user, note=form.cleaned_data["note"], to_house=to_house,
                                  source=services.visit_source(form.cleaned_data["note"]))
            except RegistryInputError as error:
                form.add_service_error(error)
            else:
                return _done(request, house, _("%(name)s was marked as moved out.") % {"name": person.name},
                             "residents")
    return _house_page(request, house, bound={person.pk: {"move": form, "open": "move"}}, status=400)


@require_POST
@edit_roles_required
def newcomer(request, pk: int):
    """Register someone found living in the house (or move here someone already in the registry elsewhere)."""
    user = request.user
    house = _house_or_404(user, pk)
    form = NewcomerForm(request.POST, user=user, prefix="new")
    if form.is_valid():
        data = form.cleaned_data
        try:
            person, _outcome = services.register_newcomer(
                house=house, id_number=data["id_number"], name=data["name"], phone=data["phone"], actor=user,
                **form.person_kwargs(), source=services.visit_source(data["note"]))
        except RegistryInputError as error:
            form.add_service_error(error)
        else:
            return _done(request, house, _("%(name)s was registered at this house.") % {"name": person.name},
                         f"resident-{person.pk}")
    return _house_page(request, house, newcomer_form=form, status=400)
