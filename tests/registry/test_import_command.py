"""`civicgrid registry ...`: what an operator types and reads."""

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from civicgrid.registry.models import ImportJob, Person

from .test_import import houses, write_csv  # noqa: F401  (fixture)
from .test_registry import id_number

pytestmark = pytest.mark.django_db


def test_template_then_import_then_a_clear_refusal(tree, houses, tmp_path, capsys):  # noqa: F811
    a, _ = houses
    template = tmp_path / "人口模板.xlsx"
    call_command("registry", "template", str(template), "--kind", "person")
    workbook = load_workbook(template)
    sheet = workbook["实有人口"]
    assert sheet["A1"].value == "公民身份号码*" and sheet["A2"].number_format == "@"
    for row, values in ((2, [id_number(seq="111"), "王建国", None, None, "13812345678", a.address]),
                        (3, [id_number(seq="222"), "李梅", "男", None, None, a.address])):  # 222: a woman's number
        for column, value in enumerate(values, start=1):  # typed into the template's first rows, as in Excel
            sheet.cell(row=row, column=column, value=value)
    workbook.save(template)
    with pytest.raises(CommandError) as refused:
        call_command("registry", "import", str(template), "--kind", "person", "--errors", str(tmp_path / "e.xlsx"))
    assert "row 3 性别: does not match the identity number" in str(refused.value)
    assert "nothing was imported" in str(refused.value) and not Person.objects.exists()
    assert load_workbook(tmp_path / "e.xlsx")["错误"]["D2"].value == "does not match the identity number"
    call_command("registry", "import", str(template), "--kind", "person", "--skip-invalid")
    assert "created 1, updated 0, unchanged 0, problems 1" in capsys.readouterr().out


def test_sync_imports_each_new_file_of_a_folder_once(tree, houses, tmp_path, capsys):  # noqa: F811
    a, _ = houses
    drop = tmp_path / "drop"
    drop.mkdir()
    write_csv(drop / "20261124.csv", [[id_number(seq="111"), "王建国", "", a.address, "", "", ""]])
    call_command("registry", "sync", str(drop), "--kind", "person")
    write_csv(drop / "20261125.csv", [[id_number(seq="111"), "王建国", "13812345678", a.address, "", "", ""],
                                      [id_number(seq="222"), "李梅", "", a.address, "", "", ""]])
    call_command("registry", "sync", str(drop), "--kind", "person")
    out = capsys.readouterr().out
    assert "1 new file(s) of 1" in out and "1 new file(s) of 2" in out
    assert "created 1, updated 1, unchanged 0" in out
    assert Person.objects.count() == 2 and ImportJob.objects.filter(status="done").count() == 2
    with pytest.raises(CommandError, match="no such file"):
        call_command("registry", "import", str(tmp_path / "none.csv"), "--kind", "person")
    with pytest.raises(CommandError, match="write HEADER=field"):
        call_command("registry", "import", str(drop / "20261125.csv"), "--kind", "person", "--map", "x")
