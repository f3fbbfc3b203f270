"""Excel exports of a people or a houses search: for policy.EXPORT_ROLES, with a reason, audited, personal data masked.

The file is written with openpyxl's write-only (streaming) mode straight into the file object the caller gives (a
temporary file the page then sends), so that 50,000 rows take little memory. Its first sheet, 说明, says who exported
it, when, why, with which filters, how many rows and whether the cap cut it short; the document properties say who
and when as well. Identity numbers and phones are masked as on the pages, tags are those the exporter may see
(policy.visible_tags), and every text cell is stored as text (civicgrid.core.excel): a name like "=1+1" never
becomes a formula. Each export is one audit row (AuditEntry.Action.EXPORT) with the actor, reason, filters and row
count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from civicgrid.core import excel
from civicgrid.core.models import AuditEntry
from civicgrid.core.services import write_audit
from civicgrid.registry import policy, selectors
from civicgrid.registry.filters import HouseFilter, PersonFilter
from civicgrid.registry.models import House, Person
from civicgrid.registry.services import RegistryInputError

EXPORT_CAP = 50_000  # rows per file: narrow the filters for more
CHUNK = 2000
INFO_SHEET = "说明"

PERSON_COLUMNS = [("姓名", 10), ("性别", 6), ("出生年份", 9), ("身份证号（脱敏）", 21), ("联系电话（脱敏）", 15),
                  ("居住类型", 14), ("现住地址", 40), ("网格", 18), ("户籍地址", 30), ("来本地日期", 12),
                  ("居住登记日期", 12), ("居住证到期", 12), ("标签", 24)]
HOUSE_COLUMNS = [("地址", 44), ("楼栋", 10), ("单元", 8), ("房号", 8), ("用途", 10), ("居住情况", 12), ("网格", 18),
                 ("居住人数（辖区内）", 10)]
FILTER_LABELS = {"name": "姓名", "name_match": "姓名匹配", "id_tail": "身份证号后4位", "address": "地址包含",
                 "tag": "标签", "residence_type": "居住类型", "permit_before": "居住证到期不晚于", "house": "房屋编号",
                 "region": "区域编码", "building": "楼栋", "use": "用途", "occupancy": "居住情况"}


@dataclass
class ExportResult:
    rows: int
    truncated: bool
    sheet: str


def _date(value) -> str:
    return value.isoformat() if value else ""


def _check(actor, reason: str) -> str:
    if not policy.can(actor, policy.EXPORT_ROLES):
        raise PermissionDenied(f"a {getattr(actor, 'role', 'user')} may not export the base data")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise RegistryInputError("reason", _("say why you export it (at least 4 characters)"))
    return reason


def _info_rows(actor, *, what: str, reason: str, shown: dict, rows: int, truncated: bool, at) -> list[tuple]:
    local = timezone.localtime(at)
    described = "；".join(f"{FILTER_LABELS.get(k, k)}：{v}" for k, v in shown.items()) or "无（辖区内全部）"
    name = getattr(actor, "display_name", "") or ""
    return [
        ("导出内容", what),
        ("导出人", f"{actor.username}" + (f"（{name}）" if name and name != actor.username else "")),
        ("角色", str(actor.get_role_display()) if hasattr(actor, "get_role_display") else ""),
        ("导出时间", local.strftime("%Y-%m-%d %H:%M:%S %Z")),
        ("导出原因", reason),
        ("筛选条件", described),
        ("行数", rows),
        ("是否截断", f"是：只导出前 {EXPORT_CAP:,} 行，请缩小筛选范围" if truncated else "否"),
        ("个人信息", "身份证号、联系电话已脱敏；标签按导出人的权限显示。本文件含个人信息，请妥善保管，用后删除。"),
        ("来源", "civicgrid"),
    ]


def _workbook(actor, title: str, at):
    workbook = Workbook(write_only=True)
    props = workbook.properties
    props.creator = props.lastModifiedBy = (getattr(actor, "username", "") or "civicgrid")[:255]
    props.title = title
    props.created = at.astimezone(dt.UTC).replace(tzinfo=None)
    info = workbook.create_sheet(INFO_SHEET)
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 14, 70
    return workbook, info


def _data_sheet(workbook, title: str, columns):
    sheet = workbook.create_sheet(title)
    for index, (_label, width) in enumerate(columns, start=1):
        sheet.column_dimensions[chr(64 + index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(excel.row(sheet, [label for label, _width in columns], font=Font(bold=True)))
    return sheet


def _finish(workbook, info, out, actor, *, what, reason, filterset, rows, truncated, at, ip_address,
            target) -> None:
    bold = Font(bold=True)
    for label, value in _info_rows(actor, what=what, reason=reason, shown=filterset.shown_values(), rows=rows,
                                   truncated=truncated, at=at):
        cells = excel.row(info, [label, value])
        cells[0].font = bold
        info.append(cells)
    local = timezone.localtime(at)
    workbook.properties.description = f"{what}，{rows} 行；导出人 {actor.username}，导出时间 {local:%Y-%m-%d %H:%M:%S}"
    workbook.save(out)
    write_audit(AuditEntry.Action.EXPORT, actor=actor, ip_address=ip_address, target=target,
                detail={"reason": reason, "filters": filterset.used(), "rows": rows, "truncated": truncated})


def export_people(out, *, actor, data, reason: str, ip_address: str | None = None) -> ExportResult:
    """Write the people that `data` (a people search's query parameters) finds in the actor's scope to `out`."""
    reason = _check(actor, reason)
    filterset = PersonFilter(data, queryset=selectors.person_list(actor), user=actor)
    if not filterset.is_valid():
        raise RegistryInputError("filters", "; ".join(f"{k}: {v[0]}" for k, v in filterset.errors.items()))
    at = timezone.now()
    workbook, info = _workbook(actor, "实有人口", at)
    sheet = _data_sheet(workbook, "实有人口", PERSON_COLUMNS)
    residence = dict(Person.ResidenceType.choices)
    sexes = {"M": "男", "F": "女"}
    rows = 0
    chunk: list[Person] = []

    def flush():
        for p in selectors.present(chunk, actor):
            sheet.append(excel.row(sheet, [
                p.shown_name, sexes.get(p.sex, ""), p.birth_year, p.masked_id, p.masked_phone,
                str(residence.get(p.residence_type, p.residence_type)), p.house.address if p.house_id else "",
                p.grid.name if p.grid_id else "", p.household_address, _date(p.arrival_date),
                _date(p.registered_on), _date(p.permit_expires_on), "、".join(p.visible_tags)]))
        chunk.clear()

    queryset = filterset.qs.only(*selectors.PERSON_LIST_FIELDS, "household_address", "arrival_date", "registered_on")
    # (the house and grid come by prefetch, chunk by chunk: `iterator(chunk_size=...)` prefetches each chunk)
    truncated = False
    for person in queryset[: EXPORT_CAP + 1].iterator(chunk_size=CHUNK):
        if rows == EXPORT_CAP:
            truncated = True
            break
        chunk.append(person)
        rows += 1
        if len(chunk) == CHUNK:
            flush()
    flush()
    _finish(workbook, info, out, actor, what="实有人口", reason=reason, filterset=filterset, rows=rows,
            truncated=truncated, at=at, ip_address=ip_address, target="registry:people")
    return ExportResult(rows, truncated, "实有人口")


def export_houses(out, *, actor, data, reason: str, ip_address: str | None = None) -> ExportResult:
    """Write the houses that `data` (a houses search's query parameters) finds in the actor's scope to `out`."""
    reason = _check(actor, reason)
    filterset = HouseFilter(data, queryset=selectors.house_list(actor), user=actor)
    if not filterset.is_valid():
        raise RegistryInputError("filters", "; ".join(f"{k}: {v[0]}" for k, v in filterset.errors.items()))
    at = timezone.now()
    workbook, info = _workbook(actor, "实有房屋", at)
    sheet = _data_sheet(workbook, "实有房屋", HOUSE_COLUMNS)
    uses, occupancies = dict(House.Use.choices), dict(House.Occupancy.choices)
    rows = 0
    chunk: list[House] = []

    def flush():
        counts = selectors.resident_counts(chunk, actor)
        for h in chunk:
            sheet.append(excel.row(sheet, [
                h.address, h.building, h.unit, h.room, str(uses.get(h.use, h.use)),
                str(occupancies.get(h.occupancy, h.occupancy)), h.grid.name if h.grid_id else "",
                counts.get(h.pk, 0)]))
        chunk.clear()

    truncated = False
    for house in filterset.qs[: EXPORT_CAP + 1].iterator(chunk_size=CHUNK):
        if rows == EXPORT_CAP:
            truncated = True
            break
        chunk.append(house)
        rows += 1
        if len(chunk) == CHUNK:
            flush()
    flush()
    _finish(workbook, info, out, actor, what="实有房屋", reason=reason, filterset=filterset, rows=rows,
            truncated=truncated, at=at, ip_address=ip_address, target="registry:houses")
    return ExportResult(rows, truncated, "实有房屋")


EXPORTS = {"people": export_people, "houses": export_houses}
