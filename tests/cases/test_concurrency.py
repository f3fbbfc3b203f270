"""Many people acting on one case at the same moment: exactly one wins, every other gets a clear Conflict."""

import threading

import pytest
from django.db import connection

from civicgrid.cases import services as cs
from civicgrid.cases.errors import Conflict, InvalidTransition
from civicgrid.cases.models import Case, CaseEvent, Channel, Status
from civicgrid.people.models import Role

# serialized_rollback: the rows that migrations create (audit chain head, tree version, holiday calendar) come back
# after the flush that ends a transactional test
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

THREADS = 8


def test_one_of_many_simultaneous_actions_wins(tree, people, categories, responsibility, make_user):
    case = cs.report_case(channel=Channel.HOTLINE, title="路灯不亮", description="整条路黑着",
                          category=categories["garbage"], lon=120.701, lat=31.301)
    dispatchers = [people[Role.DISPATCHER]] + [make_user(f"dispatcher{i}", Role.DISPATCHER, [tree.district])
                                               for i in range(THREADS - 1)]
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def act(i: int) -> None:
        stale = Case.objects.get(pk=case.pk)  # every thread read the case before anyone acted
        barrier.wait()
        try:
            if i % 2:
                cs.accept(stale, dispatchers[i])
            else:
                cs.reject(stale, dispatchers[i], reason=f"第{i}位派遣员认为不属受理范围")
            result = "won"
        except (Conflict, InvalidTransition) as error:
            result = type(error).__name__
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=act, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(outcomes).count("won") == 1, outcomes
    assert len(outcomes) == THREADS and set(outcomes) <= {"won", "Conflict"}, outcomes
    final = Case.objects.get(pk=case.pk)
    assert final.status in (Status.ACCEPTED, Status.REJECTED) and final.version == 2
    assert CaseEvent.objects.filter(case=case).count() == 2  # the report and the one winning action


def test_ticket_numbers_stay_unique_under_concurrent_intake(tree, categories, responsibility):
    tickets: list[str] = []
    barrier = threading.Barrier(THREADS)
    lock = threading.Lock()

    def intake(i: int) -> None:
        barrier.wait()
        try:
            case = cs.report_case(channel=Channel.API, title=f"井盖缺失{i}", description="路口井盖不见了",
                                  lon=120.711, lat=31.301, idempotency_key=f"thread-{i}")
            with lock:
                tickets.append(case.ticket_no)
        finally:
            connection.close()

    threads = [threading.Thread(target=intake, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(tickets) == THREADS and len(set(tickets)) == THREADS
