"""The map of components and organisations: only the points of the user's scope, cut to the map's box, capped."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicgrid.people.models import Role
from civicgrid.registry import map_views
from civicgrid.registry.models import Organisation
from civicgrid.registry.services import upsert_component, upsert_organisation

pytestmark = pytest.mark.django_db

# one point in each of four grids: A1-1 and A1-2 (the grid worker's), A2-1 (street A), B1-1 (street B)
PLACES = {"A1-1": (120.701, 31.301), "A1-2": (120.711, 31.301), "A2-1": (120.721, 31.301), "B1-1": (120.701, 31.311)}


def credit_code(n: int) -> str:
    from stdnum.cn import uscc

    body = f"9132059400000{n:04d}"[:17]
    return body + uscc.calc_check_digit(body)


@pytest.fixture
def points(tree, department):
    made = {}
    statuses = {"A1-1": "good", "A1-2": "damaged", "A2-1": "missing", "B1-1": "removed"}
    for n, (where, (lon, lat)) in enumerate(PLACES.items()):
        made[f"c{where}"] = upsert_component(code=f"320571-B0118-{n:04d}", class_code="B0118", name=f"路灯{where}",
                                             lon=lon, lat=lat, status=statuses[where], owner_department=department)[0]
        made[f"o{where}"] = upsert_organisation(credit_code=credit_code(n), name=f"单位{where}", lon=lon + 0.001,
                                                lat=lat + 0.001)[0]
    return made


def features(client, **params) -> dict:
    response = client.get(reverse("registry:map_features"), params)
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    return response.json()


def names(body: dict) -> set[str]:
    return {f["properties"]["name"] for f in body["features"]}


def test_the_geojson_holds_only_the_points_of_the_scope(people, points, client):
    expected = {
        Role.GRID_WORKER: {"A1-1", "A1-2"},
        Role.COMMUNITY_STAFF: {"A1-1", "A1-2"},
        Role.STREET_STAFF: {"A1-1", "A1-2", "A2-1"},
        Role.DISPATCHER: {"A1-1", "A1-2", "A2-1", "B1-1"},
    }
    for role, grids in expected.items():
        client.force_login(people[role])
        body = features(client)  # no box: the whole scope
        assert names(body) == {f"路灯{g}" for g in grids} | {f"单位{g}" for g in grids}, role
        assert body["counts"] == {"components": len(grids), "organisations": len(grids)}
        assert body["capped"] == {"components": False, "organisations": False}
        # a box around street B holds nothing for those who do not have it
        inside_b = features(client, bbox="120.70,31.31,120.72,31.32")
        assert names(inside_b) == ({"路灯B1-1", "单位B1-1"} if "B1-1" in grids else set()), role


def test_a_point_carries_what_its_popup_shows(people, points, client):
    client.force_login(people[Role.GRID_WORKER])
    body = features(client, bbox="120.709,31.300,120.715,31.305", layers="components")
    assert body["type"] == "FeatureCollection" and list(body["counts"]) == ["components"]
    [feature] = body["features"]
    component = points["cA1-2"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [120.711, 31.301]}
    props = feature["properties"]
    assert props == {"layer": "components", "id": component.pk, "code": component.code, "name": "路灯A1-2",
                     "class_code": "B0118", "status": "damaged", "status_label": props["status_label"]}
    assert props["status_label"] in ("damaged", "损坏", "破损")
    org = features(client, bbox="120.709,31.300,120.715,31.305", layers="organisations")["features"][0]["properties"]
    assert org["credit_code"] == points["oA1-2"].credit_code and org["layer"] == "organisations"
    # links to the record pages (plain paths until the record pages have their URL names)
    assert body["urls"]["components"].replace("{id}", "7") in ("/registry/components/7/",
                                                                _reverse_or_none("registry:component", 7))


def _reverse_or_none(name: str, pk: int):
    from django.urls import NoReverseMatch

    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return None


def test_the_box_cuts_and_the_cap_says_so(people, points, client, monkeypatch):
    client.force_login(people[Role.DISPATCHER])
    assert names(features(client, bbox="120.700,31.300,120.7015,31.3015")) == {"路灯A1-1"}
    monkeypatch.setattr(map_views, "MAP_POINT_LIMIT", 3)
    body = features(client)
    assert body["capped"] == {"components": True, "organisations": True} and body["limit"] == 3
    assert body["counts"] == {"components": 3, "organisations": 3} and len(body["features"]) == 6


def test_bad_parameters_are_refused(people, client):
    client.force_login(people[Role.DISPATCHER])
    url = reverse("registry:map_features")
    for bad in ("1,2,3", "a,b,c,d", "120.8,31.3,120.7,31.4", "nan,1,2,3"):
        assert client.get(url, {"bbox": bad}).status_code == 400, bad
    assert client.get(url, {"layers": "people"}).status_code == 400


def test_organisations_without_a_location_are_left_out(people, points, client):
    Organisation.objects.filter(pk=points["oA1-1"].pk).update(lon=None, lat=None)
    client.force_login(people[Role.GRID_WORKER])
    assert names(features(client, layers="organisations")) == {"单位A1-2"}


def test_the_endpoint_reads_a_fixed_number_of_queries(people, points, client, django_assert_max_num_queries):
    client.force_login(people[Role.DISPATCHER])
    # session, user, scope, components, organisations; and the session's idle timer (savepoint, update, release)
    with django_assert_max_num_queries(8):
        assert len(features(client)["features"]) == 8


def test_the_map_page_draws_the_scopes_grids(people, tree, client, monkeypatch):
    client.force_login(people[Role.GRID_WORKER])
    response = client.get(reverse("registry:map"))
    assert response.status_code == 200
    config = response.context["config"]
    assert {f["properties"]["code"] for f in config["outlines"]["features"]} == {"320571001001001", "320571001001002"}
    assert config["features_url"] == reverse("registry:map_features")
    # too many grids for one page: the communities instead
    monkeypatch.setattr(map_views, "OUTLINE_LIMIT", 3)
    client.force_login(people[Role.DISPATCHER])
    config = client.get(reverse("registry:map")).context["config"]
    assert {f["properties"]["code"] for f in config["outlines"]["features"]} == {
        tree.community_a1.code, tree.community_a2.code, tree.community_b1.code}


def test_roles_without_the_registry_get_403(people, client):
    for role in (Role.LEADER, Role.DEPARTMENT_HANDLER, Role.RESIDENT, Role.AUDIT_ADMIN):
        client.force_login(people[role])
        assert client.get(reverse("registry:map")).status_code == 403
        assert client.get(reverse("registry:map_features")).status_code == 403
    client.logout()
    assert client.get(reverse("registry:map_features")).status_code == 302
