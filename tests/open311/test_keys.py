"""Open311 API keys: made by a command or in the administration site, shown once, stored only as a digest."""

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from civicgrid.core.models import AuditEntry, ChangeRecord
from civicgrid.open311.models import ApiKey
from civicgrid.open311.services import key_for
from civicgrid.people.models import Role

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("open311", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def test_createkey_prints_the_key_once_and_stores_its_digest():
    raw, note = run("createkey", "12345 热线对接")
    assert raw.startswith("o311_") and len(raw) > 40 and "shown once" in note
    key = ApiKey.objects.get()
    assert key.name == "12345 热线对接" and key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw[:12] == key.prefix and raw not in str(ApiKey.objects.values().get())
    assert key_for(raw) == key and key_for(raw + "x") is None
    assert ApiKey.objects.get().last_used_at is not None
    assert ChangeRecord.objects.filter(model_label="open311.apikey", object_id=str(key.pk)).count() == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ADMIN_CHANGE, target__contains=key.prefix).exists()

    listed, _ = run("listkeys")
    assert key.prefix in listed and raw not in listed and "active" in listed

    out, _ = run("deactivate", key.prefix + "…")
    assert "deactivated" in out and key_for(raw) is None
    with pytest.raises(CommandError):
        run("deactivate", "nope")
    with pytest.raises(CommandError):
        run("createkey", "  ")


def test_a_superuser_adds_a_key_in_the_admin_and_sees_it_once(people, client):
    admin_user = people[Role.SYSTEM_ADMIN]
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    response = client.post(reverse("admin:open311_apikey_add"), {"name": "市民通 App"}, follow=True)
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    key = ApiKey.objects.get()
    raw = next(word for m in shown for word in m.split() if word.startswith("o311_"))
    assert key_for(raw) == key and key.created_by == admin_user
    change = client.get(reverse("admin:open311_apikey_change", args=[key.pk]))
    assert change.status_code == 200 and raw not in change.content.decode()

    client.post(reverse("admin:open311_apikey_change", args=[key.pk]), {"is_active": ""})
    assert ApiKey.objects.get().is_active is False
    assert ChangeRecord.objects.filter(model_label="open311.apikey").count() == 2
    assert client.get(reverse("admin:open311_submission_changelist")).status_code == 200
