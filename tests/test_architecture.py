"""The architecture, checked from the source: the import graph of ``reportgen/`` and the labels of the layout.

The graph is read with :mod:`ast` (every ``import``/``from … import`` of a ``reportgen`` module, at
module level or inside a function), never by importing, so a test failure names the file and line of
the offending import.  ``from reportgen.a import b`` is an edge to the module ``reportgen.a.b`` when
that is a module, else to the package ``reportgen.a``; importing a submodule is not counted as an
edge to its parent packages (Python runs their ``__init__`` too, but that is packaging, not design).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import attrs

from reportgen.domain.layout import FormatVersion, get_layout

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "reportgen"

# --------------------------------------------------------------------------------------------
# The layers, bottom first.  A module may import its own layer or any layer below, never above.
# The first matching prefix decides (so the more specific prefixes come first).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("domain", ("reportgen.domain",)),
    # The low-level file machinery every reader and writer shares: OOXML (namespaces, grids, checks,
    # zip packages) and atomic writes.  It knows no report format.
    ("formats/ooxml+_io", ("reportgen.formats.ooxml", "reportgen.formats._io")),
    # load(): picks a reader by file type, so it sits above every reader; the formats package's own
    # __init__ re-exports at this level too.
    ("formats/load", ("reportgen.formats.load", "=reportgen.formats")),
    # Everything else in formats/: the readers and the writers (one floor; see READERS/WRITERS).
    ("formats/readers+writers", ("reportgen.formats",)),
    ("pipelines", ("reportgen.pipelines",)),
    ("cli", ("reportgen.cli",)),
    # The public API and ``python -m reportgen``: on top of everything.
    ("api", ("=reportgen", "reportgen.__main__")),
)
LAYER_ORDER = ("domain", "formats/ooxml+_io", "formats/readers+writers", "formats/load", "pipelines", "cli", "api")

# Readers turn files into a Report; writers turn a Report into files.  A reader must not depend on a
# writer: reading a fill-in form must keep working whatever the writer's styling code does, and the
# geometry both need (sheet names, label rows) belongs in a shared module below or beside both —
# ``formats/excel/sheets.py`` is that module, and is neither.  Modules that still hold both a read and
# a write side (``excel/read.py``: read_form and write_form; ``excel/county.py``: the county workbook
# both ways) count as readers, so their write side cannot pull a writer into the read path.
READERS = (
    "reportgen.formats.inputs",  # YAML/JSON: parse, validate (dump and skeleton only emit text)
    "reportgen.formats.excel.read",  # the fill-in form and rendered workbooks, read side
    "reportgen.formats.excel.read",  # (the form reader, if split out of form.py)
    "reportgen.formats.excel.county",  # the county workbook, read side
    "reportgen.formats.published",  # published reports (.docx today; web pages and PDFs to come)
)
WRITERS = (
    "reportgen.formats.word",  # the .docx renderer and its template machinery
    "reportgen.formats.excel.write",  # the companion workbook
    "reportgen.formats.excel._fast",  # its openpyxl-output splitter, if split out
    "reportgen.formats.excel._tables",  # plain-table sheets (findings, summary, audit)
)
# Neither: ``formats/convert.py`` and ``formats/office/`` drive LibreOffice to convert files (.docx → PDF
# for output, .doc/.wps → .docx for reading published reports); they know no report, so both sides may
# use them.  ``formats/excel/sheets.py`` (workbook geometry) and ``formats/ooxml`` are shared likewise.
MAX_DEPTH = 7


def _matches(module: str, prefix: str) -> bool:
    if prefix.startswith("="):
        return module == prefix[1:]
    return module == prefix or module.startswith(prefix + ".")


def layer_of(module: str) -> str:
    """The layer of ``module`` (the first :data:`LAYERS` entry with a matching prefix)."""
    for name, prefixes in LAYERS:
        if any(_matches(module, p) for p in prefixes):
            return name
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in tests/test_architecture.py")


def _in(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(_matches(module, p) for p in prefixes)


@attrs.frozen
class Edge:
    """One import of a reportgen module by another."""

    source: str
    target: str
    file: str
    line: int
    in_function: bool

    def __str__(self) -> str:
        return f"{self.source} → {self.target} ({self.file}:{self.line})"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module (or package) ``name`` refers to, walking up to the nearest existing one."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, modules: dict[str, Path], file: str) -> None:
        self.module, self.is_package, self.modules, self.file = module, is_package, modules, file
        self.depth = 0
        self.edges: list[Edge] = []

    def _function(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def _add(self, target: str, node: ast.stmt) -> None:
        resolved = _resolve(target, self.modules)
        if resolved is not None and resolved != self.module and not any(
            e.target == resolved and e.line == node.lineno for e in self.edges
        ):
            self.edges.append(Edge(self.module, resolved, self.file, node.lineno, self.depth > 0))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "reportgen" or alias.name.startswith("reportgen."):
                self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            package = self.module if self.is_package else self.module.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{node.module}" if node.module else package
        else:
            base = node.module or ""
        if base != "reportgen" and not base.startswith("reportgen."):
            return
        for alias in node.names:
            full = f"{base}.{alias.name}"
            self._add(full if full in self.modules else base, node)


def import_edges() -> list[Edge]:
    """Every import of a reportgen module inside ``reportgen/``."""
    modules = _modules()
    edges: list[Edge] = []
    for module, path in modules.items():
        visitor = _Imports(module, path.name == "__init__.py", modules, str(path.relative_to(ROOT)))
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        edges.extend(visitor.edges)
    return edges


def _graph(edges: list[Edge]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in _modules()}
    for edge in edges:
        graph[edge.source].add(edge.target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def longest_path(graph: dict[str, set[str]]) -> list[str]:
    """The longest import chain (modules, importer first); cycles are cut where they close."""
    memo: dict[str, list[str]] = {}

    def walk(v: str, active: frozenset[str]) -> list[str]:
        if v in memo:
            return memo[v]
        best: list[str] = []
        for w in sorted(graph[v]):
            if w not in active:
                path = walk(w, active | {w})
                if len(path) > len(best):
                    best = path
        memo[v] = [v, *best]
        return memo[v]

    return max((walk(v, frozenset({v})) for v in sorted(graph)), key=len, default=[])


def test_no_import_cycle() -> None:
    """No module of reportgen imports, directly or through others, a module that imports it back."""
    cycles = _cycles(_graph(import_edges()))
    assert cycles == [], "import cycles: " + "; ".join(" ⇄ ".join(c) for c in cycles)


def test_no_upward_import() -> None:
    """domain → formats (ooxml/_io, then readers and writers, then load) → pipelines → cli → the public
    API: a module imports only its own layer or layers below."""
    rank = {name: i for i, name in enumerate(LAYER_ORDER)}
    assert set(rank) == {name for name, _ in LAYERS}
    upward = [
        f"{e}  [{layer_of(e.source)} → {layer_of(e.target)}]"
        for e in import_edges()
        if rank[layer_of(e.target)] > rank[layer_of(e.source)]
    ]
    assert upward == [], "upward imports:\n" + "\n".join(upward)


def test_no_reader_imports_a_writer() -> None:
    """A reader module (READERS) never imports a writer module (WRITERS), directly."""
    for prefix in READERS:
        assert not _in(prefix, WRITERS), prefix
    bad = [str(e) for e in import_edges() if _in(e.source, READERS) and _in(e.target, WRITERS)]
    assert bad == [], "readers importing writers:\n" + "\n".join(bad)


def test_no_function_level_imports() -> None:
    """Every import of a reportgen module is at module level, where the graph can be seen."""
    lazy = [str(e) for e in import_edges() if e.in_function]
    assert lazy == [], "function-level imports:\n" + "\n".join(lazy)


def component_of(module: str) -> str:
    """The part of the architecture ``module`` belongs to: the domain; a subpackage of formats or pipelines
    (``formats.excel``, ``pipelines.bulk`` …) or one of their top-level modules (``formats.load``,
    ``pipelines.generate`` …); the CLI (with ``python -m reportgen``, which only calls it); the public API.

    This is the unit the file list shows, so the depth is counted in these: a folder is one room, as the
    0.1 review counted ``excel/`` (its floors were then single modules, because the tree was flat).
    """
    parts = module.split(".")
    if module == "reportgen.__main__" or parts[1:2] == ["cli"]:
        return "reportgen.cli"
    if module == "reportgen" or parts[1] == "domain":
        return ".".join(parts[:2])
    return ".".join(parts[:3])


def component_graph(edges: list[Edge]) -> dict[str, set[str]]:
    """The import graph between :func:`component_of` components (imports inside one component dropped)."""
    graph: dict[str, set[str]] = {component_of(m): set() for m in _modules()}
    for edge in edges:
        source, target = component_of(edge.source), component_of(edge.target)
        if source != target:
            graph[source].add(target)
    return graph


def test_import_graph_at_most_seven_deep() -> None:
    """The longest chain of imports between the parts of the architecture is at most seven: public API or
    CLI → many-report pipelines → the one-report pipeline → load → a reader → the shared low level → domain."""
    path = longest_path(component_graph(import_edges()))
    assert len(path) <= MAX_DEPTH, f"import graph is {len(path)} deep (max {MAX_DEPTH}): " + " → ".join(path)


def test_domain_chain_is_short() -> None:
    """Inside the domain, the longest chain (catalogue → checks → prose → model → layout → findings) stays at six
    modules: the rules stand on the model, the model on the layout, nothing deeper."""
    graph = _graph(import_edges())
    domain = {m: {t for t in targets if t.startswith("reportgen.domain")}
              for m, targets in graph.items() if m.startswith("reportgen.domain")}
    path = longest_path(domain)
    assert len(path) <= 6, " → ".join(path)


def test_the_graph_reader_sees_imports() -> None:
    """The scan finds known arrows (so the tests above cannot pass by reading nothing)."""
    edges = {(e.source, e.target) for e in import_edges()}
    assert ("reportgen.formats.word.render", "reportgen.formats.ooxml.check") in edges
    assert ("reportgen.formats.ooxml.check", "reportgen.formats.ooxml.grid") in edges
    assert len(_modules()) > 30
    path = longest_path(_graph(import_edges()))
    assert len(path) >= 4, path


# --------------------------------------------------------------------------------------------
# Labels of the official format live in the layout only.


def layout_labels() -> set[str]:
    """Every row label, column label, table title and section title (aliases too) of the layout, both format
    versions, plus the titles of the overview parts and of the known items of 六.

    Short texts (fewer than 4 characters, such as 合计 or 其他) are left out: they are ordinary words
    that legitimately appear in messages and are not recognisably a label of the format.
    """
    labels: set[str] = set()
    for version in FormatVersion:
        layout = get_layout(version)
        for section in (*layout.sections, *layout.overview_parts):
            labels.update(section.titles)
        for items in layout.other_items.values():
            labels.update(item.title for item in items)
        for table in layout.tables:
            labels.add(table.title)
            labels.update(column.label for column in table.columns)
            for cell in table.cells:
                if cell.ref is None and cell.text:
                    labels.add(cell.text)
            for row in table.rows:
                labels.add(row.label)
    return {label for label in labels if len(label) >= 4}


def _string_literals(tree: ast.AST) -> Iterator[tuple[str, int]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value, node.lineno
        elif isinstance(node, ast.JoinedStr):  # the fixed parts of an f-string count as literals
            for part in node.values:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    yield part.value, part.lineno


def label_leaks() -> dict[str, list[str]]:
    """``{file: ["line: label", …]}`` for string literals equal to a layout label outside layout.py."""
    labels = layout_labels()
    leaks: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "domain" / "layout.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        found = [f"{line}: {text}" for text, line in _string_literals(tree) if text.strip() in labels]
        if found:
            leaks[str(path.relative_to(ROOT))] = found
    return leaks


def test_layout_labels_found() -> None:
    """The label scan knows the labels it looks for (so the next test cannot pass by looking for nothing)."""
    labels = layout_labels()
    assert "五、存在的主要问题及改进情况" in labels
    assert len(labels) > 50


def test_no_layout_label_outside_layout() -> None:
    """No module but domain/layout.py holds a string literal equal to a row/column label or section title
    of the official format: every label is derived from the layout."""
    leaks = label_leaks()
    assert leaks == {}, "labels re-typed outside layout.py:\n" + "\n".join(
        f"{file}: {', '.join(found)}" for file, found in leaks.items()
    )
