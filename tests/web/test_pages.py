"""The pages as their users meet them: home by role, the region browser, 404 outside the scope, query counts."""

import json

import pytest
from django.urls import reverse

from civicgrid.people.models import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return sign_in


def map_data(response):
    html = response.content.decode()
    start = html.index('id="region-map-data"')
    start = html.index(">", start) + 1
    return json.loads(html[start:html.index("</script>", start)])


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_grid_worker_home_shows_their_grids_on_a_map(tree, people, signed_in):
    response = signed_in(people[Role.GRID_WORKER]).get(reverse("web:home"))
    assert response.status_code == 200
    features = map_data(response)["features"]
    assert sorted(f["properties"]["code"] for f in features) == ["320571001001001", "320571001001002"]
    first = features[0]["properties"]
    assert first["workers"] == ["gridworker"]
    assert first["parents"] == ["苏州市", "苏州工业园区", "甲街道", "甲一社区"]


def test_street_staff_home_counts_their_area(tree, people, signed_in):
    response = signed_in(people[Role.STREET_STAFF]).get(reverse("web:home"))
    counts = response.context["home"].counts
    assert list(counts.values()) == [1, 2, 5]  # street, communities, grids (4 comprehensive + 1 special)


def test_user_without_scope_is_told_so(tree, people, signed_in):
    response = signed_in(people[Role.SYSTEM_ADMIN]).get(reverse("web:home"))
    assert response.context["home"].scope_roots == []
    assert b"region-map-data" not in response.content


def test_region_browser_lists_children_and_draws_them(tree, people, signed_in):
    client = signed_in(people[Role.STREET_STAFF])
    response = client.get(reverse("web:region", args=[tree.street_a.code]))
    assert response.status_code == 200
    page = response.context["page"]
    assert [c.code for c in page.children] == [tree.community_a1.code, tree.community_a2.code]
    assert [c.child_count for c in page.children] == [3, 2]
    assert {f["properties"]["code"] for f in map_data(response)["features"]} == {tree.community_a1.code, tree.community_a2.code}


def test_region_browser_at_a_grid_shows_its_workers(tree, people, signed_in):
    response = signed_in(people[Role.COMMUNITY_STAFF]).get(reverse("web:region", args=["320571001001001"]))
    assert [w.username for w in response.context["page"].workers] == ["gridworker"]
    ancestors = response.context["page"].ancestors
    assert [a.code for a, _ in ancestors] == ["320500", "320571", "320571001", "320571001001"]
    assert [open_ for _, open_ in ancestors] == [False, False, False, True]  # community staff: their community only
    assert f'href="/regions/{tree.community_a1.code}/"' in response.content.decode()


def test_another_streets_node_is_404_not_403(tree, people, signed_in):
    client = signed_in(people[Role.STREET_STAFF])
    assert client.get(reverse("web:region", args=[tree.street_b.code])).status_code == 404
    assert client.get(reverse("web:region", args=["320571002001001"])).status_code == 404
    assert client.get(reverse("web:region", args=["no-such-code"])).status_code == 404


def test_regions_index_redirects_to_the_single_scope_root(tree, people, signed_in):
    response = signed_in(people[Role.STREET_STAFF]).get(reverse("web:regions"))
    assert response.status_code == 302 and response["Location"] == reverse("web:region", args=[tree.street_a.code])


def test_region_browser_query_count_does_not_grow_with_children(tree, people, signed_in, django_assert_num_queries):
    from shapely.geometry import box

    from civicgrid.geo.services import upsert_region

    client = signed_in(people[Role.DISPATCHER])
    url = reverse("web:region", args=[tree.community_a1.code])
    client.get(url)  # warm the session
    # session, user, scope grants, node, ancestors, children (+counts), grid workers, then the session's idle-timeout
    # refresh (SESSION_SAVE_EVERY_REQUEST: savepoint, update, release)
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200
    for i in range(3, 13):
        upsert_region(code=f"320571001001{i:03d}", name=f"网格{i}", level=5, parent=tree.community_a1,
                      geometry=box(120.70 + i * 0.001, 31.30, 120.701 + i * 0.001, 31.301))
    with django_assert_num_queries(10):
        response = client.get(url)
    assert len(response.context["page"].children) == 13


def test_pages_send_a_content_security_policy(tree, people, signed_in):
    response = signed_in(people[Role.STREET_STAFF]).get(reverse("web:region", args=[tree.street_a.code]))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_pages_stay_chinese_whatever_the_browser_says_until_english_is_chosen(tree, people, signed_in):
    client = signed_in(people[Role.STREET_STAFF])
    page = client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "街道干部" in page or "我的" in page
    client.cookies["django_language"] = "en"
    assert "My work" in client.get(reverse("web:home")).content.decode()


def test_api_answers_in_the_language_asked(tree, people, client):
    client.force_login(people[Role.RESIDENT])
    english = client.get("/api/locate/", {"lon": 116.4, "lat": 39.9}, HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = client.get("/api/locate/", {"lon": 116.4, "lat": 39.9}).json()
    assert "outside the jurisdiction" in english["message"] and english["message"] != chinese["message"]
