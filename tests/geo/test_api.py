import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from civicgrid.people.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(people):
    def as_user(role):
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=people[role])
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en")
        return client

    return as_user


def test_region_list_is_scoped_and_filterable(tree, api):
    client = api(Role.STREET_STAFF)
    codes = [r["code"] for r in client.get("/api/regions/", {"level": 4}).json()["results"]]
    assert codes == [tree.community_a1.code, tree.community_a2.code]
    codes = [r["code"] for r in client.get("/api/regions/", {"within": tree.community_a1.code}).json()["results"]]
    assert codes == ["320571001001001", "320571001001002", "320571001001801"]


def test_region_outside_scope_is_404(tree, api):
    assert api(Role.STREET_STAFF).get(f"/api/regions/{tree.street_b.code}/").status_code == 404
    detail = api(Role.STREET_STAFF).get(f"/api/regions/{tree.community_a1.code}/").json()
    assert detail["ancestors"] == ["320500", "320571", "320571001"]
    assert detail["geometry"]["type"] == "Polygon"


def test_locate_answers_inside_nearest_and_outside(tree, api):
    client = api(Role.RESIDENT)
    inside = client.get("/api/locate/", {"lon": 120.701, "lat": 31.301}).json()
    assert inside["inside"] and inside["grid"]["code"] == "320571001001001"
    assert [a["code"] for a in inside["ancestors"]] == ["320500", "320571", "320571001", "320571001001"]
    outside = client.get("/api/locate/", {"lon": 116.4, "lat": 39.9}).json()
    assert not outside["inside"] and outside["grid"] is None and "outside the jurisdiction" in outside["message"]
    bad = client.get("/api/locate/", {"lon": 500, "lat": 31})
    assert bad.status_code == 400 and "lon" in bad.json()


def test_api_needs_a_login(tree):
    assert APIClient().get("/api/regions/").status_code in (401, 403)


def test_me_tells_role_and_scope(tree, api):
    me = api(Role.GRID_WORKER).get("/api/me/").json()
    assert me["role"] == "grid_worker" and me["scope"] == ["320571001001001", "320571001001002"]


def test_schema_is_served(tree, api):
    response = api(Role.DISPATCHER).get("/api/schema/")
    assert response.status_code == 200 and b"/api/regions/" in response.content
