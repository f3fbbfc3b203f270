"""Bulk intake through the service path: same checks, placement, deadlines and timeline; all or nothing."""

import pytest

from civicgrid.cases import services as cs
from civicgrid.cases.models import Case, CaseEvent, Channel, Status
from civicgrid.people.models import Role

pytestmark = pytest.mark.django_db


def item(i, **extra):
    data = dict(title=f"井盖缺失{i}", description="路口井盖不见了", lon=120.701 + (i % 5) * 0.008, lat=31.301,
                idempotency_key=f"batch-{i}")
    data.update(extra)
    return cs.IntakeItem(**data)


def test_a_batch_is_placed_timed_and_timelined_like_single_reports(tree, people, categories, responsibility):
    items = [item(i, category=categories["gas"] if i % 2 else None) for i in range(20)]
    cases = cs.report_cases(items, channel=Channel.UPPER_PLATFORM, entered_by=people[Role.HOTLINE_OPERATOR])
    assert len(cases) == 20 and len({c.ticket_no for c in cases}) == 20
    assert {c.grid.code for c in cases} == {"320571001001001", "320571001001002", "320571001002001",
                                            "320571001002002"}
    gas = cases[1]
    assert gas.department.code == "RQGS" and (gas.stage_due_at - gas.reported_at).total_seconds() == 30 * 60
    assert CaseEvent.objects.filter(action="report").count() == 20
    single = cs.report_case(channel=Channel.WEB, title="t", description="d", lon=120.701, lat=31.301)
    assert int(single.ticket_no[-5:]) == int(max(c.ticket_no for c in cases)[-5:]) + 1  # numbers continue
    again = cs.report_cases(items, channel=Channel.UPPER_PLATFORM)
    assert [c.pk for c in again] == [c.pk for c in cases] and Case.objects.count() == 21


def test_one_bad_item_stores_nothing_and_every_problem_is_listed(tree, categories, responsibility):
    items = [item(0), item(1, title=""), item(2, lon=116.4, lat=39.9), item(3, contact_phone="abc")]
    with pytest.raises(cs.BulkIntakeError) as error:
        cs.report_cases(items, channel=Channel.API)
    assert error.value.problems == [(1, "title", "is required"), (2, "location", "116.4, 39.9 is outside the jurisdiction"),
                                    (3, "contact_phone", "'abc' is not a phone number")]
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0


def test_gcj02_batches_are_converted(tree, categories, responsibility):
    from coord_convert.transform import wgs2gcj

    lon, lat = wgs2gcj(120.7155, 31.3055)
    [case] = cs.report_cases([item(0, lon=lon, lat=lat, crs="gcj02")], channel=Channel.APP)
    assert case.grid.code == "320571001001002" and case.status == Status.REPORTED

