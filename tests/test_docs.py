"""The documentation is executable: every ```python block in docs/*.md runs, and generated docs are current.

Blocks of one page run in order in one namespace (a later block may use names from an earlier one),
with the repository root as the working directory.  A block whose fence reads ```python no-run is shown
but not run (for snippets that need LibreOffice, the network or files a reader has).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scripts.gen_input_docs import DOC_PATH as INPUT_DOC
from scripts.gen_input_docs import main as gen_input_docs_main
from scripts.gen_input_docs import render as render_input_doc

ROOT = Path(__file__).resolve().parents[1]
_FENCE = re.compile(r"^```python([^\n]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """``(line number, code)`` of every runnable ```python block in a Markdown text."""
    blocks = []
    for match in _FENCE.finditer(text):
        if "no-run" in match.group(1):
            continue
        line = text.count("\n", 0, match.start()) + 1
        blocks.append((line, match.group(2)))
    return blocks


def test_fence_parser_finds_blocks_and_honours_no_run() -> None:
    """The block finder returns python blocks with their line numbers and skips ```python no-run."""
    text = "# t\n```python\nx = 1\n```\n```bash\nls\n```\n```python no-run\nboom()\n```\n"
    assert python_blocks(text) == [(2, "x = 1\n")]


DOCS = sorted((ROOT / "docs").glob("*.md"))
EXAMPLE_PAGES = [p for p in [*DOCS, ROOT / "README.md"] if python_blocks(p.read_text(encoding="utf-8"))]


def test_pages_with_examples_are_found() -> None:
    """The quick start, the API page and the README carry runnable examples (so the test below runs them)."""
    assert {"index.md", "api.md", "README.md"} <= {p.name for p in EXAMPLE_PAGES}


@pytest.mark.parametrize("page", EXAMPLE_PAGES, ids=[p.name for p in EXAMPLE_PAGES])
def test_python_examples_in_docs_run(page: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every ```python block of the page runs without error, from a copy of the repository's examples.

    The blocks write outputs (``out/``) relative to the working directory, so they run in a temporary
    folder that links ``examples/`` and ``tests/`` of the repository — the repository stays clean.
    """
    blocks = python_blocks(page.read_text(encoding="utf-8"))
    for name in ("examples", "tests"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs.{page.stem}"}
    for line, code in blocks:
        compiled = compile(code, f"{page.relative_to(ROOT)}:{line}", "exec")
        exec(compiled, namespace)


def test_input_format_doc_is_current() -> None:
    """docs/input-format.md is what scripts/gen_input_docs.py generates (rerun it after a layout change)."""
    assert INPUT_DOC.read_text(encoding="utf-8") == render_input_doc()
    assert gen_input_docs_main(["--check"]) == 0


def test_input_format_doc_lists_every_key_and_label() -> None:
    """The reference names every row and column key of both formats with its official label."""
    from reportgen.domain.layout import ALL_LAYOUTS

    text = INPUT_DOC.read_text(encoding="utf-8")
    for layout in ALL_LAYOUTS.values():
        for table in layout.tables:
            for row in table.rows:
                assert f"`{row.key}`" in text
                assert row.label in text
            for col in table.columns:
                assert f"`{col.key}`" in text
                assert col.label in text
