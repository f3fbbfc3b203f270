"""Writes of the Open311 adapter: API keys, and a service request turned into a case by the cases services.

The adapter owns no case logic: `submit_request` maps GeoReport v2 fields onto `civicgrid.cases.services.report_case`
(channel "open311") and records which key sent the case. Keys are made here and shown once; only their SHA-256
digest is kept, so a database dump holds no usable key.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from civicgrid.cases import services as case_services
from civicgrid.cases.models import Case, Category, Channel
from civicgrid.core.models import AuditEntry, ChangeRecord
from civicgrid.core.services import record_change, snapshot, write_audit
from civicgrid.open311.models import ApiKey, Submission

KEY_PREFIX = "o311_"
SHOWN_PREFIX = 12  # characters of a key kept in clear (KEY_PREFIX + 7 random ones), to tell keys apart
HISTORY_FIELDS = ["name", "prefix", "is_active"]
TITLE_MAX = 120


def digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def create_key(name: str, *, actor=None, source: str = "", instance: ApiKey | None = None,
               raw: str | None = None) -> tuple[ApiKey, str]:
    """Make a new key for `name`; returns the record and the key itself, which is never available again.
    (`raw` gives the key instead of drawing one: only the demo does that, so its printed key stays the same.)"""
    name = (name or "").strip()
    if not name:
        raise ValueError("an API key needs the name of its owner")
    raw = raw or KEY_PREFIX + secrets.token_urlsafe(32)
    key = instance or ApiKey()
    key.name, key.prefix, key.key_hash, key.is_active = name[:100], raw[:SHOWN_PREFIX], digest(raw), True
    key.created_by = actor if getattr(actor, "pk", None) else None
    key.save()
    record_change(key, ChangeRecord.Action.CREATE, actor=actor, source=source, after=snapshot(key, HISTORY_FIELDS))
    write_audit(AuditEntry.Action.ADMIN_CHANGE, actor=actor, target=f"open311 key {key.prefix}… ({key.name})",
                detail={"open311_key": "created", "source": source})
    return key, raw


@transaction.atomic
def set_key_active(key: ApiKey, active: bool, *, actor=None, source: str = "") -> bool:
    """Switch a key on or off (keys are never deleted: the cases they sent keep pointing at them)."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.is_active == active:
        return False
    before = snapshot(key, HISTORY_FIELDS)
    key.is_active = active
    key.save(update_fields=["is_active"])
    record_change(key, ChangeRecord.Action.UPDATE, actor=actor, source=source, before=before,
                  after=snapshot(key, HISTORY_FIELDS))
    write_audit(AuditEntry.Action.ADMIN_CHANGE, actor=actor, target=f"open311 key {key.prefix}… ({key.name})",
                detail={"open311_key": "activated" if active else "deactivated", "source": source})
    return True


def key_for(raw_key: str | None) -> ApiKey | None:
    """The active key `raw_key` is, or None (missing, unknown or switched off)."""
    raw_key = (raw_key or "").strip()
    if not raw_key or len(raw_key) > 200:
        return None
    key = ApiKey.objects.filter(key_hash=digest(raw_key), is_active=True).first()
    if key is not None:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


@dataclass(frozen=True)
class ServiceRequest:
    """The fields of a GeoReport v2 POST that civicgrid uses (email, device_id, account_id and media_url are not
    kept: a case has no place for them, and we fetch nothing from a client's URL)."""

    category: Category
    description: str = ""
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""


def _contact_name(first: str, last: str) -> str:
    first, last = first.strip(), last.strip()
    if first and last and not (first.isascii() and last.isascii()):
        return f"{last}{first}"  # 王 + 芳 -> 王芳: Chinese names put the family name first, without a space
    return " ".join(p for p in (first, last) if p)


def _title(category: Category, description: str) -> str:
    first_line = next((line.strip() for line in description.splitlines() if line.strip()), "")
    title = f"{category.name}: {first_line}" if first_line else category.name
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


def submit_request(request: ServiceRequest, *, api_key: ApiKey) -> Case:
    """Report the request as a case (channel Open311) and remember which key sent it, in one transaction."""
    description = request.description.strip() or request.category.name
    with transaction.atomic():
        case = case_services.report_case(
            channel=Channel.OPEN311, title=_title(request.category, description), description=description,
            category=request.category, lon=request.lon, lat=request.lat, address=request.address,
            contact_name=_contact_name(request.first_name, request.last_name), contact_phone=request.phone,
        )
        Submission.objects.create(case=case, api_key=api_key)
    return case
