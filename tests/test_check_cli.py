"""``reportgen check``: findings as a table or JSON, exit status 0 / 1 / 2, cross-year with --previous."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result

from reportgen.cli import app
from tests.conftest import EXAMPLES

ZHAOYUAN = EXAMPLES / "zhaoyuan-jinling-2022.yaml"


def clean_mapping() -> dict[str, Any]:
    """A consistent all-zero township report in the input format (no findings)."""
    return {
        "year": 2022,
        "publication_date": dt.date(2023, 1, 18),
        "organ": {"name": "招远市金岭镇人民政府", "kind": "township"},
        "overview": {
            "intro": "2022年金岭镇人民政府深入贯彻落实《中华人民共和国政府信息公开条例》。",
            "active_disclosure": "主动公开机构职能、办公地址等信息。",
            "information_management": "成立政务信息工作领导小组。",
            "platform": "向政府网站上传内容19条。",
            "supervision": "开展线上培训2次。",
        },
        "problems": "一是公开不够。二是普及不够。",
    }


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def base_mapping() -> dict[str, Any]:
    """The Zhaoyuan example when it is there, else the clean township mapping."""
    if ZHAOYUAN.exists():
        data: dict[str, Any] = yaml.safe_load(ZHAOYUAN.read_text(encoding="utf-8"))
        return data
    return clean_mapping()


def with_new_natural_person(data: dict[str, Any], value: int) -> dict[str, Any]:
    table3 = data.setdefault("table3", {}) or {}
    data["table3"] = table3
    rows = table3.setdefault("rows", {}) or {}
    table3["rows"] = rows
    row = rows.get("new_received") or {}
    rows["new_received"] = row
    row["natural_person"] = value
    return data


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["check", *args])


def test_zhaoyuan_example_has_no_errors() -> None:
    """The real sample report (招远市金岭镇 2022) passes: exit 0."""
    result = run(str(ZHAOYUAN))
    assert result.exit_code == 0, result.output
    assert "错误 0 条" in result.output


def test_clean_file_exits_0(tmp_path: Path) -> None:
    """A consistent report: exit 0, '未发现问题' and the summary line."""
    result = run(str(write(tmp_path / "ok.yaml", clean_mapping())))
    assert result.exit_code == 0, result.output
    assert "未发现问题" in result.output
    assert "共检查 1 个文件：错误 0 条，警告 0 条" in result.output


def test_broken_balance_exits_1_and_names_the_cell(tmp_path: Path) -> None:
    """本年新收 · 自然人 set to 1: exit 1; the output names 表三, the row, the column, expected 0 and actual 1."""
    data = with_new_natural_person(base_mapping(), 1)
    result = run(str(write(tmp_path / "bad.yaml", data)))
    assert result.exit_code == 1, result.output
    out = result.output
    for text in ("T3-BALANCE", "错误", "表三", "一、本年新收政府信息公开申请数量", "自然人", "= 1", "= 0"):
        assert text in out
    line = next(line for line in out.splitlines() if "T3-BALANCE" in line)
    cells = [cell.strip() for cell in line.split("│")]
    assert cells[3:6] == ["表三 / 自然人", "0", "1"]


def test_json_output(tmp_path: Path) -> None:
    """--json gives per-file records with code, severity, location labels, expected and actual."""
    data = with_new_natural_person(base_mapping(), 1)
    result = run("--json", str(write(tmp_path / "bad.yaml", data)))
    assert result.exit_code == 1
    (record,) = json.loads(result.stdout)
    assert record["readable"] is True
    balance = [f for f in record["findings"] if f["code"] == "T3-BALANCE"]
    assert len(balance) == 1
    (finding,) = balance
    assert finding["severity"] == "error"
    assert finding["location"]["table"] == "表三"
    assert finding["location"]["column"] == "自然人"
    assert finding["location"]["file"].endswith("bad.yaml")
    assert (finding["expected"], finding["actual"]) == (0, 1)


def test_unreadable_file_exits_2_and_others_are_still_checked(tmp_path: Path) -> None:
    """A missing file and an invalid one are reported (exit 2) while the readable files are still checked."""
    bad = write(tmp_path / "bad.yaml", with_new_natural_person(clean_mapping(), 1))
    broken = tmp_path / "broken.yaml"
    broken.write_text("year: [unclosed\n", encoding="utf-8")
    result = run(str(tmp_path / "missing.yaml"), str(broken), str(bad))
    assert result.exit_code == 2, result.output
    out = result.output
    assert "missing.yaml" in out
    assert "broken.yaml" in out
    assert out.count("无法读取") >= 2
    assert "T3-BALANCE" in out
    assert "无法读取 2 个" in out


def test_json_unreadable_file(tmp_path: Path) -> None:
    """--json marks an unreadable file with its error code and located findings."""
    result = run("--json", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2
    (record,) = json.loads(result.stdout)
    assert record["readable"] is False
    assert record["error"]["code"].startswith("IN-")
    assert record["findings"]
    assert all(f["location"]["file"].endswith("missing.yaml") for f in record["findings"])


def last_year() -> dict[str, Any]:
    """Last year's consistent input: two 商业企业 applications carried forward into this year."""
    last = clean_mapping()
    last["year"] = 2021
    last["publication_date"] = dt.date(2022, 1, 20)
    last["problems"] = "一是公开形式单一。"
    # Last year's own words: the same paragraphs would be PROSE-COPIED warnings.
    last["overview"] = {"intro": "2021年金岭镇人民政府认真做好政府信息公开工作，各项工作稳步推进。"}
    last["table3"] = {"rows": {"new_received": {"commercial": 2}, "carried_forward": {"commercial": 2}}}
    return last


def test_previous_year_carry_over(tmp_path: Path) -> None:
    """--previous: last year's 结转下年度 not matching this year's 上年结转 is a warning (exit 0)."""
    last = last_year()
    current = clean_mapping()
    # 上年结转 written down (as 0): it is kept, and compared with last year's 结转下年度.
    current["table3"] = {"rows": {"carried_over": {"commercial": 0}}}
    this = write(tmp_path / "2022.yaml", current)
    previous = write(tmp_path / "2021.yaml", last)
    result = run(str(this), "--previous", str(previous))
    assert result.exit_code == 0, result.output
    assert "T3-CARRY-OVER" in result.output
    assert "商业企业" in result.output
    assert "警告 1 条" in result.output


def test_previous_fills_carried_over_as_render_does(tmp_path: Path) -> None:
    """--previous fills a 上年结转 row the input leaves out, so check and render agree."""
    last = last_year()
    current = clean_mapping()
    current["table3"] = {"rows": {"granted": {"commercial": 2}}}  # the two carried-over applications, done
    this = write(tmp_path / "2022.yaml", current)
    previous = write(tmp_path / "2021.yaml", last)
    assert run(str(this)).exit_code == 1  # alone: 2 results out of nothing break the balance
    result = run(str(this), "--previous", str(previous))
    assert result.exit_code == 0, result.output
    assert "T3-CARRY-OVER" not in result.output


def test_previous_of_another_organ_is_not_used(tmp_path: Path) -> None:
    """Last year's report of another organ never fills 上年结转; a PREVIOUS-MISMATCH warning says why."""
    last = last_year()
    last["organ"] = {"name": "招远市另一个镇人民政府", "kind": "township"}
    this = write(tmp_path / "2022.yaml", clean_mapping())
    previous = write(tmp_path / "2021.yaml", last)
    result = run(str(this), "--previous", str(previous))
    assert result.exit_code == 0, result.output
    assert "PREVIOUS-MISMATCH" in result.output
    assert "T3-BALANCE" not in result.output


def test_help_is_bilingual() -> None:
    """The command's help is in Chinese with English alongside."""
    result = CliRunner().invoke(app, ["check", "--help"])
    assert result.exit_code == 0
    assert "检查报告数据与勾稽关系" in result.output
    assert "check reports" in result.output
    assert "--previous" in result.output
    assert "--json" in result.output
