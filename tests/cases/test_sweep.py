"""The deadline sweep: yellow at the configured share of a stage's time, red when overdue, automatic supervision."""

from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.cases import services as cs
from civicgrid.cases.models import Case, CaseEvent, Channel, Supervision
from civicgrid.cases.sweep import sweep_deadlines
from civicgrid.cases.tasks import sweep_deadlines_every_minute
from civicgrid.people.models import Role

pytestmark = pytest.mark.django_db


def gas_case(categories):
    # natural clock: accept within 30 minutes, yellow after 24 (0.8 of 30)
    return cs.report_case(channel=Channel.HOTLINE, title="闻到煤气味", description="楼道里很浓的煤气味",
                          category=categories["gas"], lon=120.701, lat=31.301)


def test_yellow_then_red_then_supervised(tree, people, categories, responsibility):
    case = gas_case(categories)
    assert case.stage_warn_at - case.reported_at == timedelta(minutes=24)
    start = case.reported_at
    result = sweep_deadlines(start + timedelta(minutes=10))
    assert (result.yellow, result.red, result.supervised) == (0, 0, 0)
    assert Case.objects.get(pk=case.pk).warning_level == ""
    result = sweep_deadlines(start + timedelta(minutes=25))
    assert (result.yellow, result.red) == (1, 0) and Case.objects.get(pk=case.pk).warning_level == "yellow"
    result = sweep_deadlines(start + timedelta(minutes=31))
    assert (result.yellow, result.red, result.supervised) == (0, 1, 0)
    case = Case.objects.get(pk=case.pk)
    assert case.warning_level == "red" and case.ever_overdue
    result = sweep_deadlines(start + timedelta(minutes=31) + timedelta(days=1, minutes=1))
    assert result.supervised == 1
    case = Case.objects.get(pk=case.pk)
    assert case.supervised and case.version == 2
    assert Supervision.objects.get(case=case).level == Supervision.Level.AUTO
    assert CaseEvent.objects.filter(case=case, action="supervise", actor_role="system").count() == 1
    assert sweep_deadlines(start + timedelta(days=3)).supervised == 0  # never twice


def test_acting_resets_the_warning_and_starts_the_next_stage_clock(tree, people, categories, responsibility):
    case = gas_case(categories)
    sweep_deadlines(case.reported_at + timedelta(minutes=40))
    assert Case.objects.get(pk=case.pk).warning_level == "red"
    case = cs.accept(Case.objects.get(pk=case.pk), people[Role.DISPATCHER])
    assert case.warning_level == "" and case.ever_overdue  # the history of lateness stays
    assert case.stage_due_at > timezone.now()


def test_suspended_cases_are_not_swept(tree, people, categories, responsibility):
    case = cs.accept(gas_case(categories), people[Role.DISPATCHER])
    case = cs.suspend(case, people[Role.DISPATCHER], reason="等待停气")
    result = sweep_deadlines(timezone.now() + timedelta(days=5))
    assert result.red == 0 and Case.objects.get(pk=case.pk).warning_level == ""


def test_the_periodic_task_runs_the_sweep(tree, people, categories, responsibility):
    gas_case(categories)
    outcome = sweep_deadlines_every_minute.call_local()
    assert outcome == {"yellow": 0, "red": 0, "supervised": 0}


def test_acting_after_the_deadline_marks_the_case_late_without_a_sweep(tree, people, categories, responsibility):
    from civicgrid.cases.clock import acting_at

    case = gas_case(categories)
    with acting_at(case.reported_at + timedelta(minutes=45)):
        case = cs.accept(case, people[Role.DISPATCHER])
    assert case.ever_overdue and case.warning_level == ""
    on_time = cs.accept(gas_case(categories), people[Role.DISPATCHER])
    assert not on_time.ever_overdue


def test_the_hourly_optimize_task_runs_on_either_database(db):
    from django.db import connection

    from civicgrid.cases.tasks import optimize_database

    assert optimize_database.call_local() == ("optimized" if connection.vendor == "sqlite" else "nothing to do")
