"""Input files: the examples, round trips, exact decimals, the skeleton, and every bad input reported in place."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen.cli import app
from reportgen.domain.checks import check
from reportgen.domain.errors import InputError
from reportgen.domain.findings import Severity
from reportgen.domain.layout import ALL_LAYOUTS, FormatVersion, get_layout
from reportgen.domain.model import OrganKind, Report
from reportgen.domain.prose import report_text
from reportgen.formats.inputs.mapping import dump, dumps, from_mapping, loads, skeleton, to_mapping
from reportgen.formats.load import load
from tests.conftest import EXAMPLES
from tests.strategies import reports

BAD = Path(__file__).parent / "data" / "bad_inputs"
SAMPLE = Path(__file__).resolve().parent / "data" / "reference" / "sample-zhaoyuan-jinling-2022.txt"
EXPECTED: dict[str, list[dict[str, str]]] = yaml.safe_load((BAD / "expected.yaml").read_text(encoding="utf-8"))

MINIMAL = "year: 2022\norgan: {name: 招远市金岭镇人民政府, kind: township}\n"


def _codes(exc: pytest.ExceptionInfo[InputError]) -> list[tuple[str, str | None]]:
    return [(f.code, f.location.path) for f in exc.value.findings]


# -- the examples -------------------------------------------------------------------------------


def test_jinling_example_is_the_sample_verbatim() -> None:
    """The 金岭镇 example holds every paragraph of the published sample, its titles, and all-zero tables."""
    report = load(EXAMPLES / "zhaoyuan-jinling-2022.yaml")
    assert report.organ.name == "招远市金岭镇人民政府"
    assert report.organ.kind is OrganKind.TOWNSHIP
    assert (report.organ.province, report.organ.city, report.organ.county) == ("山东省", "烟台市", "招远市")
    assert report.year == 2022
    for table in report.tables():
        assert all(v == 0 for v in table.values().values())
    assert report.review_litigation_note == ()
    text = report_text(report)
    assert text.overview_parts[0].title == "（一）主动公开政府信息情况"
    assert [p.key for p in text.other_matters] == [
        "processing_fee", "work_points", "proposals", "innovation", "statistics_notes", "other",
        "required_by_documents",
    ]
    assert text.other_matters[0].paragraphs == (
        "我镇依据《政府信息公开信息处理费管理办法》，2022年政府信息公开未收取任何费用，所有公开的信息都为无偿提供。",
    )
    printed = {p for _, p in text.all_paragraphs()}
    sample = SAMPLE.read_text(encoding="utf-8").replace("安排二名专\n\n职工作人员", "安排二名专职工作人员")
    body = sample.split("一、总体情况", 1)[1]
    prose_lines = [
        line.strip()
        for line in body.splitlines()
        if len(line.strip()) > 12 and "\t" not in line and not re.match(r"^[一二三四五六]、|^[（(][一二三四五六七][）)]\S{0,40}$", line)
    ]
    assert len(prose_lines) >= 16
    missing = [line for line in prose_lines if line not in printed]
    assert missing == []


def test_natural_resources_example_has_consistent_figures_in_every_table() -> None:
    """The county-department example fills every table, keeps 190.457379 exactly and passes every identity."""
    report = load(EXAMPLES / "zhaoyuan-natural-resources-2022.yaml")
    assert report.organ.kind is OrganKind.COUNTY_DEPARTMENT
    assert report.publication_date == dt.date(2023, 1, 18)
    for table in report.tables():
        assert any(v != 0 for v in table.figures.values()), table.key
    fee = report.table2.value("administrative_fees", "amount")
    assert isinstance(fee, Decimal)
    assert str(fee) == "190.457379"
    t3 = report.table3
    assert t3.count("carried_over", "total") > 0
    assert t3.count("carried_forward", "total") > 0
    for col in [c.key for c in t3.layout.columns]:
        incoming = t3.count("new_received", col) + t3.count("carried_over", col)
        assert incoming == t3.count("results_total", col) + t3.count("carried_forward", col)
    assert t3.stated[("new_received", "total")] == 17
    for group in ("review", "litigation_direct", "litigation_after_review"):
        assert report.table4.count(group, "total") > 0
    assert [f for f in check(report) if f.severity is Severity.ERROR] == []


# -- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize("version", list(FormatVersion))
@pytest.mark.parametrize("fmt", ["yaml", "json"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_dump_then_load_gives_an_equal_report(version: FormatVersion, fmt: str, data: st.DataObject) -> None:
    """YAML and JSON written by dumps() read back into an equal report (both format versions)."""
    report: Report = data.draw(reports(version))
    assert fmt in ("yaml", "json")
    text = dumps(report, "yaml" if fmt == "yaml" else "json")
    assert loads(text, "yaml" if fmt == "yaml" else "json") == report


@pytest.mark.parametrize("name", ["zhaoyuan-jinling-2022.yaml", "zhaoyuan-natural-resources-2022.yaml"])
def test_examples_round_trip_through_files(name: str, tmp_path: Path) -> None:
    """dump() writes .yaml and .json files that load() reads back into the same report."""
    report = load(EXAMPLES / name)
    for suffix in (".yaml", ".json"):
        target = dump(report, tmp_path / f"out{suffix}")
        assert load(target) == report
    assert not list(tmp_path.glob(".*.part"))


def test_to_mapping_is_json_compatible_and_exact() -> None:
    """to_mapping() gives plain JSON data; amounts are exact strings."""
    report = load(EXAMPLES / "zhaoyuan-natural-resources-2022.yaml")
    data = to_mapping(report)
    again = json.loads(json.dumps(data, ensure_ascii=False))
    assert again["table2"]["rows"]["administrative_fees"] == "190.457379"
    assert from_mapping(again) == report


def test_dump_refuses_unknown_suffix(tmp_path: Path) -> None:
    """Writing to a suffix other than .yaml/.yml/.json is an InputError, and nothing is written."""
    report = loads(MINIMAL)
    with pytest.raises(InputError) as exc:
        dump(report, tmp_path / "out.txt")
    assert exc.value.code == "IN-SUFFIX"
    assert list(tmp_path.iterdir()) == []


# -- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["0.10", "190.457379", "9116.36", "0", "12"])
def test_amounts_keep_the_precision_written(written: str) -> None:
    """An amount keeps exactly the decimals written, in YAML, JSON and quoted text, and when dumped again."""
    yaml_text = MINIMAL + f"table2: {{rows: {{administrative_fees: {written}}}}}\n"
    json_text = json.dumps({"year": 2022, "organ": {"name": "某镇人民政府"}})[:-1]
    json_text += f', "table2": {{"rows": {{"administrative_fees": {written}}}}}}}'
    quoted = MINIMAL + f"table2: {{rows: {{administrative_fees: \"{written}\"}}}}\n"
    for report in (loads(yaml_text), loads(json_text, "json"), loads(quoted)):
        value = report.table2.value("administrative_fees", "amount")
        assert isinstance(value, Decimal)
        assert format(value, "f") == written
        for fmt in ("yaml", "json"):
            again = loads(dumps(report, fmt), fmt)
            assert format(again.table2.value("administrative_fees", "amount"), "f") == written


@pytest.mark.parametrize("written", ["3", '"3"', '" 3 "', '"３"', "3.0", "+3", "003"])
def test_counts_accept_whole_numbers_in_any_spelling(written: str) -> None:
    """3, "3", " 3 ", full-width "３", 3.0 and 003 are all the count 3."""
    report = loads(MINIMAL + f"table3: {{rows: {{granted: {{natural_person: {written}}}}}}}\n")
    assert report.table3.value("granted", "natural_person") == 3


@pytest.mark.parametrize(
    ("written", "code"),
    [("1.5", "IN-FRACTION"), ('"1.5"', "IN-FRACTION"), ("-1", "IN-NEGATIVE"), ("true", "IN-TYPE"),
     ("no", "IN-TYPE"), ('"abc"', "IN-TYPE"), ('"/"', "IN-TYPE"), ('""', "IN-MISSING"), ("", "IN-MISSING"),
     ("[1]", "IN-TYPE"), (".inf", "IN-TYPE"), ("2023-01-01", "IN-TYPE")],
)
def test_counts_reject_other_values_in_place(written: str, code: str) -> None:
    """A count that is not a whole number ≥ 0 (bools included) is reported at its cell with its labels."""
    with pytest.raises(InputError) as exc:
        loads(MINIMAL + f"table3: {{rows: {{granted: {{natural_person: {written}}}}}}}\n")
    (finding,) = exc.value.findings
    assert finding.code == code
    assert finding.location.path == "$.table3.rows.granted.natural_person"
    assert (finding.location.table, finding.location.row, finding.location.column) == ("表三", "（一）予以公开", "自然人")


def test_signed_column_of_2019_format_accepts_negative_numbers() -> None:
    """The 2019 本年增/减 column may be negative; its other columns may not."""
    text = 'format_version: "2019"\n' + MINIMAL + "table2: {rows: {licensing: {previous_items: 5, change: -2}}}\n"
    report = loads(text)
    assert report.format_version is FormatVersion.V2019
    assert report.table2.value("licensing", "change") == -2


# -- text ---------------------------------------------------------------------------------------


def test_text_is_cleaned_and_paragraphs_kept() -> None:
    """XML-illegal characters go, spaces fold, one paragraph per line; a list works too."""
    text = MINIMAL + 'problems: "一是\\u0001公开   不够。\\n\\n二是普及不够。"\noverview: {intro: ["甲\\u000b段", "  乙段  "]}\n'
    report = loads(text)
    assert report.problems == ("一是公开 不够。", "二是普及不够。")
    assert report.overview.intro == ("甲段", "乙段")


def test_omitted_text_is_none_and_empty_text_is_deliberately_empty() -> None:
    """`text` left out → None (default text later); `text: []` or "" → no paragraphs."""
    report = loads(
        MINIMAL
        + "overview:\n  on_request: {title: 依申请公开}\n  platform: {text: []}\n  supervision: ''\n"
        + "review_litigation_note: []\n"
    )
    assert report.overview.on_request.paragraphs is None
    assert report.overview.platform.paragraphs == ()
    assert report.overview.supervision.paragraphs == ()
    assert report.review_litigation_note == ()
    assert loads(MINIMAL).review_litigation_note is None


def test_numbered_titles_are_stored_without_their_number() -> None:
    """（一）, (七) and 1. prefixes are dropped from titles; known items get their title when none is given."""
    report = loads(
        MINIMAL
        + "overview: {active_disclosure: {title: （一）主动公开政府信息情况}}\n"
        + "other_matters:\n  - key: processing_fee\n  - title: (七)其他事项\n    text: 无。\n"
    )
    assert report.overview.active_disclosure.title == "主动公开政府信息情况"
    assert [i.title for i in report.other_matters] == ["收取信息处理费情况", "其他事项"]


def test_section_titles_choose_among_the_official_heading_and_its_aliases() -> None:
    """section_titles picks a section's heading among its official title and layout aliases (number optional);
    the official title itself is the default and is not stored; the choice dumps and loads back."""
    alias = get_layout().section("table4").aliases[0]
    base = {"year": 2022, "organ": {"name": "招远市金岭镇人民政府", "kind": "township"}}
    report = from_mapping({**base, "section_titles": {"table4": alias.split("、", 1)[1]}})
    assert dict(report.section_titles) == {"table4": alias}
    assert report.section_title("table4") == alias
    assert report.section_title("table3") == get_layout().section("table3").title
    assert to_mapping(report)["section_titles"] == {"table4": alias}
    for fmt in ("yaml", "json"):
        assert loads(dumps(report, fmt), fmt) == report
    official = from_mapping({**base, "section_titles": {"table4": get_layout().section("table4").title}})
    assert official == from_mapping(base)
    assert "section_titles" not in to_mapping(official)
    assert hash(report) != hash(official)
    for bad in ({"table4": "四、行政复议和行政诉讼情况"}, {"table5": alias}, {"table3": alias}):
        with pytest.raises(ValueError, match="section"):
            Report(organ=report.organ, year=2022, section_titles=bad)


def test_skeleton_shows_the_section_title_choice() -> None:
    """The skeleton names section_titles with the alias as a comment; uncommented, it loads into the choice."""
    alias = get_layout().section("table4").aliases[0]
    text = skeleton(organ="招远市金岭镇人民政府", year=2022)
    line = f'# section_titles: {{table4: "{alias}"}}'
    assert line in text
    assert loads(text.replace(line, line[2:]), "yaml").section_titles == {"table4": alias}


def test_stated_totals_are_kept_apart_from_the_figures() -> None:
    """A row's `total` and table 三's `results_total` go to Table.stated, never into the data."""
    report = loads(
        MINIMAL
        + "table3:\n  rows:\n    new_received: {natural_person: 2, total: 5}\n"
        + "    results_total: {natural_person: 1}\n"
        + "table4: {rows: {review: {upheld: 1, total: 1}}}\n"
    )
    assert report.table3.stated == {("new_received", "total"): 5, ("results_total", "natural_person"): 1}
    assert report.table3.value("new_received", "total") == 2
    assert report.table4.stated == {("review", "total"): 1}


def test_dates_in_chinese_and_iso_forms() -> None:
    """publication_date accepts a YAML date, 2023-01-18 text and 2023年1月18日."""
    for written in ("2023-01-18", '"2023-01-18"', "2023年1月18日", "2023/1/18"):
        assert loads(MINIMAL + f"publication_date: {written}\n").publication_date == dt.date(2023, 1, 18)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    """A file saved by Windows Notepad with a UTF-8 BOM loads."""
    path = tmp_path / "bom.yaml"
    path.write_bytes(MINIMAL.encode("utf-8-sig"))
    assert load(path).organ.name == "招远市金岭镇人民政府"


# -- the skeleton and `reportgen new` -----------------------------------------------------------


@pytest.mark.parametrize("version", list(FormatVersion))
@pytest.mark.parametrize("preset", sorted(get_layout().other_items))
def test_skeleton_loads_and_lists_every_field(version: FormatVersion, preset: str) -> None:
    """The skeleton loads without errors and names every row and column key with its official label."""
    text = skeleton(organ="招远市金岭镇人民政府", kind="township", year=2022, preset=preset, version=version)
    report = loads(text)
    assert report.format_version is version
    assert report.year == 2022
    assert [i.title for i in report.other_matters] == [s.title for s in get_layout(version).other_items[preset]]
    layout = ALL_LAYOUTS[version]
    for table in layout.tables:
        assert table.title in text
        for row in table.rows:
            assert row.key in text
            assert row.label in text
        for col in table.columns:
            assert col.label in text
    for part in layout.overview_parts:
        assert f"{part.key}:" in text
        assert part.title in text


def test_skeleton_defaults_to_last_year() -> None:
    """Without a year the skeleton is for the year before `today`."""
    assert loads(skeleton(today=dt.date(2023, 1, 5))).year == 2022


def test_new_command_writes_refuses_and_forces(tmp_path: Path) -> None:
    """`reportgen new` writes a loadable skeleton, refuses to overwrite (exit 2), overwrites with --force."""
    runner = CliRunner()
    target = tmp_path / "金岭镇2022.yaml"
    args = ["new", "-o", str(target), "--organ", "招远市金岭镇人民政府", "--kind", "township", "--year", "2022",
            "--preset", "shandong"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = load(target)
    assert report.organ.name == "招远市金岭镇人民政府"
    assert len(report.other_matters) == 7
    target.write_text("# 已填写的内容\n", encoding="utf-8")
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "--force" in result.output
    assert target.read_text(encoding="utf-8") == "# 已填写的内容\n"
    result = runner.invoke(app, [*args, "--force"])
    assert result.exit_code == 0
    assert load(target).year == 2022
    result = runner.invoke(app, ["new", "-o", str(tmp_path / "x.json")])
    assert result.exit_code == 2
    assert not (tmp_path / "x.json").exists()


# -- bad inputs ---------------------------------------------------------------------------------


def test_bad_input_corpus_is_complete() -> None:
    """At least 30 bad inputs, each listed in expected.yaml (and nothing listed that does not exist)."""
    files = {p.name for p in BAD.iterdir() if p.name != "expected.yaml"}
    assert len(files) >= 30
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input_is_reported(name: str) -> None:
    """Loading a bad file raises InputError listing exactly the expected findings, located by path and labels."""
    path = BAD / name
    with pytest.raises(InputError) as exc:
        load(path)
    findings = exc.value.findings
    expected = EXPECTED[name]
    assert sorted(_codes(exc), key=str) == sorted(((e["code"], e["path"]) for e in expected), key=str)
    by_place = {(f.code, f.location.path): f for f in findings}
    for entry in expected:
        finding = by_place[(entry["code"], entry["path"])]
        assert finding.severity is Severity.ERROR
        assert finding.location.file == str(path)
        for field in ("table", "row", "column"):
            assert getattr(finding.location, field) == entry.get(field), (field, finding)
        if "says" in entry:
            assert entry["says"] in finding.message
        assert re.search(r"[\u4e00-\u9fff]", finding.message)
    assert str(path) in str(exc.value)


def test_all_problems_of_a_file_are_reported_at_once() -> None:
    """A file with mistakes in several sections gets one InputError listing all of them."""
    with pytest.raises(InputError) as exc:
        load(BAD / "many-problems.yaml")
    assert exc.value.code == "IN-INVALID"
    assert len(exc.value.findings) == 6


@pytest.mark.parametrize(
    ("name", "code"),
    [("missing.yaml", "IN-FILE"), ("missing.docx", "IN-FILE"), ("report.txt", "IN-SUFFIX"), ("report", "IN-SUFFIX")],
)
def test_unreadable_paths_are_input_errors(name: str, code: str, tmp_path: Path) -> None:
    """A missing file or an unknown suffix is an InputError with a code, not an OSError."""
    if code == "IN-SUFFIX":
        (tmp_path / name).write_text("year: 2022\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load(tmp_path / name)
    assert exc.value.code == code


def test_a_directory_is_an_input_error(tmp_path: Path) -> None:
    """A folder named like an input file is reported, not a traceback."""
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(InputError) as exc:
        load(tmp_path / "dir.yaml")
    assert exc.value.code == "IN-FILE"


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
    | st.decimals(allow_nan=True) | st.dates(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_keys = st.sampled_from(["year", "organ", "overview", "table2", "table3", "table4", "problems", "other_matters",
                         "processing_fee", "format_version", "publication_date", "review_litigation_note", "rows",
                         "name", "kind", "granted", "natural_person", "text", "title", "key"])
_shaped = st.recursive(_json_values, lambda inner: st.dictionaries(_keys, inner, max_size=5), max_leaves=20)


@settings(max_examples=150, deadline=None)
@given(data=_shaped)
def test_arbitrary_data_never_escapes_as_another_exception(data: Any) -> None:
    """Whatever data a file holds, from_mapping() returns a Report or raises InputError."""
    try:
        from_mapping(data)
    except InputError as exc:
        findings = exc.findings
        assert findings


@settings(max_examples=150, deadline=None)
@given(raw=st.binary(max_size=80) | st.text(max_size=80).map(lambda s: s.encode("utf-8")))
def test_arbitrary_bytes_never_escape_as_another_exception(raw: bytes) -> None:
    """Whatever bytes a file holds, loads() in YAML or JSON returns a Report or raises InputError."""
    for fmt in ("yaml", "json"):
        try:
            loads(raw, "yaml" if fmt == "yaml" else "json")
        except InputError as exc:
            findings = exc.findings
            assert findings


@pytest.mark.parametrize(("text", "fmt"), [("[" * 100_000, "yaml"), ("a: " + "{b: " * 5_000, "yaml"),
                                           ('{"a":' * 100_000, "json")])
def test_absurd_nesting_is_an_input_error_not_a_crash(text: str, fmt: str) -> None:
    """Deeply nested brackets (which crash libyaml outright) are refused with a located IN-YAML/IN-JSON."""
    with pytest.raises(InputError) as exc:
        loads(text, "json" if fmt == "json" else "yaml")
    assert exc.value.code in ("IN-YAML", "IN-JSON")
