"""The category taxonomy: the shipped GB/T 30428.2 + 12345 file loads in two levels, once, with its history."""

import json

import pytest
from django.core.management import CommandError, call_command

from civicgrid.cases.models import Category, CategoryKind
from civicgrid.cases.taxonomy import (
    DEFAULT_FILE,
    CategoryError,
    CategoryFileError,
    load_categories,
    upsert_category,
)
from civicgrid.core.models import ChangeRecord

pytestmark = pytest.mark.django_db

COMPONENT_CLASSES = {"B01": "公用设施", "B02": "道路交通", "B03": "市容环境", "B04": "园林绿化", "B05": "房屋土地",
                     "B06": "其他设施"}
EVENT_CLASSES = {"S01": "市容环境", "S02": "宣传广告", "S03": "施工管理", "S04": "突发事件", "S05": "街面秩序",
                 "S06": "其他事件"}
REQUEST_TYPES = {"Q01": "咨询", "Q02": "求助", "Q03": "投诉", "Q04": "举报", "Q05": "建议", "Q06": "表扬"}


def history(**filters):
    return ChangeRecord.objects.filter(model_label="cases.category", **filters)


def write_json(path, categories):
    path.write_text(json.dumps({"categories": categories}, ensure_ascii=False), encoding="utf-8")
    return path


def test_shipped_taxonomy_loads_in_two_levels_with_history():
    counts = load_categories()

    assert (counts.created, counts.updated, counts.unchanged) == (144, 0, 0)
    assert counts.by_kind == {CategoryKind.COMPONENT: 70, CategoryKind.EVENT: 68, CategoryKind.REQUEST: 6}
    assert 80 <= Category.objects.count() == 144 <= 150
    assert history(action=ChangeRecord.Action.CREATE).count() == 144
    assert "144 categories" in counts.format()

    top = {c.code: c.name for c in Category.objects.filter(parent=None)}
    assert top == COMPONENT_CLASSES | EVENT_CLASSES | REQUEST_TYPES
    # two levels: every subclass sits directly under a class of its own kind, and has no children of its own
    for sub in Category.objects.exclude(parent=None).select_related("parent"):
        assert sub.parent.parent_id is None
        assert sub.parent.kind == sub.kind
        assert sub.code.startswith(sub.parent.code) and len(sub.code) == 5
    assert not Category.objects.filter(parent__parent__isnull=False).exists()
    assert not Category.objects.filter(kind=CategoryKind.REQUEST).exclude(parent=None).exists()

    manhole = Category.objects.get(code="B0101")
    assert (manhole.name, manhole.kind, manhole.parent.code) == ("上水井盖", CategoryKind.COMPONENT, "B01")
    assert [c.name for c in Category.objects.filter(code__in=["B0102", "B0103"]).order_by("code")] == ["污水井盖", "雨水井盖"]
    for code, name in [("S0101", "私搭乱建"), ("S0201", "非法小广告"), ("S0403", "燃气管道破裂"),
                       ("S0404", "下水道堵塞或破损"), ("S0505", "机动车乱停放"), ("S0510", "露天烧烤")]:
        assert Category.objects.get(code=code).name == name
    names = set(Category.objects.values_list("name", flat=True))
    assert {"路灯", "消防栓", "公交站亭", "施工扰民", "工地扬尘", "道路遗撒", "道路积水", "店外经营"} <= names
    # siblings are ordered as the file lists them
    first_three = Category.objects.filter(parent__code="B01").order_by("sort_order")[:3]
    assert [c.code for c in first_three] == ["B0101", "B0102", "B0103"]
    # the local extensions say so
    assert Category.objects.get(code="S0607").description.startswith("本地扩展")


def test_loading_again_changes_nothing_and_writes_no_history():
    load_categories()
    before = (Category.objects.count(), ChangeRecord.objects.count())

    counts = load_categories()

    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, 144)
    assert (Category.objects.count(), ChangeRecord.objects.count()) == before


def test_a_changed_file_updates_by_code_and_leaves_other_categories_alone(tmp_path, django_user_model):
    load_categories()
    admin = django_user_model.objects.create(username="dataadmin")
    data = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))["categories"]
    city = [node for node in data if node["code"] == "S05"]
    city[0]["children"][0]["name"] = "无照经营（游商）"
    city[0]["children"].append({"code": "S0590", "name": "占道撑伞", "description": "本市扩展"})
    city[0]["children"][1]["is_active"] = False

    counts = load_categories(write_json(tmp_path / "city.json", city), actor=admin)

    # S0501 renamed, S0502 retired, and S05 moved to first place: the file's order is the siblings' order
    assert (counts.created, counts.updated, counts.unchanged) == (1, 3, 9)
    s05 = Category.objects.get(code="S05")
    assert history(object_id=str(s05.pk), action=ChangeRecord.Action.UPDATE).get().changes == {"sort_order": [110, 10]}
    assert Category.objects.count() == 145  # nothing outside the file was removed
    renamed = Category.objects.get(code="S0501")
    assert renamed.name == "无照经营（游商）"
    record = history(object_id=str(renamed.pk), action=ChangeRecord.Action.UPDATE).get()
    assert record.changes == {"name": ["无照经营游商", "无照经营（游商）"]}
    assert record.actor == admin and "city.json" in record.source
    assert Category.objects.get(code="S0502").is_active is False
    added = Category.objects.get(code="S0590")
    assert (added.parent.code, added.kind, added.is_active) == ("S05", CategoryKind.EVENT, True)

    # a file that says nothing about is_active leaves an administrator's choice alone
    load_categories()
    assert Category.objects.get(code="S0502").is_active is False


def test_a_bad_file_loads_nothing_and_names_every_problem(tmp_path):
    bad = write_json(tmp_path / "bad.json", [
        {"code": "B01", "name": "公用设施", "kind": "component", "children": [
            {"code": "B0101", "name": "上水井盖"},
            {"code": "B0101", "name": "污水井盖"},
            {"code": "B0102", "name": ""},
            {"code": "B0103", "name": "雨水井盖", "kind": "event"},
            {"code": "B0104", "name": "雨水箅子", "colour": "grey"},
        ]},
        {"code": "X01", "name": "无类型"},
        {"name": "无编码", "kind": "event"},
    ])

    with pytest.raises(CategoryFileError) as caught:
        load_categories(bad)

    text = "\n".join(caught.value.problems)
    assert "code B0101 appears twice" in text
    assert "(B0102): name missing" in text
    assert "(B0103): kind event differs from its parent B01's kind component" in text
    assert "(B0104): unknown member(s) colour" in text
    assert "(X01): kind must be one of component, event, request" in text
    assert "categories[2]: code missing" in text
    assert len(caught.value.problems) == 6
    assert Category.objects.count() == 0 and not history().exists()

    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CategoryFileError, match="not a UTF-8 JSON file"):
        load_categories(tmp_path / "broken.json")
    with pytest.raises(CategoryFileError, match="file not found"):
        load_categories(tmp_path / "missing.json")


def test_upsert_category_keeps_the_tree_a_tree():
    top, _ = upsert_category(code="S01", name="市容环境", kind=CategoryKind.EVENT)
    child, outcome = upsert_category(code="S0101", name="私搭乱建", kind=CategoryKind.EVENT, parent=top)
    assert outcome == "created"
    with pytest.raises(CategoryError, match="lies below it"):
        upsert_category(code="S01", name="市容环境", kind=CategoryKind.EVENT, parent=child)
    component, _ = upsert_category(code="B01", name="公用设施", kind=CategoryKind.COMPONENT)
    with pytest.raises(CategoryError, match="cannot sit under the component category B01"):
        upsert_category(code="S0102", name="暴露垃圾", kind=CategoryKind.EVENT, parent=component)
    assert upsert_category(code="S0101", name="私搭乱建", kind=CategoryKind.EVENT, parent=top)[1] == "unchanged"


def test_command_loads_the_shipped_file_and_refuses_a_bad_one(tmp_path, capsys):
    call_command("categories", "load")
    assert "144 categories" in capsys.readouterr().out
    assert Category.objects.count() == 144

    bad = write_json(tmp_path / "bad.json", [{"code": "Q09", "name": "", "kind": "request"}])
    with pytest.raises(CommandError, match=r"(?s)nothing loaded.*Q09.*name missing"):
        call_command("categories", "load", str(bad))
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        call_command("categories", "load", "--actor", "nobody")
