"""Open311's public list holds cases about the city's fabric only: a 12345 complaint or consultation stays private."""

import pytest

from civicgrid.cases import services as cs
from civicgrid.cases.models import Category, CategoryKind, Channel

pytestmark = pytest.mark.django_db


def test_request_type_cases_are_not_in_the_public_list(tree, categories, responsibility, client):
    complaint_type = Category.objects.create(code="Q03", name="投诉", kind=CategoryKind.REQUEST)
    public = cs.report_case(channel=Channel.WEB, title="垃圾", description="门口垃圾", category=categories["garbage"],
                            lon=120.701, lat=31.301)
    private = cs.report_case(channel=Channel.HOTLINE, title="投诉邻居", description="邻居家事", category=complaint_type,
                             lon=120.701, lat=31.301)
    uncategorised = cs.report_case(channel=Channel.HOTLINE, title="咨询", description="问政策", lon=120.701, lat=31.301)
    listed = {r["service_request_id"] for r in client.get("/open311/v2/requests.json").json()}
    assert public.ticket_no in listed
    assert private.ticket_no not in listed and uncategorised.ticket_no not in listed
    one = client.get(f"/open311/v2/requests/{private.ticket_no}.json")
    assert one.status_code == 404
