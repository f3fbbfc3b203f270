"""Case fixtures: a few categories, a responsibility item, and a small photo."""

import io

import pytest
from PIL import Image

from civicgrid.cases.models import Category, CategoryKind, Clock, ResponsibilityItem
from civicgrid.people.models import Department
from civicgrid.people.services import upsert_department


@pytest.fixture
def categories(db):
    events = Category.objects.create(code="S01", name="市容环境", kind=CategoryKind.EVENT)
    garbage = Category.objects.create(code="S0102", name="暴露垃圾", kind=CategoryKind.EVENT, parent=events)
    emergencies = Category.objects.create(code="S04", name="突发事件", kind=CategoryKind.EVENT)
    gas = Category.objects.create(code="S0403", name="燃气管道破裂", kind=CategoryKind.EVENT, parent=emergencies)
    return {"garbage": garbage, "gas": gas}


@pytest.fixture
def responsibility(categories, department):
    gas_company = upsert_department(code="RQGS", name="园区燃气有限公司", kind=Department.Kind.UTILITY)[0]
    garbage = ResponsibilityItem.objects.create(
        category=categories["garbage"], department=department, clock=Clock.WORKDAYS, handling_standard="当日清运",
        accept_minutes=120, dispatch_minutes=240, handle_minutes=2 * 1440, verify_minutes=1440, close_minutes=1440)
    gas = ResponsibilityItem.objects.create(
        category=categories["gas"], department=gas_company, clock=Clock.NATURAL, handling_standard="立即抢修",
        accept_minutes=30, dispatch_minutes=30, handle_minutes=240, verify_minutes=120, close_minutes=240)
    return {"garbage": garbage, "gas": gas, "gas_company": gas_company}


def png_bytes(size=(8, 8), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def photo():
    return ("现场.png", png_bytes())
