"""Persona tests: whole cases walked through every path of the closed loop, as the people who work them."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from civicgrid.cases import services as cs
from civicgrid.cases.errors import CaseInputError, CaseNotFound, Conflict, InvalidTransition, NotPermitted
from civicgrid.cases.models import Case, CaseEvent, Channel, ExtensionRequest, Status, Supervision
from civicgrid.people.models import Department, Role
from civicgrid.people.services import upsert_department

pytestmark = pytest.mark.django_db

INSIDE_A1_1 = (120.701, 31.301)  # grid 320571001001001 of community 甲一 in street A
INSIDE_B1_1 = (120.701, 31.311)  # grid 320571002001001 in street B


def report(people, categories, *, where=INSIDE_A1_1, category="garbage", **extra):
    lon, lat = where
    data = dict(channel=Channel.WEB, title="小区门口垃圾堆积", description="三天没人清运，气味很大",
                category=categories[category], lon=lon, lat=lat, reporter=people[Role.RESIDENT],
                contact_name="王芳", contact_phone="13812345678")
    data.update(extra)
    return cs.report_case(**data)


def actions(case):
    return [(e.action, e.from_status, e.to_status) for e in CaseEvent.objects.filter(case=case).order_by("id")]


def test_a_case_goes_round_the_whole_loop(tree, people, categories, responsibility, photo):
    case = report(people, categories, photos=[photo])
    assert case.ticket_no.startswith("CG") and len(case.ticket_no) == 15
    assert case.grid.code == "320571001001001" and case.status == Status.REPORTED
    assert case.department == responsibility["garbage"].department  # from the responsibility list
    assert case.stage_due_at > case.reported_at
    assert case.contact_phone_encrypted.startswith("v1:") and "13812345678" not in case.contact_phone_encrypted

    case = cs.accept(case, people[Role.HOTLINE_OPERATOR])
    case = cs.dispatch(case, people[Role.DISPATCHER])
    handler = people[Role.DEPARTMENT_HANDLER]
    case = cs.receive(case, handler)
    case = cs.handle(case, handler, result="已清运，垃圾桶已加盖", photos=[photo])
    case = cs.verify(case, people[Role.GRID_WORKER], note="现场已干净", photos=[photo], lon=120.7011, lat=31.3011)
    case = cs.close(case, people[Role.DISPATCHER])
    case = cs.evaluate(case, people[Role.RESIDENT], satisfaction=5, resolved=True)

    assert case.status == Status.EVALUATED and case.satisfaction == 5 and case.resolved is True
    assert case.closed_at is not None and case.stage_due_at is None
    assert actions(case) == [
        ("report", "", "reported"), ("accept", "reported", "accepted"), ("dispatch", "accepted", "dispatched"),
        ("receive", "dispatched", "in_handling"), ("handle", "in_handling", "handled"),
        ("verify", "handled", "verified"), ("close", "verified", "closed"), ("evaluate", "closed", "evaluated"),
    ]
    assert case.attachments.count() == 3
    assert CaseEvent.objects.get(case=case, action="verify").data == {"lon": 120.7011, "lat": 31.3011}
    assert case.version == 8


def test_each_stage_gets_its_own_deadline_on_its_clock(tree, people, categories, responsibility):
    case = report(people, categories, category="gas")  # natural clock: minutes are minutes
    assert case.stage_due_at - case.reported_at == timedelta(minutes=30)
    case = cs.accept(case, people[Role.DISPATCHER])
    assert case.stage_due_at - case.stage_started_at == timedelta(minutes=30)
    case = cs.dispatch(case, people[Role.DISPATCHER])
    assert case.department.code == "RQGS"
    assert case.stage_due_at - case.stage_started_at == timedelta(minutes=240)


def test_rejected_with_a_reason(tree, people, categories, responsibility):
    case = cs.reject(report(people, categories), people[Role.DISPATCHER], reason="属于私人物业范围，已告知联系物业")
    assert case.status == Status.REJECTED and case.closed_at
    assert CaseEvent.objects.get(case=case, action="reject").note.startswith("属于私人物业")
    with pytest.raises(CaseInputError) as error:
        cs.reject(report(people, categories), people[Role.DISPATCHER], reason=" ")
    assert error.value.field == "reason"


def test_duplicates_are_merged_one_by_one_and_in_a_batch(tree, people, categories, responsibility):
    main = report(people, categories)
    one, two, three = (report(people, categories) for _ in range(3))
    cs.merge(one, people[Role.DISPATCHER], into=main)
    cs.merge_many([two, three], people[Role.DISPATCHER], into=main, note="同一处垃圾")
    assert set(Case.objects.filter(merged_into=main).values_list("status", flat=True)) == {Status.MERGED}
    assert CaseEvent.objects.filter(case=main, action="absorb").count() == 3
    with pytest.raises(CaseInputError):
        cs.merge(main, people[Role.DISPATCHER], into=main)


def test_batch_merge_is_all_or_nothing(tree, people, categories, responsibility):
    main = report(people, categories)
    good = report(people, categories)
    closed_already = cs.reject(report(people, categories), people[Role.DISPATCHER], reason="重复")
    with pytest.raises(InvalidTransition):
        cs.merge_many([good, closed_already], people[Role.DISPATCHER], into=main)
    assert Case.objects.get(pk=good.pk).status == Status.REPORTED


def test_a_department_returns_a_case_that_is_not_theirs(tree, people, categories, responsibility):
    case = cs.dispatch(cs.accept(report(people, categories), people[Role.DISPATCHER]), people[Role.DISPATCHER])
    case = cs.return_case(case, people[Role.DEPARTMENT_HANDLER], reason="该处为市政道路，不属城管")
    assert case.status == Status.ACCEPTED and case.return_count == 1 and case.department is None
    water = upsert_department(code="SWJ", name="区水务局", kind=Department.Kind.BUREAU)[0]
    case = cs.dispatch(case, people[Role.DISPATCHER], department=water)
    assert case.department == water
    with pytest.raises(NotPermitted):  # the first department's handler cannot act on it any more
        cs.receive(case, people[Role.DEPARTMENT_HANDLER])


def test_extension_requested_granted_and_refused(tree, people, categories, responsibility):
    dispatcher, handler = people[Role.DISPATCHER], people[Role.DEPARTMENT_HANDLER]
    case = cs.receive(cs.dispatch(cs.accept(report(people, categories), dispatcher), dispatcher), handler)
    due = case.stage_due_at
    cs.request_extension(case, handler, extra_minutes=1440, reason="需协调产权单位")
    with pytest.raises(InvalidTransition):
        cs.request_extension(Case.objects.get(pk=case.pk), handler, extra_minutes=60, reason="再延")
    case = cs.decide_extension(Case.objects.get(pk=case.pk), dispatcher, grant=True, note="同意延期一个工作日")
    assert case.stage_due_at > due
    assert ExtensionRequest.objects.get(case=case).decision == ExtensionRequest.Decision.GRANTED
    cs.request_extension(case, handler, extra_minutes=2880, reason="仍需时间")
    before = Case.objects.get(pk=case.pk).stage_due_at
    case = cs.decide_extension(Case.objects.get(pk=case.pk), dispatcher, grant=False, note="请按期办结")
    assert case.stage_due_at == before
    with pytest.raises(CaseInputError):
        cs.request_extension(case, handler, extra_minutes=0, reason="x")


def test_suspended_case_keeps_its_remaining_time(tree, people, categories, responsibility):
    dispatcher = people[Role.DISPATCHER]
    case = cs.dispatch(cs.accept(report(people, categories, category="gas"), dispatcher), dispatcher)
    case = cs.suspend(case, dispatcher, reason="等待燃气公司停气")
    assert case.status == Status.SUSPENDED and case.stage_due_at is None
    with pytest.raises(InvalidTransition):
        cs.dispatch(case, dispatcher)
    case = cs.resume(case, dispatcher)
    assert case.status == Status.DISPATCHED
    left = case.stage_due_at - timezone.now()
    assert timedelta(minutes=235) < left <= timedelta(minutes=240)


def test_failed_verification_sends_the_case_back_for_rework(tree, people, categories, responsibility):
    dispatcher, handler, worker = people[Role.DISPATCHER], people[Role.DEPARTMENT_HANDLER], people[Role.GRID_WORKER]
    case = cs.handle(cs.receive(cs.dispatch(cs.accept(report(people, categories), dispatcher), dispatcher), handler),
                     handler, result="已清理")
    case = cs.fail_verification(case, worker, reason="现场仍有垃圾")
    assert case.status == Status.IN_HANDLING and case.rework_count == 1
    case = cs.verify(cs.handle(case, handler, result="彻底清理"), worker)
    assert case.status == Status.VERIFIED


def test_supervision_by_centre_and_leader(tree, people, categories, responsibility):
    case = cs.accept(report(people, categories), people[Role.DISPATCHER])
    cs.supervise(case, people[Role.LEADER], reason="群众反映强烈，限期办结", due_minutes=480)
    case = Case.objects.get(pk=case.pk)
    assert case.supervised and case.status == Status.ACCEPTED
    supervision = Supervision.objects.get(case=case)
    assert supervision.level == Supervision.Level.LEADER and supervision.due_at > timezone.now()
    with pytest.raises(NotPermitted):
        cs.supervise(case, people[Role.GRID_WORKER], reason="x")


def test_resident_reopens_and_the_case_goes_round_again(tree, people, categories, responsibility):
    dispatcher, handler = people[Role.DISPATCHER], people[Role.DEPARTMENT_HANDLER]
    case = cs.close(cs.verify(cs.handle(cs.receive(cs.dispatch(cs.accept(report(people, categories), dispatcher),
                                                                dispatcher), handler), handler, result="清理"),
                              people[Role.GRID_WORKER]), dispatcher)
    case = cs.evaluate(case, people[Role.HOTLINE_OPERATOR], satisfaction=2, resolved=False, by_callback=True,
                       note="回访：居民称又有垃圾")
    case = cs.reopen(case, people[Role.RESIDENT], reason="又堆满了")
    assert case.status == Status.ACCEPTED and case.reopen_count == 1 and case.satisfaction is None
    assert case.closed_at is None


def test_wrong_role_wrong_state_and_out_of_scope(tree, people, categories, responsibility, make_user):
    case = report(people, categories)
    with pytest.raises(NotPermitted):
        cs.accept(case, people[Role.GRID_WORKER])
    with pytest.raises(InvalidTransition) as error, translation.override("en"):
        cs.close(case, people[Role.DISPATCHER])
    assert "it is reported" in str(error.value)
    street_b_dispatcher = make_user("dispatcher_b", Role.DISPATCHER, [tree.street_b])
    with pytest.raises(CaseNotFound):
        cs.accept(case, street_b_dispatcher)
    other_handler = make_user("handler_b", Role.DEPARTMENT_HANDLER, [tree.street_b],
                              upsert_department(code="ZJJ", name="区住建局", kind=Department.Kind.BUREAU)[0])
    case = cs.dispatch(cs.accept(case, people[Role.DISPATCHER]), people[Role.DISPATCHER])
    with pytest.raises(CaseNotFound):  # a handler in another street, of another department: 404
        cs.receive(case, other_handler)
    assert Case.objects.get(pk=case.pk).status == Status.DISPATCHED


def test_a_stale_copy_gets_a_conflict_and_changes_nothing(tree, people, categories, responsibility):
    case = report(people, categories)
    first, second = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    cs.accept(first, people[Role.DISPATCHER])
    with pytest.raises(Conflict):
        cs.reject(second, people[Role.HOTLINE_OPERATOR], reason="重复", expected_version=1)
    with pytest.raises(Conflict):  # without an expected version the conditional UPDATE still catches it
        cs.reject(second, people[Role.HOTLINE_OPERATOR], reason="重复")
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED
    assert CaseEvent.objects.filter(case=case).count() == 2


def test_a_retry_with_the_same_idempotency_key_makes_no_second_case(tree, people, categories, responsibility):
    one = report(people, categories, idempotency_key="app-7f3a-0001")
    two = report(people, categories, idempotency_key="app-7f3a-0001")
    assert one.pk == two.pk and Case.objects.count() == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"title": ""}, "title"),
    ({"description": "  "}, "description"),
    ({"channel": "pigeon"}, "channel"),
    ({"where": (116.4, 39.9)}, "location"),
    ({"contact_phone": "call me"}, "contact_phone"),
    ({"channel": Channel.UPPER_PLATFORM}, "external_ticket_id"),
    ({"photos": [("x.jpg", b"not an image at all")]}, "photos"),
    ({"title": "长" * 121}, "title"),
])
def test_bad_input_names_the_field_and_stores_nothing(tree, people, categories, responsibility, change, field):
    with pytest.raises(CaseInputError) as error:
        report(people, categories, **change)
    assert error.value.field == field
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0


def test_a_photo_too_large_is_refused(tree, people, categories, responsibility, settings):
    settings.CASE_MAX_UPLOAD_BYTES = 50
    from tests.cases.conftest import png_bytes

    with pytest.raises(CaseInputError) as error:
        report(people, categories, photos=[("big.png", png_bytes((64, 64)))])
    assert error.value.field == "photos" and "limit" in error.value.message


def test_a_case_without_location_belongs_to_the_district(tree, people, categories, responsibility):
    case = report(people, categories, where=(None, None), channel=Channel.HOTLINE,
                  entered_by=people[Role.HOTLINE_OPERATOR], reporter=None)
    assert case.grid is None and case.region_path == tree.district.path
    assert cs.can_see(case, people[Role.DISPATCHER]) and not cs.can_see(case, people[Role.STREET_STAFF])


def test_ticket_numbers_count_up_per_day(tree, people, categories, responsibility):
    a, b = report(people, categories), report(people, categories)
    assert int(b.ticket_no[-5:]) == int(a.ticket_no[-5:]) + 1 and a.ticket_no[:10] == b.ticket_no[:10]


def test_allowed_actions_are_the_buttons_each_role_sees(tree, people, categories, responsibility):
    case = report(people, categories)
    assert cs.allowed_actions(case, people[Role.DISPATCHER]) == ["accept", "reject", "merge", "supervise"]
    assert cs.allowed_actions(case, people[Role.HOTLINE_OPERATOR]) == ["accept", "reject"]
    assert cs.allowed_actions(case, people[Role.GRID_WORKER]) == []
