"""Writes of the core app: change history rows and audit entries. Called by other apps' services."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from civicgrid.core.models import AuditChainHead, AuditEntry, ChangeRecord


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and len(value) > 200:
        return value[:60] + f"… ({len(value)} characters)"
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """The values of `fields` (attribute names; foreign keys by id) for a later `diff`."""
    return {name: _plain(getattr(instance, name)) for name in fields}


def record_change(
    instance: models.Model,
    action: str,
    *,
    actor=None,
    source: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> ChangeRecord | None:
    """Write one change-history row for `instance`; an update that changed nothing writes nothing."""
    before = before or {}
    after = after or {}
    if action == ChangeRecord.Action.UPDATE:
        changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
        if not changes:
            return None
    elif action == ChangeRecord.Action.CREATE:
        changes = {k: [None, v] for k, v in after.items()}
    else:
        changes = {k: [v, None] for k, v in before.items()}
    return ChangeRecord.objects.create(
        model_label=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        source=source[:255],
        changes=changes,
    )


def save_with_history(instance: models.Model, fields: list[str], *, before: dict[str, Any] | None, actor=None,
                      source: str = "") -> str:
    """Save `instance` if any of `fields` changed since `before` (its `snapshot` taken before the change, None for a
    new record) and write the change-history row. Returns "created", "updated" or "unchanged"."""
    after = snapshot(instance, fields)
    if before is not None and before == after:
        return "unchanged"
    instance.save()
    record_change(instance, ChangeRecord.Action.CREATE if before is None else ChangeRecord.Action.UPDATE,
                  actor=actor, source=source, before=before or {}, after=after)
    return "created" if before is None else "updated"


def _entry_hash(previous_hash: str, fields: dict[str, Any]) -> str:
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256((previous_hash + "|" + payload).encode()).hexdigest()


def _hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "action": entry.action,
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "ip_address": entry.ip_address,
        "target": entry.target,
        "detail": entry.detail,
    }


def write_audit(action: str, *, actor=None, actor_name: str = "", ip_address: str | None = None,
                target: str = "", detail: dict[str, Any] | None = None) -> AuditEntry:
    """Append one audit entry to the chain (inside the caller's transaction, or its own)."""
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()  # created by migration 0003
        if head is None:  # a database emptied by hand (or a test's flush): start the chain again
            AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": ""})
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        entry = AuditEntry(
            at=timezone.now(),
            action=action,
            actor=actor if getattr(actor, "pk", None) else None,
            actor_name=actor_name or (getattr(actor, "username", "") or ""),
            ip_address=ip_address or None,
            target=target[:255],
            detail=detail or {},
            previous_hash=head.last_hash,
        )
        entry.entry_hash = _entry_hash(head.last_hash, _hashed_fields(entry))
        entry.save()
        head.last_hash = entry.entry_hash
        head.save(update_fields=["last_hash"])
    return entry


def verify_audit_chain() -> list[str]:
    """Walk the audit log in order; return one line per broken link (an edited, inserted or deleted row)."""
    problems: list[str] = []
    previous = ""
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous:
            problems.append(f"entry {entry.id} ({entry.at:%Y-%m-%d %H:%M:%S}): previous-hash link broken (a row before it was changed or removed)")
        expected = _entry_hash(entry.previous_hash, _hashed_fields(entry))
        if expected != entry.entry_hash:
            problems.append(f"entry {entry.id} ({entry.at:%Y-%m-%d %H:%M:%S}): content does not match its hash (edited)")
        previous = entry.entry_hash
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and head.last_hash != previous:
        problems.append("the newest entries were removed: the chain head does not match the last row")
    return problems
