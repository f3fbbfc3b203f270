"""The forms of the household visit pages (入户走访). They parse what the visitor typed; the services check it.

Identity numbers, phone numbers, tags and residence types are checked by civicgrid.registry.services (one set of
rules for the pages, the imports and the API): a form only parses types, and `add_service_error` puts the service's
complaint, in the page's language, next to the field it is about.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from civicgrid.registry.models import House, Person
from civicgrid.registry.policy import TAGS, visible_tags
from civicgrid.registry.services import RegistryInputError

NOTE_HELP = gettext_lazy("Optional: kept with the change in the record's history.")


def input_message(error: RegistryInputError) -> str:
    """A service's complaint about a field: the services word their errors in the request's language already."""
    return error.message


class VisitForm(forms.Form):
    """A form of the visit page: the visitor's note, and service errors shown beside their field."""

    note = forms.CharField(label=gettext_lazy("Visit note"), required=False, max_length=120, help_text=NOTE_HELP)

    def add_service_error(self, error: RegistryInputError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, input_message(error))


def _date_field(label) -> forms.DateField:
    # <input type=date> wants ISO dates whatever the page's language (Chinese formats would write 2026/03/01)
    return forms.DateField(label=label, required=False,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class HouseForm(VisitForm):
    use = forms.ChoiceField(label=gettext_lazy("Use"), choices=House.Use.choices, widget=forms.RadioSelect)
    occupancy = forms.ChoiceField(label=gettext_lazy("Occupancy"), choices=House.Occupancy.choices,
                                  widget=forms.RadioSelect)
    field_order = ["use", "occupancy", "note"]


class TagsField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", gettext_lazy("Special-population tags"))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)


class PersonFieldsForm(VisitForm):
    """Residence type, tags and the floating population's dates: the part of a person a visit updates."""

    residence_type = forms.ChoiceField(label=gettext_lazy("Residence type"), choices=Person.ResidenceType.choices)
    tags = TagsField()
    arrival_date = _date_field(gettext_lazy("Arrived"))
    registered_on = _date_field(gettext_lazy("Residence registered"))
    permit_expires_on = _date_field(gettext_lazy("Residence permit expires"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # only the tags the user's role may see: a grid worker is never offered a sensitive one
        self.fields["tags"].choices = [(t, t) for t in visible_tags(user, list(TAGS))]

    def person_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"residence_type": data["residence_type"], "tags": data["tags"], "arrival_date": data["arrival_date"],
                "registered_on": data["registered_on"], "permit_expires_on": data["permit_expires_on"]}


class ResidentForm(PersonFieldsForm):
    phone = forms.CharField(label=gettext_lazy("New phone number"), required=False, max_length=20,
                            help_text=gettext_lazy("Leave empty to keep the number on record."),
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    field_order = ["phone", "residence_type", "tags", "arrival_date", "registered_on", "permit_expires_on", "note"]

    @classmethod
    def initial_for(cls, person: Person, tags: list[str]) -> dict:
        return {"residence_type": person.residence_type, "tags": tags, "arrival_date": person.arrival_date,
                "registered_on": person.registered_on, "permit_expires_on": person.permit_expires_on}


class NewcomerForm(PersonFieldsForm):
    id_number = forms.CharField(label=gettext_lazy("Identity number"), max_length=24,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    name = forms.CharField(label=gettext_lazy("Full name"), max_length=60)
    phone = forms.CharField(label=gettext_lazy("Phone number"), required=False, max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    field_order = ["id_number", "name", "phone", "residence_type", "tags", "arrival_date", "registered_on",
                   "permit_expires_on", "note"]


class MoveOutForm(VisitForm):
    to_address = forms.CharField(
        label=gettext_lazy("Moved to (address of a house in your area)"), required=False, max_length=200,
        help_text=gettext_lazy("Leave empty when the new address is not known or outside your area."))
    confirm = forms.BooleanField(label=gettext_lazy("This person no longer lives here"), required=True)
    field_order = ["to_address", "note", "confirm"]
