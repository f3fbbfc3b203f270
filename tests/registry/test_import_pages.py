"""The import pages: upload, the job's counts and problems, the dry run then the real import, downloads."""

import io

import pytest
from openpyxl import load_workbook

from civicgrid.people.models import Role
from civicgrid.registry.models import ImportJob, Person

from .test_import import houses, write_csv  # noqa: F401  (fixture)
from .test_registry import id_number

pytestmark = pytest.mark.django_db


def upload(client, path, **options):
    with open(path, "rb") as f:
        return client.post("/registry/imports/", {"kind": "person", "file": f, **options})


def test_a_dry_run_then_the_real_import(tree, houses, people, client, tmp_path):  # noqa: F811
    a, _ = houses
    client.force_login(people[Role.DATA_ADMIN])
    path = write_csv(tmp_path / "居民.csv", [[id_number(seq="111"), "王建国", "13812345678", a.address, "", "", ""]],
                     encoding="gb18030")
    answer = upload(client, path, dry_run="1")
    job = ImportJob.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/registry/imports/{job.pk}/"
    page = client.get(answer["Location"]).content.decode()
    assert "居民.csv" in page and 'id="count-created">1<' in page and "确认导入此文件" in page
    assert not Person.objects.exists()
    answer = client.post(f"/registry/imports/{job.pk}/apply/")
    done = ImportJob.objects.exclude(pk=job.pk).get()
    assert answer["Location"] == f"/registry/imports/{done.pk}/" and done.status == "done"
    assert Person.objects.count() == 1
    progress = client.get(f"/registry/imports/{done.pk}/progress/").json()
    assert progress["status"] == "done" and progress["created"] == 1 and progress["progress"] == 100


def test_problems_are_listed_and_downloadable_and_jobs_are_private(tree, houses, people, client, tmp_path):  # noqa: F811
    a, _ = houses
    client.force_login(people[Role.DATA_ADMIN])
    path = write_csv(tmp_path / "bad.csv", [['=HYPERLINK("http://x")', "王建国", "", a.address, "", "", ""]])
    job_url = upload(client, path)["Location"]
    page = client.get(job_url).content.decode()
    assert "不是 18 位" in page and "公民身份号码" in page  # the job ran in the request's language
    report = client.get(job_url + "errors.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content)))["错误"]
    assert sheet["C2"].value.startswith("=HYPERLINK") and sheet["C2"].data_type == "s"  # text, never a formula
    client.force_login(people[Role.COMMUNITY_STAFF])
    assert client.get(job_url).status_code == 403  # not an importer
    other = people[Role.DATA_ADMIN].__class__.objects.create_user("data2", password="x", role=Role.DATA_ADMIN)
    client.force_login(other)
    assert client.get(job_url).status_code == 404  # someone else's import


def test_upload_form_errors_say_what_and_keep_the_options(tree, people, client, tmp_path):
    client.force_login(people[Role.DATA_ADMIN])
    page = client.post("/registry/imports/", {"kind": "person", "mapping": "没有等号", "skip_invalid": "1"})
    body = page.content.decode()
    assert page.status_code == 200 and 'role="alert"' in body
    assert 'name="skip_invalid" value="1" checked' in body and not ImportJob.objects.exists()
    template = client.get("/registry/imports/template/house.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(template.streaming_content))).worksheets[0]
    assert sheet["A1"].value == "房屋地址*"
