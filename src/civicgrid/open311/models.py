"""Open311 clients' API keys and the record of which key submitted which case.

A key is shown once, when it is made; only its SHA-256 digest is stored (a database dump reveals no usable key).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    name = models.CharField(_("owner"), max_length=100, help_text=_("who uses this key (an app, a partner system)"))
    prefix = models.CharField(_("key starts with"), max_length=16, editable=False, db_index=True,
                              help_text=_("the first characters of the key, to tell keys apart"))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["name", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Submission(models.Model):
    """A case that came in through Open311, and the key that sent it."""

    case = models.OneToOneField("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT,
                                related_name="open311_submission")
    api_key = models.ForeignKey(ApiKey, verbose_name=_("API key"), on_delete=models.PROTECT,
                                related_name="submissions")
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.case_id} ← {self.api_key_id}"
