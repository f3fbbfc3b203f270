"""Case lists count at most COUNT_CAP rows, so a broad filter at a million cases stays as cheap as its page."""

import pytest

from civicgrid.cases import services as cs
from civicgrid.cases.models import Channel
from civicgrid.cases.pagination import CappedCountPaginator
from civicgrid.people.models import Role

pytestmark = pytest.mark.django_db


def test_the_count_stops_at_the_cap_and_says_so(tree, people, categories, responsibility, client, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 3)
    for i in range(5):
        cs.report_case(channel=Channel.WEB, title=f"问题{i}", description="描述", lon=120.701, lat=31.301)
    client.force_login(people[Role.DISPATCHER])
    body = client.get("/api/cases/", {"page_size": 2}).json()
    assert body["count"] == 4 and body["count_is_capped"] is True and len(body["results"]) == 2
    narrow = client.get("/api/cases/", {"page_size": 2, "q": "问题1"}).json()
    assert narrow["count"] == 1 and narrow["count_is_capped"] is False
