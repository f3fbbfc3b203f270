"""The Simplified Chinese catalogue: complete, compiled from the current .po, in step with the code, and used by the pages.

The product ships the compiled .mo, so a deployment needs no gettext tools. After adding or changing a message:

    cd src/civicgrid && DEBUG=1 civicgrid makemessages -l zh_Hans --ignore 'static/*'
    (translate every new entry, remove any "fuzzy" flag)
    DEBUG=1 civicgrid compilemessages
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from civicgrid.geo.models import GridKind, RegionLevel
from civicgrid.people.models import Role
from tests.conftest import PASSWORD

PACKAGE = Path(settings.PACKAGE_DIR)
PO = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[-#0 +]*\d*(?:\.\d+)?[sdif]|\{[a-z_]+\}")


def parse_po(path: Path) -> list[dict]:
    """The active (non-obsolete) entries of a .po file: msgid, msgstr, flags. Just enough of the format for ours."""
    entries, entry, field = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if entry is not None and "msgid" in entry:
                entries.append(entry)
            entry, field = None, None
            continue
        if line.startswith("#~"):
            continue
        entry = entry if entry is not None else {"flags": set(), "msgid": "", "msgstr": ""}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith(("msgid_plural", "msgstr[")):
            raise AssertionError(f"plural forms are not expected in our catalogue: {line}")
        elif line.startswith(("msgid ", "msgstr ")):
            field, _, value = line.partition(" ")
            entry[field] = ast.literal_eval(value)
        elif line.startswith('"') and field:
            entry[field] += ast.literal_eval(line)
    return [e for e in entries if e["msgid"]]  # the header has an empty msgid


@pytest.fixture(scope="module")
def po_entries() -> list[dict]:
    assert PO.exists(), f"{PO} is missing: run makemessages -l zh_Hans (see this module's docstring)"
    return parse_po(PO)


def test_every_message_has_a_chinese_translation(po_entries):
    assert len(po_entries) > 100
    untranslated = [e["msgid"] for e in po_entries if not e["msgstr"].strip()]
    fuzzy = [e["msgid"] for e in po_entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"untranslated in {PO.name}: {untranslated}"
    assert not fuzzy, f"fuzzy (unchecked) in {PO.name}: {fuzzy}"


def test_translations_keep_the_placeholders(po_entries):
    wrong = [(e["msgid"], e["msgstr"]) for e in po_entries
             if sorted(PLACEHOLDER.findall(e["msgid"])) != sorted(PLACEHOLDER.findall(e["msgstr"]))]
    assert not wrong


def test_compiled_catalogue_is_the_current_po(po_entries):
    """The shipped .mo holds exactly the .po's translations (compilemessages was run after the last edit)."""
    assert MO.exists(), f"{MO} is missing: run compilemessages (the .mo is committed; deployments have no gettext)"
    with MO.open("rb") as fh:
        compiled = {k: v for k, v in gettext.GNUTranslations(fh)._catalog.items() if k}  # noqa: SLF001
    expected = {e["msgid"]: e["msgstr"] for e in po_entries}
    stale = {k: (compiled.get(k), v) for k, v in expected.items() if compiled.get(k) != v}
    extra = sorted(set(compiled) - set(expected))
    assert not stale, f"{MO.name} is older than {PO.name} (run compilemessages): {stale}"
    assert not extra, f"{MO.name} holds messages no longer in {PO.name} (run compilemessages): {extra}"


def test_django_serves_our_translations(po_entries):
    """Django's merged catalogue gives our wording (our LOCALE_PATHS win over Django's own catalogues)."""
    with translation.override("zh-hans"):
        wrong = {e["msgid"]: translation.gettext(e["msgid"]) for e in po_entries
                 if translation.gettext(e["msgid"]) != e["msgstr"]}
    assert not wrong


def test_glossary_terms():
    expected = {
        Role.GRID_WORKER: "网格员",
        Role.DISPATCHER: "派遣员",
        Role.DEPARTMENT_HANDLER: "处置部门人员",
        Role.HOTLINE_OPERATOR: "话务员",
        Role.LEADER: "领导",
        Role.DATA_ADMIN: "数据管理员",
        Role.SYSTEM_ADMIN: "系统管理员",
        Role.SECURITY_ADMIN: "安全管理员",
        Role.AUDIT_ADMIN: "审计管理员",
        GridKind.COMPREHENSIVE: "综合网格",
        GridKind.SPECIAL: "专属网格",
        RegionLevel.STREET: "街道",
        RegionLevel.COMMUNITY: "社区",
        RegionLevel.GRID: "网格",
        RegionLevel.SUBGRID: "二级网格",
    }
    with translation.override("zh-hans"):
        assert {choice: str(choice.label) for choice in expected} == expected
        assert translation.gettext("data scope") == "数据权限范围"
    with translation.override("en"):
        assert str(Role.GRID_WORKER.label) == "grid worker"
        assert str(GridKind.SPECIAL.label) == "special-purpose grid"


def test_catalogue_lists_every_message_in_the_code(po_entries, tmp_path, settings, monkeypatch):
    """makemessages over a copy of the package finds no message that our .po lacks, and none that went away."""
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        pytest.skip("GNU gettext (xgettext, msgmerge) is not installed: cannot re-extract the messages")
    copy = tmp_path / "civicgrid"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("static", "__pycache__", "*.mo", "data"))
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["zh_Hans"], ignore_patterns=["static/*"], verbosity=0)
    fresh = {e["msgid"] for e in parse_po(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")}
    ours = {e["msgid"] for e in po_entries}
    assert not sorted(fresh - ours), f"messages in the code but not in {PO.name}: run makemessages and translate them"
    assert not sorted(ours - fresh), f"messages in {PO.name} that the code no longer uses: run makemessages"


@pytest.mark.django_db
def test_pages_are_chinese_by_default_and_english_on_request(client, tree, people):
    assert client.login(username="gridworker", password=PASSWORD)
    html = client.get(reverse("web:home")).content.decode()
    assert '<html lang="zh-hans">' in html
    for text in ("我的网格", "我的工作", "网格员", "综合网格", "退出登录"):
        assert text in html, text
    client.post(reverse("set_language"), {"language": "en", "next": reverse("web:home")})
    html = client.get(reverse("web:home")).content.decode()
    assert '<html lang="en">' in html
    assert "My grids" in html and "我的网格" not in html


@pytest.mark.django_db
def test_sign_in_page_is_chinese(client):
    html = client.get(reverse("login")).content.decode()
    assert "登录" in html and "用户名" in html and "网格化服务管理平台" in html
