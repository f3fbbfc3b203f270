"""The forms of the case pages. They parse and check what a person typed; the services decide and change state.

Every action form carries the case's `version` as a hidden field: the service compares it with the case's current
version, so a page that was open while someone else acted gets a conflict instead of acting on a stale picture.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.attachments import check_upload
from civicgrid.cases.errors import CaseInputError
from civicgrid.cases.models import Category, Channel
from civicgrid.people.models import Department

MAX_PHOTOS = 6


# ------------------------------------------------------------------------------------------------------ fields


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotoField(forms.FileField):
    """Several photos in one <input type=file multiple>, each checked by content (civicgrid.cases.attachments).

    Cleans to a list of (name, bytes) pairs, which the services accept as they are.
    """

    widget = MultipleFileInput

    def __init__(self, *args, capture: bool = True, max_files: int = MAX_PHOTOS, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Photos"))
        super().__init__(*args, **kwargs)
        self.max_files = max_files
        attrs = {"accept": "image/*", "multiple": True}
        if capture:
            attrs["capture"] = "environment"
        self.widget.attrs.update(attrs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > self.max_files:
            raise forms.ValidationError(_("At most %(n)d photos."), code="too_many", params={"n": self.max_files})
        photos = []
        for upload in files:
            try:
                checked = check_upload(upload)
            except CaseInputError:
                raise forms.ValidationError(
                    _("%(name)s is not a photo (JPEG, PNG, WebP or GIF) or a PDF, or it is larger than the limit."),
                    code="invalid_photo", params={"name": getattr(upload, "name", "") or _("The file")}) from None
            photos.append((checked.original_name or "photo", checked.content))
        return photos


class CategoryField(forms.TypedChoiceField):
    """A <select> of the categories in use, grouped by their top-level class; cleans to a Category."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Category"))
        kwargs.setdefault("required", False)
        super().__init__(*args, coerce=str, empty_value="", **kwargs)

    def set_categories(self, categories: list[Category]) -> None:
        groups: dict[int | None, list[tuple[str, str]]] = {}
        tops = [c for c in categories if c.parent_id is None]
        for c in categories:
            if c.parent_id is not None:
                groups.setdefault(c.parent_id, []).append((c.code, c.name))
        choices: list = [("", _("— choose —"))]
        for top in tops:
            children = groups.get(top.pk)
            if children:
                label = f"{top.name} · {top.get_kind_display()}"
                choices.append((label, [*children, (top.code, f"{top.name} · {_('other')}")]))
            else:
                choices.append((top.code, top.name))
        self.choices = choices
        self._by_code = {c.code: c for c in categories}

    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        return self._by_code[code]


def active_categories() -> list[Category]:
    return list(Category.objects.filter(is_active=True).order_by("kind", "sort_order", "code"))


class CoordinateField(forms.FloatField):
    widget = forms.HiddenInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)


def clean_phone(value: str, *, required: bool) -> str:
    """Spaces and dashes dropped; 5 to 16 digits, an optional leading +."""
    phone = "".join((value or "").split()).replace("-", "")
    if not phone:
        if required:
            raise forms.ValidationError(forms.Field.default_error_messages["required"], code="required")
        return ""
    if not (phone.lstrip("+").isdigit() and 5 <= len(phone) <= 16):
        raise forms.ValidationError(_("This is not a phone number."), code="phone")
    return phone


def _textarea(rows=3, **attrs):
    return forms.Textarea(attrs={"rows": rows, **attrs})


# ----------------------------------------------------------------------------------------------- action forms


class ActionForm(forms.Form):
    """Base of the forms behind the buttons of a case page."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # service field name -> this form's field name, for errors the service raises
    service_fields: dict[str, str] = {}

    def __init__(self, *args, case=None, user=None, **kwargs):
        self.case = case
        self.user = user
        super().__init__(*args, **kwargs)
        if case is not None and not self.is_bound:
            self.initial.setdefault("version", case.version)

    def kwargs(self) -> dict:
        """The service call's keyword arguments (besides case, actor and expected_version)."""
        return {}

    def add_service_error(self, error: CaseInputError, message: str) -> None:
        name = self.service_fields.get(error.field, error.field)
        if name in self.fields and not isinstance(self.fields[name].widget, forms.HiddenInput):
            self.add_error(name, message)
        else:
            self.add_error(None, message)


class NoteForm(ActionForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=_textarea(2))

    def kwargs(self):
        return {"note": self.cleaned_data["note"]}


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=_textarea(3))

    def kwargs(self):
        return {"reason": self.cleaned_data["reason"]}


class AcceptForm(NoteForm):
    category = CategoryField(help_text=_("Correct the category if it is wrong: the responsible department follows it."))
    field_order = ["category", "note"]

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].set_categories(list(categories))
        if self.case is not None and self.case.category_id and not self.is_bound:
            self.initial["category"] = self.case.category.code

    def kwargs(self):
        return {"note": self.cleaned_data["note"], "category": self.cleaned_data["category"]}


class MergeForm(NoteForm):
    into = forms.CharField(label=_("Merge into ticket number"), max_length=24)
    field_order = ["into", "note"]

    def clean_into(self):
        return self.cleaned_data["into"].strip().upper()


class DispatchForm(NoteForm):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(), required=False,
                                        to_field_name="code", empty_label=_("— responsible department —"))
    field_order = ["department", "note"]

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        field.queryset = Department.objects.filter(is_active=True)
        field.choices = [("", field.empty_label), *((d.code, str(d)) for d in departments)]
        if self.case is not None and self.case.department_id and not self.is_bound:
            self.initial["department"] = self.case.department.code

    def kwargs(self):
        return {"note": self.cleaned_data["note"], "department": self.cleaned_data["department"]}


class ExtensionForm(ActionForm):
    extra_days = forms.IntegerField(label=_("Extra time (days)"), min_value=1, max_value=60, initial=1)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=_textarea(3))
    service_fields = {"extra_minutes": "extra_days"}

    def kwargs(self):
        return {"extra_minutes": self.cleaned_data["extra_days"] * 1440, "reason": self.cleaned_data["reason"]}


class DecideExtensionForm(NoteForm):
    grant = forms.TypedChoiceField(label=_("Decision"), choices=[("1", _("Grant")), ("0", _("Refuse"))],
                                   coerce=lambda v: v == "1", widget=forms.RadioSelect)
    field_order = ["grant", "note"]

    def kwargs(self):
        return {"grant": self.cleaned_data["grant"], "note": self.cleaned_data["note"]}


class HandleForm(ActionForm):
    result = forms.CharField(label=_("What was done"), max_length=5000, widget=_textarea(4))
    photos = PhotoField()

    def kwargs(self):
        return {"result": self.cleaned_data["result"], "photos": self.cleaned_data["photos"]}


class VerifyForm(ActionForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=_textarea(2))
    photos = PhotoField()
    lon = CoordinateField(min_value=-180, max_value=180)
    lat = CoordinateField(min_value=-90, max_value=90)
    service_fields = {"location": "lon"}

    def kwargs(self):
        d = self.cleaned_data
        return {"note": d["note"], "photos": d["photos"], "lon": d["lon"], "lat": d["lat"]}


class FailVerificationForm(VerifyForm):
    reason = forms.CharField(label=_("What is still wrong"), max_length=2000, widget=_textarea(3))
    field_order = ["reason", "photos"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["note"]

    def kwargs(self):
        d = self.cleaned_data
        return {"reason": d["reason"], "photos": d["photos"], "lon": d["lon"], "lat": d["lat"]}


class SuperviseForm(ReasonForm):
    due_hours = forms.IntegerField(label=_("Time limit (hours)"), min_value=1, max_value=720, initial=24)
    service_fields = {"due_minutes": "due_hours"}

    def kwargs(self):
        return {"reason": self.cleaned_data["reason"], "due_minutes": self.cleaned_data["due_hours"] * 60}


SATISFACTION_CHOICES = [("5", _("5 · very satisfied")), ("4", _("4 · satisfied")), ("3", _("3 · acceptable")),
                        ("2", _("2 · dissatisfied")), ("1", _("1 · very dissatisfied"))]
RESOLVED_CHOICES = [("1", _("Resolved")), ("0", _("Not resolved"))]


class EvaluateForm(NoteForm):
    satisfaction = forms.TypedChoiceField(label=_("Satisfaction"), choices=SATISFACTION_CHOICES, coerce=int,
                                          widget=forms.RadioSelect)
    resolved = forms.TypedChoiceField(label=_("Was the problem solved?"), choices=RESOLVED_CHOICES,
                                      coerce=lambda v: v == "1", widget=forms.RadioSelect)
    by_callback = forms.BooleanField(label=_("Given by the resident on a callback (回访) phone call"), required=False)
    field_order = ["satisfaction", "resolved", "note", "by_callback"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.user is not None and self.user.role == "resident":
            del self.fields["by_callback"]
        elif not self.is_bound:
            self.initial["by_callback"] = True

    def kwargs(self):
        d = self.cleaned_data
        return {"satisfaction": d["satisfaction"], "resolved": d["resolved"], "note": d["note"],
                "by_callback": d.get("by_callback", False)}


# action name -> (form class, button label)
ACTION_FORMS: dict[str, type[ActionForm]] = {
    "accept": AcceptForm,
    "reject": ReasonForm,
    "merge": MergeForm,
    "dispatch": DispatchForm,
    "receive": NoteForm,
    "return": ReasonForm,
    "request_extension": ExtensionForm,
    "decide_extension": DecideExtensionForm,
    "suspend": ReasonForm,
    "resume": NoteForm,
    "handle": HandleForm,
    "verify": VerifyForm,
    "fail_verification": FailVerificationForm,
    "close": NoteForm,
    "supervise": SuperviseForm,
    "evaluate": EvaluateForm,
    "reopen": ReasonForm,
}


# ------------------------------------------------------------------------------------------------- intake forms


class _ReportForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120,
                            widget=forms.TextInput(attrs={"placeholder": _("e.g. rubbish piled at the gate")}))
    description = forms.CharField(label=_("Description"), max_length=5000, widget=_textarea(4))
    category = CategoryField()
    photos = PhotoField(max_files=3)
    lon = CoordinateField(min_value=-180, max_value=180)
    lat = CoordinateField(min_value=-90, max_value=90)
    address = forms.CharField(label=_("Address or landmark"), max_length=200, required=False)
    service_fields = {"location": "address", "contact_phone": "contact_phone"}

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].set_categories(list(categories))

    def clean(self):
        data = super().clean()
        if (data.get("lon") is None) != (data.get("lat") is None):
            self.add_error("address", _("The location is incomplete: tap the map again."))
        return data

    def report_kwargs(self) -> dict:
        d = self.cleaned_data
        return {"title": d["title"], "description": d["description"], "category": d["category"],
                "lon": d["lon"], "lat": d["lat"], "address": d["address"], "photos": d["photos"]}

    def add_service_error(self, error: CaseInputError, message: str) -> None:
        name = self.service_fields.get(error.field, error.field)
        self.add_error(name if name in self.fields else None, message)


class PublicReportForm(_ReportForm):
    """A resident's report on the public page (no sign-in needed)."""

    contact_name = forms.CharField(label=_("Your name"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("Your phone"), max_length=20, required=False,
                                    widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
                                    help_text=_("Optional. With it, you can rate the result or reopen the case on "
                                                "the tracking page by giving its last 4 digits."))
    anonymous = forms.BooleanField(label=_("Report anonymously (staff will not see your name)"), required=False)

    def clean_contact_phone(self):
        return clean_phone(self.cleaned_data["contact_phone"], required=False)

    def clean(self):
        data = super().clean()
        if data.get("lon") is None and not data.get("address"):
            self.add_error("address", _("Tap the map, use your location, or write the address."))
        return data

    def report_kwargs(self):
        d = self.cleaned_data
        return {**super().report_kwargs(), "contact_name": d["contact_name"], "contact_phone": d["contact_phone"],
                "anonymous": d["anonymous"]}


class FieldReportForm(_ReportForm):
    """A grid worker's report of what they found on patrol: the place comes from the phone or the map."""

    service_fields = {"location": "lon"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].required = True

    def clean(self):
        data = super().clean()
        if data.get("lon") is None:
            self.add_error("lon", _("Use your location or tap the map where the problem is."))
        return data

    def add_service_error(self, error, message):
        name = self.service_fields.get(error.field, error.field)
        self.add_error(name if name in self.fields else None, message)


# Channels whose requests a member of staff types in (the others arrive by themselves: app, web page, API, ...).
STAFF_INTAKE_CHANNELS = [Channel.HOTLINE, Channel.WINDOW, Channel.DEPUTIES_STUDIO, Channel.DELIBERATION,
                         Channel.UPPER_PLATFORM, Channel.EMAIL, Channel.WECHAT]


class HotlineForm(_ReportForm):
    """A hotline operator's (or window clerk's) intake: the hotline, the service window, a deputies' studio, a
    deliberation meeting, a case forwarded by the upper-level platform with its ticket id, a letter or e-mail."""

    channel = forms.ChoiceField(label=_("Channel"), choices=[(c.value, c.label) for c in STAFF_INTAKE_CHANNELS],
                                initial=Channel.HOTLINE, required=False)
    external_ticket_id = forms.CharField(label=_("Upper-level ticket id"), max_length=64, required=False,
                                         help_text=_("needed for cases forwarded by 12345 or another platform"))
    contact_phone = forms.CharField(label=_("Caller's phone"), max_length=20,
                                    widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    contact_name = forms.CharField(label=_("Caller's name"), max_length=40, required=False)
    anonymous = forms.BooleanField(label=_("The caller wishes to stay anonymous"), required=False)
    field_order = ["channel", "external_ticket_id", "contact_phone", "contact_name", "anonymous", "title",
                   "description", "category", "address"]

    def __init__(self, *args, lookup_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].widget.attrs.pop("capture", None)
        if lookup_only:
            for name, field in self.fields.items():
                if name != "contact_phone":
                    field.required = False

    def clean_contact_phone(self):
        return clean_phone(self.cleaned_data["contact_phone"], required=True)

    def report_kwargs(self):
        d = self.cleaned_data
        return {**super().report_kwargs(), "contact_name": d["contact_name"], "contact_phone": d["contact_phone"],
                "anonymous": d["anonymous"], "channel": d.get("channel") or Channel.HOTLINE,
                "external_ticket_id": d.get("external_ticket_id", "")}


class TrackForm(forms.Form):
    ticket_no = forms.CharField(label=_("Ticket number"), max_length=24,
                                widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off",
                                                              "placeholder": "CG2026…"}))

    def clean_ticket_no(self):
        return "".join(self.cleaned_data["ticket_no"].split()).upper()


class PhoneProofMixin(forms.Form):
    phone_last4 = forms.CharField(label=_("Last 4 digits of the phone you gave when reporting"), min_length=4,
                                  max_length=4, widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                                               "autocomplete": "off",
                                                                               "pattern": "[0-9]{4}"}))

    def __init__(self, *args, needs_proof: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_proof:
            del self.fields["phone_last4"]

    def clean_phone_last4(self):
        value = self.cleaned_data["phone_last4"].strip()
        if not value.isdigit():
            raise forms.ValidationError(_("Give 4 digits."), code="digits")
        return value


class PublicEvaluateForm(PhoneProofMixin):
    satisfaction = forms.TypedChoiceField(label=_("Satisfaction"), choices=SATISFACTION_CHOICES, coerce=int,
                                          widget=forms.RadioSelect)
    resolved = forms.TypedChoiceField(label=_("Was the problem solved?"), choices=RESOLVED_CHOICES,
                                      coerce=lambda v: v == "1", widget=forms.RadioSelect)
    note = forms.CharField(label=_("Comment"), required=False, max_length=2000, widget=_textarea(2))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    field_order = ["satisfaction", "resolved", "note", "phone_last4"]


class PublicReopenForm(PhoneProofMixin):
    reason = forms.CharField(label=_("What is still wrong"), max_length=2000, widget=_textarea(3))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    field_order = ["reason", "phone_last4"]
