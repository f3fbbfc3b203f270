"""Importing and syncing base data files: stage every row, check the file as a whole, then apply it at once.

1. Stage (resumable). The file is read as a stream (registry.reading); every row is validated with the same rules
   as the services (python-stdnum for identity numbers and credit codes, phones, dates, tags, the house or the grid
   it lies in and the importer's data scope), personal fields are hashed and encrypted, and the clean rows go to a
   staging table. Every chunk of rows commits together with the job's checkpoint (`rows_read`), so after a crash the
   job resumes at the next row. Bad cells become ImportProblem rows (row, column, value, reason).
2. Check. Duplicate keys within the file are found in the staging table; the counts of records that would be
   created, updated or left unchanged are computed against the registry: this is the dry run's answer.
3. Apply, in one transaction: a file is wholly in or not at all. Population rows are applied set-based (a million
   rows are a few statements); houses, organisations and components go through the upsert services. Every change
   keeps history: updates write a ChangeRecord (old -> new, who, when, source file) and moves a PersonMove; created
   people point to the job (who, when, file) with `created_by_job`.

A file with errors is refused as a whole unless the importer asked to skip bad rows (`skip_invalid`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.crypto import encrypt, lookup_hash
from civicgrid.core.excel import put
from civicgrid.core.excel import row as text_row
from civicgrid.core.models import AuditEntry, ChangeRecord
from civicgrid.core.services import write_audit
from civicgrid.geo.models import Region
from civicgrid.geo.selectors import locate_points
from civicgrid.people.models import Department
from civicgrid.people.scoping import scope_of
from civicgrid.registry import services
from civicgrid.registry.models import (
    Component,
    House,
    ImportJob,
    ImportProblem,
    StagedPerson,
    StagedRecord,
)
from civicgrid.registry.reading import Column, FileRefused, cell_date, cell_text, open_table
from civicgrid.registry.services import RegistryInputError

CHUNK = 5000
PROBLEMS_KEPT = 10_000  # problems stored per job; the count goes on beyond
STALE_AFTER_SECONDS = 300  # a job whose worker has not reported for this long is taken over by `resume`

RESIDENCE_TYPES = {"户籍": "registered", "户籍人口": "registered", "常住": "registered", "registered": "registered",
                   "流动": "floating", "流动人口": "floating", "floating": "floating",
                   "境外": "foreign", "境外人员": "foreign", "foreign": "foreign", "": "registered"}
HOUSE_USES = {"住宅": "residential", "商业": "commercial", "商住": "mixed", "商住混合": "mixed", "其他": "other",
              "": "residential", **{v: v for v in House.Use.values}}
OCCUPANCIES = {"自住": "owner", "出租": "rented", "空置": "vacant", "": "owner", **{v: v for v in House.Occupancy.values}}
COMPONENT_STATUSES = {"完好": "good", "正常": "good", "损坏": "damaged", "破损": "damaged", "丢失": "missing",
                      "缺失": "missing", "移除": "removed", "已拆除": "removed", "": "good",
                      **{v: v for v in Component.Status.values}}
TAG_SEPARATORS = str.maketrans({c: " " for c in "、,，;；|/"})


class RowProblems(Exception):
    def __init__(self, problems: list[tuple[str, object, str]]):
        super().__init__(problems[0][2])
        self.problems = problems  # (field, value, reason)


def _choice(table: dict[str, str], value, field_name: str, errors: list) -> str:
    text = cell_text(value)
    if text in table:
        return table[text]
    known = "、".join(k for k in table if k and not k.isascii())
    errors.append((field_name, value, _("%(value)s is not one of %(known)s") % {"value": text, "known": known}))
    return ""


def _date(value, field_name: str, errors: list) -> date | None:
    try:
        return cell_date(value)
    except ValueError as exc:
        errors.append((field_name, value, str(exc)))
        return None


def _float(value, field_name: str, errors: list) -> float | None:
    text = cell_text(value)
    try:
        return float(text)
    except ValueError:
        errors.append((field_name, value, _("is required, a number") if not text else _("%(value)s is not a number") % {"value": text}))
        return None


def _required(value, field_name: str, errors: list, max_length: int) -> str:
    text = cell_text(value)
    if not text:
        errors.append((field_name, value, _("is required")))
    elif len(text) > max_length:
        errors.append((field_name, value, _("is longer than %(n)s characters") % {"n": max_length}))
    return text


def _optional(value, field_name: str, errors: list, max_length: int) -> str:
    text = cell_text(value)
    if len(text) > max_length:
        errors.append((field_name, value, _("is longer than %(n)s characters") % {"n": max_length}))
    return text


def _checked(check: Callable, value, field_name: str, errors: list, *args):
    try:
        return check(value, *args)
    except RegistryInputError as exc:
        errors.append((field_name, value, exc.message))
        return None


def _id_number_cell(value) -> str:
    if isinstance(value, float):  # Excel turned the number into a float and lost its last digits
        raise RegistryInputError("id_number", _("stored as a number in Excel, which loses digits: format the "
                                                   "column as text and type the numbers again"))
    return cell_text(value)


# ----------------------------------------------------------------------------------------------------------- kinds

@dataclass(frozen=True)
class Kind:
    name: str
    title: str
    key_field: str
    columns: list[Column]


PERSON_COLUMNS = [
    Column("id_number", "公民身份号码", ("身份证号", "身份证号码", "证件号码", "身份号码"), True,
           "18 位，末位可为 X；以文本格式填写", "320506198001011235", text=True),
    Column("name", "姓名", ("名字",), True, "", "王建国"),
    Column("sex", "性别", (), False, "可不填；填写时须与身份证号一致", "男", ("男", "女")),
    Column("birth_date", "出生日期", (), False, "可不填；填写时须与身份证号一致", "1980-01-01"),
    Column("phone", "联系电话", ("手机号", "手机号码", "电话", "联系方式"), False, "手机 11 位或固话", "13812345678",
           text=True),
    Column("house_address", "现住房屋地址", ("现住址", "居住地址", "实际居住地址", "房屋地址"), True,
           "须与已登记的实有房屋地址一致", "星湖街1号1幢1单元101室"),
    Column("household_address", "户籍地址", ("户籍地", "户籍所在地"), False, "", "江苏省苏州市……"),
    Column("residence_type", "人口类型", ("类型",), False, "户籍 / 流动 / 境外，不填为户籍", "户籍",
           ("户籍", "流动", "境外")),
    Column("tags", "人员标签", ("标签", "特殊人群", "重点人群"), False, "多个用顿号分隔", "独居老人、低保户"),
    Column("arrival_date", "来本地日期", ("来本地时间", "到达日期"), False, "流动人口", "2024-03-01"),
    Column("registered_on", "居住登记日期", ("登记日期",), False, "流动人口", "2024-03-05"),
    Column("permit_expires_on", "居住证有效期至", ("居住证到期日", "居住证有效期"), False, "流动人口", "2027-03-04"),
]
HOUSE_COLUMNS = [
    Column("address", "房屋地址", ("地址", "门牌地址"), True, "唯一，作为房屋的标识", "星湖街1号1幢1单元101室"),
    Column("building", "楼栋", ("幢", "楼号"), True, "", "1幢"),
    Column("unit", "单元", (), False, "", "1单元"),
    Column("room", "房号", ("室", "房间号"), False, "", "101"),
    Column("use", "房屋用途", ("用途",), False, "住宅 / 商业 / 商住 / 其他", "住宅", ("住宅", "商业", "商住", "其他")),
    Column("occupancy", "居住情况", ("使用情况",), False, "自住 / 出租 / 空置", "自住", ("自住", "出租", "空置")),
    Column("lon", "经度", ("lon", "longitude"), True, "WGS-84", "120.7012"),
    Column("lat", "纬度", ("lat", "latitude"), True, "WGS-84", "31.3015"),
]
ORGANISATION_COLUMNS = [
    Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码"), True, "18 位", "91320594MA1MXX001K",
           text=True),
    Column("name", "单位名称", ("名称", "单位"), True, "", "苏州某某科技有限公司"),
    Column("kind", "单位类型", ("类型",), False, "", "企业"),
    Column("address", "单位地址", ("地址",), False, "", "星湖街328号"),
    Column("legal_representative", "法定代表人", ("法人", "负责人"), False, "", "李明"),
    Column("contact_phone", "联系电话", ("电话", "联系方式"), False, "", "0512-66001234", text=True),
    Column("lon", "经度", ("lon", "longitude"), True, "WGS-84", "120.7110"),
    Column("lat", "纬度", ("lat", "latitude"), True, "WGS-84", "31.3050"),
]
COMPONENT_COLUMNS = [
    Column("code", "部件编码", ("编码", "部件编号"), True, "唯一", "320571001001-B0101-0001", text=True),
    Column("class_code", "部件小类代码", ("小类代码", "部件类别"), True, "GB/T 30428：B + 4 位数字", "B0101", text=True),
    Column("name", "部件名称", ("名称",), True, "", "上水井盖"),
    Column("status", "状态", ("部件状态",), False, "完好 / 损坏 / 丢失 / 移除", "完好", ("完好", "损坏", "丢失", "移除")),
    Column("owner_department", "权属部门", ("主管部门", "养护单位"), False, "部门名称，须已登记", "园区市政养护中心"),
    Column("lon", "经度", ("lon", "longitude"), True, "WGS-84", "120.7210"),
    Column("lat", "纬度", ("lat", "latitude"), True, "WGS-84", "31.3010"),
]
KINDS = {
    ImportJob.Kind.PERSON: Kind("person", "实有人口", "id_number", PERSON_COLUMNS),
    ImportJob.Kind.HOUSE: Kind("house", "实有房屋", "address", HOUSE_COLUMNS),
    ImportJob.Kind.ORGANISATION: Kind("organisation", "实有单位", "credit_code", ORGANISATION_COLUMNS),
    ImportJob.Kind.COMPONENT: Kind("component", "城市部件", "code", COMPONENT_COLUMNS),
}


def header_of(kind: str, field_name: str) -> str:
    return next((c.header for c in KINDS[kind].columns if c.field == field_name), field_name)


# ------------------------------------------------------------------------------------------------------ the job

def imports_dir() -> Path:
    folder = Path(settings.REGISTRY_IMPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def max_bytes() -> int:
    return int(getattr(settings, "REGISTRY_IMPORT_MAX_BYTES", 512 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "REGISTRY_IMPORT_MAX_ROWS", 2_000_000))


class BadMapping(ValueError):
    def __init__(self, number: int, item: str):
        super().__init__(item)
        self.number, self.item = number, item


def parse_mapping(items) -> dict[str, str]:
    """Column mapping lines "file header=field" (a full-width ＝ too; blank lines skipped) -> {header: field};
    BadMapping names the first line that is not of that form (1-based)."""
    mapping = {}
    for number, item in enumerate(items, start=1):
        if not item.strip():
            continue
        header, sep, field_name = item.replace("＝", "=").partition("=")
        if not sep or not header.strip() or not field_name.strip():
            raise BadMapping(number, item)
        mapping[header.strip()] = field_name.strip()
    return mapping


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def create_job(source: str | Path, *, kind: str, file_name: str | None = None, actor=None,
               mapping: dict[str, str] | None = None, dry_run: bool = False, skip_invalid: bool = False,
               sync: bool = False) -> ImportJob:
    """Keep a copy of the file (outside the code tree) and queue a job for it. Refuses a file that is too large."""
    source = Path(source)
    if kind not in KINDS:
        raise RegistryInputError("kind", _("unknown kind %(value)s") % {"value": kind})
    size = source.stat().st_size
    if size > max_bytes():
        raise RegistryInputError("file", _("the file has %(size)d MB, more than the %(max)d MB allowed: split it") % {
                                             "size": size // 2**20, "max": max_bytes() // 2**20})
    job = ImportJob.objects.create(kind=kind, file_name=(file_name or source.name)[:255], file_sha256=file_sha256(source),
                                   file_size=size, mapping=mapping or {}, dry_run=dry_run, skip_invalid=skip_invalid,
                                   sync=sync, actor=actor if getattr(actor, "pk", None) else None, stored_path="")
    stored = imports_dir() / f"job-{job.pk}{source.suffix.lower()[:8]}"
    shutil.copyfile(source, stored)
    ImportJob.objects.filter(pk=job.pk).update(stored_path=str(stored))
    job.stored_path = str(stored)
    return job


def _touch(job: ImportJob, **fields) -> None:
    fields["heartbeat_at"] = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def _problem(job: ImportJob, row, field_name: str, value, reason: str) -> ImportProblem:
    return ImportProblem(job=job, row=row, column=header_of(job.kind, field_name) if field_name else "",
                         value=cell_text(value)[:200], reason=reason[:300])


def run(job: ImportJob, *, progress: Callable[[ImportJob], None] | None = None) -> ImportJob:
    """Take the job as far as it goes: stage (from its checkpoint), check, and apply unless it is a dry run or
    refused. Safe to call again after a crash."""
    job.refresh_from_db()
    if job.status in {ImportJob.Status.DONE, ImportJob.Status.FAILED, ImportJob.Status.CANCELLED}:
        return job
    if job.status in {ImportJob.Status.QUEUED, ImportJob.Status.STAGING}:
        _touch(job, status=ImportJob.Status.STAGING, started_at=job.started_at or timezone.now())
        try:
            stage(job, progress=progress)
        except FileRefused as refusal:
            _refuse(job, str(refusal))
            return job
        check(job)
        if job.status == ImportJob.Status.FAILED or job.dry_run:
            return job
    if job.status in {ImportJob.Status.CHECKED, ImportJob.Status.APPLYING}:
        apply(job)
    return job


def _refuse(job: ImportJob, reason: str, row=None) -> None:
    with transaction.atomic():
        ImportProblem.objects.create(job=job, row=row, column="", value="", reason=reason[:300])
        _clear_staging(job)
        _touch(job, status=ImportJob.Status.FAILED, error_count=job.error_count + 1, message=reason[:2000],
               finished_at=timezone.now())


def _clear_staging(job: ImportJob) -> None:
    StagedPerson.objects.filter(job=job).delete()
    StagedRecord.objects.filter(job=job).delete()


# --------------------------------------------------------------------------------------------------------- staging

def stage(job: ImportJob, *, progress=None) -> None:
    """Read, validate and stage the rows after the checkpoint, a chunk per transaction."""
    kind = KINDS[job.kind]
    table = open_table(job.stored_path, kind.columns, job.mapping)
    try:
        if job.encoding != table.encoding or job.rows_total != table.rows_estimate:
            _touch(job, encoding=table.encoding, rows_total=table.rows_estimate)
        stager = STAGERS[job.kind](job)
        chunk: list[tuple[int, dict]] = []
        for number, values in table.rows():
            if number <= job.rows_read:
                continue
            if number - table.header_row > max_rows():
                raise FileRefused(_("more than %(n)s rows: split the file") % {"n": max_rows()})
            chunk.append((number, values))
            if len(chunk) >= CHUNK:
                _stage_chunk(job, stager, chunk)
                chunk = []
                if progress:
                    progress(job)
        if chunk:
            _stage_chunk(job, stager, chunk)
        if progress:
            progress(job)
    finally:
        table.close()


def _stage_chunk(job: ImportJob, stager, chunk: list[tuple[int, dict]]) -> None:
    with transaction.atomic():
        problems = stager(chunk)
        kept = max(0, PROBLEMS_KEPT - job.error_count)
        if problems and kept:
            ImportProblem.objects.bulk_create(problems[:kept])
        _touch(job, rows_read=chunk[-1][0], error_count=job.error_count + len(problems))


class PersonStager:
    """Population rows -> StagedPerson rows (hashed and encrypted), houses resolved and the scope checked."""

    columns = [f.column for f in StagedPerson._meta.concrete_fields if f.column != "id"]

    def __init__(self, job: ImportJob):
        self.job = job
        self.scope = scope_of(job.actor) if job.actor_id else None
        self.tag_hashes: dict[str, str] = {}

    def __call__(self, chunk):
        problems, cleaned = [], []
        for number, values in chunk:
            try:
                cleaned.append((number, self.clean(values)))
            except RowProblems as bad:
                problems.extend(_problem(self.job, number, f, v, r) for f, v, r in bad.problems)
        houses = _houses_by_address({c["house_address"] for _, c in cleaned})
        rows = []
        for number, c in cleaned:
            house = houses.get(c["house_address"])
            if house is None:
                problems.append(_problem(self.job, number, "house_address", c["house_address"],
                                         _("no registered house has this address: import the houses first")))
                continue
            if self.scope is not None and not self.scope.covers_path(house[2]):
                problems.append(_problem(self.job, number, "house_address", c["house_address"],
                                         _("the house lies outside your data scope")))
                continue
            c["house_id"], c["grid_id"], c["region_path"] = house
            rows.append((self.job.pk, number, *(c[name] for name in self.columns[2:])))
        _write_rows(StagedPerson, ["job_id", "row", *self.columns[2:]], rows)
        return problems

    def clean(self, values: dict) -> dict:
        errors: list = []
        raw_number = values.get("id_number")
        number = birth = sex = None
        try:
            number, birth, sex = services.check_id_number(_id_number_cell(raw_number))
        except RegistryInputError as exc:
            errors.append(("id_number", raw_number, exc.message))
        name = _required(values.get("name"), "name", errors, 40)
        given_sex = cell_text(values.get("sex"))
        if given_sex and sex and {"男": "M", "女": "F", "M": "M", "F": "F"}.get(given_sex) != sex:
            errors.append(("sex", given_sex, _("does not match the identity number")))
        given_birth = _date(values.get("birth_date"), "birth_date", errors)
        if given_birth and birth and given_birth != birth:
            errors.append(("birth_date", values.get("birth_date"), _("does not match the identity number (%(birth)s)") % {"birth": birth}))
        phone = _checked(services.check_phone, cell_text(values.get("phone")), "phone", errors) or ""
        house_address = _required(values.get("house_address"), "house_address", errors, 200)
        household = _optional(values.get("household_address"), "household_address", errors, 200)
        residence = _choice(RESIDENCE_TYPES, values.get("residence_type"), "residence_type", errors)
        raw_tags = cell_text(values.get("tags")).translate(TAG_SEPARATORS).split()
        tags = _checked(services.check_tags, raw_tags, "tags", errors) or []
        arrival = _date(values.get("arrival_date"), "arrival_date", errors)
        registered = _date(values.get("registered_on"), "registered_on", errors)
        expires = _date(values.get("permit_expires_on"), "permit_expires_on", errors)
        if errors:
            raise RowProblems(errors)
        return {
            "id_number_hash": lookup_hash(number), "id_number_encrypted": encrypt(number),
            "id_number_tail": number[-4:], "name": name, "sex": sex, "birth_date": birth,
            "phone_hash": lookup_hash(phone), "phone_encrypted": encrypt(phone), "household_address": household,
            "house_address": house_address, "residence_type": residence,
            "tags_encrypted": encrypt(json.dumps(tags, ensure_ascii=False)) if tags else "",
            "tags_hash": services.tags_digest(tags), "tag_hashes": " ".join(self._tag_hash(t) for t in tags),
            "arrival_date": arrival, "registered_on": registered, "permit_expires_on": expires,
        }

    def _tag_hash(self, tag: str) -> str:
        if tag not in self.tag_hashes:
            self.tag_hashes[tag] = services.tag_hash(tag)
        return self.tag_hashes[tag]


LOOKUP_BATCH = 500


def _houses_by_address(addresses: set[str]) -> dict[str, tuple]:
    """{address: (id, grid_id, region_path)}, asked in batches of exactly LOOKUP_BATCH addresses (the last one
    padded) with one raw SQL text: a driver's statement cache (sqlite3 keeps 128) then holds one statement, not one
    per batch size, each compiled for thousands of parameters (that cost SQLite imports tens of MB). The ORM's IN
    would drop the padding's repeats."""
    found, pending = {}, sorted(addresses)
    sql = (f"SELECT address, id, grid_id, region_path FROM {House._meta.db_table} "
           f"WHERE address IN ({', '.join(['%s'] * LOOKUP_BATCH)})")
    with connection.cursor() as cursor:
        for start in range(0, len(pending), LOOKUP_BATCH):
            batch = pending[start:start + LOOKUP_BATCH]
            cursor.execute(sql, batch + [batch[-1]] * (LOOKUP_BATCH - len(batch)))
            found.update((address, (pk, grid_id, path)) for address, pk, grid_id, path in cursor.fetchall())
    return found


def _write_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """Bulk-write staged rows: COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


class RecordStager:
    """House, organisation and component rows -> StagedRecord rows of cleaned values, placed in their grids."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.kind = KINDS[job.kind]
        self.scope = scope_of(job.actor) if job.actor_id else None
        self.departments: dict[str, int] | None = None

    def __call__(self, chunk):
        problems, cleaned = [], []
        for number, values in chunk:
            try:
                cleaned.append((number, self.clean(values)))
            except RowProblems as bad:
                problems.extend(_problem(self.job, number, f, v, r) for f, v, r in bad.problems)
        grid_ids = locate_points([c["lon"] for _, c in cleaned], [c["lat"] for _, c in cleaned])[0] if cleaned else []
        paths = dict(Region.objects.filter(pk__in={int(g) for g in grid_ids if g}).values_list("id", "path"))
        staged = []
        for (number, c), grid_id in zip(cleaned, grid_ids, strict=True):
            if not grid_id:
                problems.append(_problem(self.job, number, "lon", f"{c['lon']}, {c['lat']}",
                                         _("the point is outside the jurisdiction (are longitude and latitude swapped, or not "
                                           "WGS-84?)")))
                continue
            if self.scope is not None and not self.scope.covers_path(paths[int(grid_id)]):
                problems.append(_problem(self.job, number, "lon", f"{c['lon']}, {c['lat']}",
                                         _("the point lies outside your data scope")))
                continue
            staged.append(StagedRecord(job=self.job, row=number, key=str(c[self.kind.key_field])[:200], values=c))
        StagedRecord.objects.bulk_create(staged)
        return problems

    def clean(self, values: dict) -> dict:
        errors: list = []
        lon, lat = _float(values.get("lon"), "lon", errors), _float(values.get("lat"), "lat", errors)
        if self.job.kind == ImportJob.Kind.HOUSE:
            cleaned = {"address": _required(values.get("address"), "address", errors, 200),
                       "building": _required(values.get("building"), "building", errors, 40),
                       "unit": _optional(values.get("unit"), "unit", errors, 20),
                       "room": _optional(values.get("room"), "room", errors, 20),
                       "use": _choice(HOUSE_USES, values.get("use"), "use", errors),
                       "occupancy": _choice(OCCUPANCIES, values.get("occupancy"), "occupancy", errors)}
        elif self.job.kind == ImportJob.Kind.ORGANISATION:
            cleaned = {"credit_code": _checked(services.check_credit_code, cell_text(values.get("credit_code")),
                                               "credit_code", errors),
                       "name": _required(values.get("name"), "name", errors, 120),
                       "kind": _optional(values.get("kind"), "kind", errors, 40),
                       "address": _optional(values.get("address"), "address", errors, 200),
                       "legal_representative": _optional(values.get("legal_representative"), "legal_representative",
                                                         errors, 40),
                       "contact_phone": _checked(services.check_phone, cell_text(values.get("contact_phone")),
                                                 "contact_phone", errors, "contact_phone") or ""}
        else:
            class_code = cell_text(values.get("class_code")).upper()
            if not services.COMPONENT_CLASS.fullmatch(class_code):
                errors.append(("class_code", values.get("class_code"), _("is not a GB/T 30428 component class (B and 4 digits)")))
            cleaned = {"code": _required(values.get("code"), "code", errors, 40), "class_code": class_code,
                       "name": _required(values.get("name"), "name", errors, 60),
                       "status": _choice(COMPONENT_STATUSES, values.get("status"), "status", errors),
                       "owner_department_id": self._department(values.get("owner_department"), errors)}
        if errors:
            raise RowProblems(errors)
        cleaned.update(lon=lon, lat=lat)
        return cleaned

    def _department(self, value, errors) -> int | None:
        name = cell_text(value)
        if not name:
            return None
        if self.departments is None:
            self.departments = dict(Department.objects.values_list("name", "id"))
        if name not in self.departments:
            errors.append(("owner_department", value, _("no department of this name is registered")))
            return None
        return self.departments[name]


STAGERS = {ImportJob.Kind.PERSON: PersonStager, ImportJob.Kind.HOUSE: RecordStager,
           ImportJob.Kind.ORGANISATION: RecordStager, ImportJob.Kind.COMPONENT: RecordStager}


# -------------------------------------------------------------------------------------------------------- checking

def _distinct(a: str, b: str) -> str:
    return f"{a} IS DISTINCT FROM {b}" if connection.vendor == "postgresql" else f"{a} IS NOT {b}"


PERSON_COMPARED = ["name", "sex", "birth_date", "phone_hash", "household_address", "house_id", "residence_type",
                   "tags_hash", "arrival_date", "registered_on", "permit_expires_on"]


def _person_changed() -> str:
    return "(" + " OR ".join(_distinct(f"p.{c}", f"s.{c}") for c in PERSON_COMPARED) + ")"


def check(job: ImportJob) -> None:
    """Whole-file checks on the staged rows (duplicate keys) and the dry run's counts."""
    with transaction.atomic():
        problems = _duplicates(job)
        if problems:
            kept = max(0, PROBLEMS_KEPT - job.error_count)
            ImportProblem.objects.bulk_create(problems[:kept])
            job.error_count += len(problems)
        if job.error_count and not job.skip_invalid:
            _clear_staging(job)
            _touch(job, status=ImportJob.Status.FAILED, error_count=job.error_count, finished_at=timezone.now(),
                   message=_("%(n)s problems: nothing was imported") % {"n": job.error_count})
            return
        if problems:  # skipping bad rows: a duplicated key keeps its first row only
            _drop_duplicates(job)
        created, updated, unchanged = _counts(job)
        _touch(job, status=ImportJob.Status.CHECKED, error_count=job.error_count, created_count=created,
               updated_count=updated, unchanged_count=unchanged,
               finished_at=timezone.now() if job.dry_run else None,
               message=_("dry run: nothing was imported") if job.dry_run else "")
        if job.dry_run:
            _clear_staging(job)


def _staged(job: ImportJob):
    if job.kind == ImportJob.Kind.PERSON:
        return StagedPerson._meta.db_table, "id_number_hash"
    return StagedRecord._meta.db_table, "key"


def _duplicates(job: ImportJob) -> list[ImportProblem]:
    table, key = _staged(job)
    field_name = KINDS[job.kind].key_field
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT s.row, first.row FROM {table} s
            JOIN (SELECT {key} AS k, MIN(row) AS row FROM {table} WHERE job_id = %s GROUP BY {key}
                  HAVING COUNT(*) > 1) first ON first.k = s.{key}
            WHERE s.job_id = %s AND s.row > first.row ORDER BY s.row""", [job.pk, job.pk])
        return [_problem(job, row, field_name, "", _("the same %(column)s as row %(row)s") % {"column": header_of(job.kind, field_name), "row": first})
                for row, first in cursor.fetchall()]


def _drop_duplicates(job: ImportJob) -> None:
    table, key = _staged(job)
    with connection.cursor() as cursor:
        cursor.execute(f"""
            DELETE FROM {table} WHERE job_id = %s AND row > (
                SELECT MIN(t.row) FROM {table} t WHERE t.job_id = %s AND t.{key} = {table}.{key})""", [job.pk, job.pk])


def _counts(job: ImportJob) -> tuple[int, int, int]:
    if job.kind != ImportJob.Kind.PERSON:
        return _apply_records(job, dry_run=True)
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT COUNT(*), COUNT(p.id), COALESCE(SUM(CASE WHEN p.id IS NOT NULL AND {_person_changed()} THEN 1 ELSE 0 END), 0)
            FROM registry_stagedperson s LEFT JOIN registry_person p ON p.id_number_hash = s.id_number_hash
            WHERE s.job_id = %s""", [job.pk])
        total, existing, changed = cursor.fetchone()
    return total - existing, changed, existing - changed


# -------------------------------------------------------------------------------------------------------- applying

def apply(job: ImportJob) -> None:
    """Apply the staged rows in one transaction, with history, and close the job."""
    _touch(job, status=ImportJob.Status.APPLYING)
    with transaction.atomic():
        if job.kind == ImportJob.Kind.PERSON:
            created, updated, unchanged = _apply_people(job)
        else:
            created, updated, unchanged = _apply_records(job, dry_run=False)
        ChangeRecord.objects.create(model_label="registry.importjob", object_id=str(job.pk), object_repr=str(job)[:200],
                                    action=ChangeRecord.Action.CREATE, actor=job.actor, source=job.file_name,
                                    changes={"kind": [None, job.kind], "sha256": [None, job.file_sha256],
                                             "created": [None, created], "updated": [None, updated],
                                             "unchanged": [None, unchanged], "skipped_rows": [None, job.error_count]})
        write_audit(AuditEntry.Action.IMPORT, actor=job.actor, target=f"import:{job.pk}",
                    detail={"kind": job.kind, "file": job.file_name, "sha256": job.file_sha256,
                            "created": created, "updated": updated, "unchanged": unchanged})
        _clear_staging(job)
        _touch(job, status=ImportJob.Status.DONE, created_count=created, updated_count=updated,
               unchanged_count=unchanged, finished_at=timezone.now(),
               message=_("%(created)s created, %(updated)s updated, %(unchanged)s unchanged") % {
                   "created": created, "updated": updated, "unchanged": unchanged}
               + (_(", %(n)s bad rows skipped") % {"n": job.error_count} if job.error_count else ""))


def _json_changes() -> str:
    """SQL building {"field": [old, new], ...} of the fields that differ between p (stored) and s (staged)."""
    if connection.vendor == "postgresql":
        pairs = ", ".join(f"'{c}', CASE WHEN {_distinct(f'p.{c}', f's.{c}')} THEN jsonb_build_array(p.{c}, s.{c}) END"
                          for c in PERSON_COMPARED)
        return f"jsonb_strip_nulls(jsonb_build_object({pairs}))"
    pairs = ", ".join(f"'{c}', json(CASE WHEN {_distinct(f'p.{c}', f's.{c}')} THEN json_array(p.{c}, s.{c}) END)"
                      for c in PERSON_COMPARED)
    return f"json_patch('{{}}', json_object({pairs}))"


def _apply_people(job: ImportJob) -> tuple[int, int, int]:
    now, actor, source = timezone.now(), job.actor_id, f"import #{job.pk}: {job.file_name}"[:255]
    joined = "FROM registry_stagedperson s JOIN registry_person p ON p.id_number_hash = s.id_number_hash"
    stars = "*" * 40
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM registry_stagedperson WHERE job_id = %s", [job.pk])
        staged = cursor.fetchone()[0]
        # tags that change: their rows go now and are written again below, with the new people's
        cursor.execute(f"""DELETE FROM registry_persontag WHERE person_id IN (
            SELECT p.id {joined} WHERE s.job_id = %s AND {_distinct('p.tags_hash', 's.tags_hash')})""", [job.pk])
        cursor.execute(f"""
            INSERT INTO core_changerecord (model_label, object_id, object_repr, action, actor_id, at, source, changes)
            SELECT 'registry.person', CAST(p.id AS VARCHAR(20)),
                   substr(s.name, 1, 1) || substr('{stars}', 1, length(s.name) - 1), 'update', %s, %s, %s,
                   {_json_changes()}
            {joined} WHERE s.job_id = %s AND {_person_changed()}""", [actor, now, source, job.pk])
        cursor.execute(f"""
            INSERT INTO registry_personmove (person_id, from_house_id, to_house_id, moved_at, actor_id, source)
            SELECT p.id, p.house_id, s.house_id, %s, %s, %s
            {joined} WHERE s.job_id = %s AND {_distinct('p.house_id', 's.house_id')}""", [now, actor, source, job.pk])
        assignments = ", ".join(f"{c} = s.{c}" for c in PERSON_COMPARED if c != "house_id")
        cursor.execute(f"""
            UPDATE registry_person AS p SET {assignments}, house_id = s.house_id, grid_id = s.grid_id,
                region_path = s.region_path, id_number_tail = s.id_number_tail,
                phone_encrypted = CASE WHEN p.phone_hash = s.phone_hash THEN p.phone_encrypted ELSE s.phone_encrypted END,
                tags_encrypted = CASE WHEN p.tags_hash = s.tags_hash THEN p.tags_encrypted ELSE s.tags_encrypted END,
                updated_at = %s
            FROM registry_stagedperson s
            WHERE s.job_id = %s AND p.id_number_hash = s.id_number_hash AND {_person_changed()}""", [now, job.pk])
        updated = cursor.rowcount
        cursor.execute("""
            INSERT INTO registry_person (id_number_hash, id_number_encrypted, id_number_tail, name, sex, birth_date,
                phone_hash, phone_encrypted, household_address, house_id, residence_type, tags_encrypted, tags_hash,
                arrival_date, registered_on, permit_expires_on, grid_id, region_path, created_at, updated_at,
                created_by_job_id)
            SELECT s.id_number_hash, s.id_number_encrypted, s.id_number_tail, s.name, s.sex, s.birth_date,
                s.phone_hash, s.phone_encrypted, s.household_address, s.house_id, s.residence_type, s.tags_encrypted,
                s.tags_hash, s.arrival_date, s.registered_on, s.permit_expires_on, s.grid_id, s.region_path, %s, %s, %s
            FROM registry_stagedperson s WHERE s.job_id = %s
              AND NOT EXISTS (SELECT 1 FROM registry_person p WHERE p.id_number_hash = s.id_number_hash)""",
                       [now, now, job.pk, job.pk])
        created = cursor.rowcount
    _write_tags(job, joined)
    return created, updated, staged - created - updated


def _write_tags(job: ImportJob, joined: str) -> None:
    """Tag rows for everyone of the file who has tags and no tag rows (new people, and those whose tags changed)."""
    with connection.chunked_cursor() as reader:
        reader.execute(f"""SELECT p.id, s.tag_hashes {joined} WHERE s.job_id = %s AND s.tag_hashes <> ''
            AND NOT EXISTS (SELECT 1 FROM registry_persontag t WHERE t.person_id = p.id)""", [job.pk])
        while batch := reader.fetchmany(CHUNK):
            rows = [(person_id, h) for person_id, hashes in batch for h in hashes.split()]
            with connection.cursor() as cursor:
                cursor.executemany("INSERT INTO registry_persontag (person_id, tag_hash) VALUES (%s, %s)", rows)


class _DryRun(Exception):
    pass


def _apply_records(job: ImportJob, *, dry_run: bool) -> tuple[int, int, int]:
    """Houses, organisations and components through their upsert services (which validate, place and keep history);
    a dry run does the same inside a transaction that is rolled back, so its counts are exact."""
    upsert = {ImportJob.Kind.HOUSE: services.upsert_house, ImportJob.Kind.ORGANISATION: services.upsert_organisation,
              ImportJob.Kind.COMPONENT: services.upsert_component}[job.kind]
    outcomes = {"created": 0, "updated": 0, "unchanged": 0}
    source = f"import #{job.pk}: {job.file_name}"[:255]
    departments: dict[int, Department] = {}
    try:
        with transaction.atomic():
            for record in StagedRecord.objects.filter(job=job).order_by("row").iterator(chunk_size=CHUNK):
                values = dict(record.values)
                if "owner_department_id" in values:
                    dept = values.pop("owner_department_id")
                    if dept and dept not in departments:
                        departments[dept] = Department.objects.get(pk=dept)
                    values["owner_department"] = departments.get(dept) if dept else None
                _record, outcome = upsert(**values, actor=job.actor, source=source)
                outcomes[outcome] += 1
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return outcomes["created"], outcomes["updated"], outcomes["unchanged"]


# ------------------------------------------------------------------------------------------------ after the fact

def resume_stalled() -> list[int]:
    """Jobs whose worker died (no heartbeat for STALE_AFTER_SECONDS), or queued ones no worker took: claimed here
    (one claimer wins) for running again from their checkpoint."""
    limit = timezone.now() - timedelta(seconds=STALE_AFTER_SECONDS)
    stalled = ImportJob.objects.filter(
        Q(status__in=[ImportJob.Status.STAGING, ImportJob.Status.APPLYING], heartbeat_at__lt=limit)
        | Q(status=ImportJob.Status.QUEUED, heartbeat_at__isnull=True, created_at__lt=limit))
    resumed = []
    for job in stalled:
        claimed = ImportJob.objects.filter(pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at) if \
            job.heartbeat_at else ImportJob.objects.filter(pk=job.pk, status=job.status, heartbeat_at__isnull=True)
        if claimed.update(heartbeat_at=timezone.now()):
            resumed.append(job.pk)
    return resumed


def already_imported(sha256: str, kind: str) -> ImportJob | None:
    return ImportJob.objects.filter(file_sha256=sha256, kind=kind, status=ImportJob.Status.DONE,
                                    dry_run=False).first()


def problems_of(job: ImportJob) -> Iterable[ImportProblem]:
    return job.problems.order_by("row", "id").iterator(chunk_size=CHUNK)


# ---------------------------------------------------------------------------------------------- files for people

TEMPLATE_ROWS = 2000  # rows prepared as text (identity numbers, phones) and with drop-down lists


def write_template(kind: str, path: str | Path) -> Path:
    """The kind's Excel template: its headers (required ones marked *), text columns kept as text, drop-down lists,
    and a notes sheet saying what each column takes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    spec = KINDS[kind]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = spec.title
    for index, column in enumerate(spec.columns, start=1):
        cell = put(sheet, 1, index, column.header + ("*" if column.required else ""))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="C0392B" if column.required else "34495E")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
        if column.text:
            for row in range(2, TEMPLATE_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = "@"
        if column.choices:
            validation = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True)
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    for index, text in enumerate(["列", "必填", "说明", "示例"], start=1):
        put(notes, 1, index, text).font = Font(bold=True)
    for row, column in enumerate(spec.columns, start=2):
        for index, text in enumerate([column.header, "是" if column.required else "", column.help, column.example], 1):
            put(notes, row, index, text)
    put(notes, len(spec.columns) + 3, 1, "可上传本模板（.xlsx），也可上传 CSV（UTF-8 或 GBK）；表头可以不同，上传时可做列对应。")
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["C"].width = 40
    notes.column_dimensions["D"].width = 28
    workbook.properties.creator = "civicgrid"
    workbook.properties.title = f"{spec.title}导入模板"
    path = Path(path)
    workbook.save(path)
    return path


def write_error_report(job: ImportJob, path: str | Path) -> Path:
    """The problems of a job as an Excel file (row, column, value, reason), streamed; values are kept as text."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("错误")
    sheet.append(text_row(sheet, ["行", "列", "值", "原因"]))
    for problem in problems_of(job):
        sheet.append(text_row(sheet, [problem.row, problem.column, problem.value, problem.reason]))
    about = workbook.create_sheet("说明")
    kept = min(job.error_count, PROBLEMS_KEPT)
    for line in [["文件", job.file_name], ["导入编号", job.pk], ["类别", KINDS[job.kind].title],
                 ["问题数", job.error_count],
                 ["说明", "" if kept == job.error_count else f"只列出前 {kept} 个问题"],
                 ["生成时间", timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")]]:
        about.append(text_row(about, line))
    workbook.properties.creator = "civicgrid"
    path = Path(path)
    workbook.save(path)
    return path
