"""Who hears of a case's steps: the department on dispatch, the dispatchers on a return, the resident on closing."""

import logging

import pytest

from civicgrid.cases import services as cs
from civicgrid.cases.models import Channel
from civicgrid.core.models import Notification
from civicgrid.people.models import Role

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # on_commit runs for real


def inbox(user):
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def test_each_step_tells_the_people_who_must_act(tree, people, categories, responsibility, caplog):
    caplog.set_level(logging.INFO, logger="civicgrid.notifications")
    resident, dispatcher, handler = people[Role.RESIDENT], people[Role.DISPATCHER], people[Role.DEPARTMENT_HANDLER]
    case = cs.report_case(channel=Channel.WEB, title="垃圾堆积", description="门口垃圾三天未清",
                          category=categories["garbage"], lon=120.701, lat=31.301, reporter=resident,
                          contact_phone="13812345678")
    case = cs.accept(case, dispatcher)
    assert any(case.ticket_no in t for t in inbox(resident))
    assert "SMS to 138****5678" in caplog.text and "13812345678" not in caplog.text
    case = cs.dispatch(case, dispatcher)
    assert any("New case" in t or case.ticket_no in t for t in inbox(handler))
    case = cs.return_case(cs.receive(case, handler), handler, reason="不属本单位")
    assert any(case.ticket_no in t for t in inbox(dispatcher))
    assert not inbox(people[Role.STREET_STAFF])
    case = cs.handle(cs.receive(cs.dispatch(case, dispatcher), handler), handler, result="已清运")
    assert any(case.ticket_no in t for t in inbox(people[Role.GRID_WORKER]))  # the worker of that grid verifies


def test_anonymous_reporters_get_no_text_message(tree, people, categories, responsibility, caplog):
    caplog.set_level(logging.INFO, logger="civicgrid.notifications")
    case = cs.report_case(channel=Channel.HOTLINE, title="噪音", description="夜间施工", anonymous=True,
                          contact_phone="13812345678", lon=120.701, lat=31.301)
    cs.reject(case, people[Role.DISPATCHER], reason="已转环保热线")
    assert "SMS to" not in caplog.text


def test_the_inbox_page_lists_and_marks_read(tree, people, categories, responsibility, client):
    from civicgrid.core.notifications import unread_count

    handler = people[Role.DEPARTMENT_HANDLER]
    case = cs.report_case(channel=Channel.WEB, title="垃圾", description="门口垃圾", category=categories["garbage"],
                          lon=120.701, lat=31.301)
    cs.dispatch(cs.accept(case, people[Role.DISPATCHER]), people[Role.DISPATCHER])
    assert unread_count(handler) == 1
    client.force_login(handler)
    page = client.get("/notifications/")
    assert page.status_code == 200 and case.ticket_no in page.content.decode()
    client.post("/notifications/")
    assert unread_count(handler) == 0
