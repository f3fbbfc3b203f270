"""Forms of the base-data pages: the exact look-up by identity number, a reveal, an export."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.registry.services import RegistryInputError, check_id_number

REVEAL_FIELDS = [("id_number", _("identity number")), ("phone", _("phone"))]
REASON_HELP = _("Say why you need it (at least 4 characters). It is kept in the audit log with your name.")


class LookupForm(forms.Form):
    """A whole identity number, posted (never in a URL). Errors never repeat the number."""

    id_number = forms.CharField(label=_("identity number"), max_length=24, strip=True,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text",
                                                              "spellcheck": "false", "maxlength": 24}))

    def clean_id_number(self) -> str:
        try:
            number, _birth, _sex = check_id_number(self.cleaned_data["id_number"])
        except RegistryInputError:
            raise forms.ValidationError(_("This is not a valid identity number (18 characters, with a correct "
                                          "check digit).")) from None
        return number


class RevealForm(forms.Form):
    field = forms.ChoiceField(label=_("Field to show"), choices=REVEAL_FIELDS)
    reason = forms.CharField(label=_("Reason"), min_length=4, max_length=200, help_text=REASON_HELP,
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))


class ExportForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the export"), min_length=4, max_length=200, help_text=REASON_HELP,
                             widget=forms.Textarea(attrs={"rows": 2}))
