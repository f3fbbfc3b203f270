"""Reference data of the cases app edited in the administration site goes through the services, with history."""

import pytest
from django.urls import reverse

from civicgrid.cases import services as cs
from civicgrid.cases.models import Category, Channel, ResponsibilityItem, WorkCalendarDay
from civicgrid.core.models import ChangeRecord
from civicgrid.people.models import Role

pytestmark = pytest.mark.django_db


def test_data_admin_edits_a_category_with_history(people, categories, client):
    client.force_login(people[Role.DATA_ADMIN])
    garbage = categories["garbage"]
    url = reverse("admin:cases_category_change", args=[garbage.pk])
    response = client.post(url, {"code": garbage.code, "name": "暴露垃圾（含大件）", "kind": garbage.kind,
                                 "parent": garbage.parent_id, "description": "", "is_active": "on", "sort_order": 2})
    assert response.status_code == 302
    assert Category.objects.get(pk=garbage.pk).name == "暴露垃圾（含大件）"
    change = ChangeRecord.objects.filter(model_label="cases.category", object_id=str(garbage.pk)).first()
    assert change.actor == people[Role.DATA_ADMIN] and change.source == "admin"
    assert client.post(reverse("admin:cases_category_delete", args=[garbage.pk])).status_code == 403


def test_responsibility_item_and_holiday_through_the_admin(people, categories, responsibility, client):
    client.force_login(people[Role.DATA_ADMIN])
    item = responsibility["garbage"]
    url = reverse("admin:cases_responsibilityitem_change", args=[item.pk])
    data = {"category": item.category_id, "department": item.department_id, "handling_standard": "两小时内清运",
            "clock": "natural", "accept_minutes": 60, "dispatch_minutes": 60, "handle_minutes": 120,
            "verify_minutes": 60, "close_minutes": 60, "is_active": "on"}
    assert client.post(url, data).status_code == 302
    assert ResponsibilityItem.objects.get(pk=item.pk).handle_minutes == 120
    assert ChangeRecord.objects.filter(model_label="cases.responsibilityitem", object_id=str(item.pk)).exists()
    response = client.post(reverse("admin:cases_workcalendarday_add"),
                           {"date": "2027-01-01", "is_workday": "", "name": "元旦", "source": "admin"})
    assert response.status_code == 302 and WorkCalendarDay.objects.get(date="2027-01-01").name == "元旦"


def test_cases_are_read_only_in_the_admin_and_scoped(tree, people, categories, responsibility, client):
    case = cs.report_case(channel=Channel.WEB, title="垃圾", description="门口垃圾", lon=120.701, lat=31.301)
    admin_user = people[Role.SECURITY_ADMIN]
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    assert client.get(reverse("admin:cases_case_changelist")).status_code == 200
    page = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert page.status_code == 200 and b"13812345678" not in page.content
    assert client.post(reverse("admin:cases_case_delete", args=[case.pk])).status_code == 403
