"""Hostile custom Word templates: markup from data, runaway evaluation, fetched content, bombs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reportgen.formats.word.render import default_template_path
from tests.hostile import zips
from tests.hostile.cases import CASES, Case

R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def template_bytes() -> bytes:
    return default_template_path().read_bytes()


def _document() -> str:
    return zips.read_member(template_bytes(), "word/document.xml").decode("utf-8")


def with_text(code: str) -> bytes:
    """The official template with its first ``{{ organ }}`` replaced by ``code`` (Jinja inside a w:t)."""
    return zips.replace_member(template_bytes(), "word/document.xml", _document().replace("{{ organ }}", code, 1))


def with_paragraph(xml: str) -> bytes:
    """The official template with the WordprocessingML ``xml`` added as the first block of the body."""
    document = _document()
    at = document.index("<w:body>") + len("<w:body>")
    return zips.replace_member(template_bytes(), "word/document.xml", document[:at] + xml + document[at:])


def _field(instruction: str) -> str:
    return ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">'
            f"{instruction}</w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>x</w:t></w:r>"
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')


def _split_field(first: str, second: str) -> str:
    return ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText>{first}</w:instrText></w:r><w:r><w:instrText>{second}</w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')


def _external_rel() -> bytes:
    data = template_bytes()
    rels = zips.read_member(data, "word/_rels/document.xml.rels").decode("utf-8")
    rels = rels.replace("</Relationships>", '<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/'
                        'officeDocument/2006/relationships/image" Target="http://attacker.example/x.png" '
                        'TargetMode="External"/></Relationships>')
    return zips.replace_member(data, "word/_rels/document.xml.rels", rels)


def _hyperlink_rel() -> bytes:
    data = template_bytes()
    rels = zips.read_member(data, "word/_rels/document.xml.rels").decode("utf-8")
    rels = rels.replace("</Relationships>", '<Relationship Id="rIdH" Type="http://schemas.openxmlformats.org/'
                        'officeDocument/2006/relationships/hyperlink" Target="https://www.gov.cn/" '
                        'TargetMode="External"/></Relationships>')
    return zips.replace_member(data, "word/_rels/document.xml.rels", rels)


UNSAFE = frozenset({"TPL-UNSAFE"})
FIELD = frozenset({"TPL-FIELD"})
BUDGET = frozenset({"TPL-TIMEOUT"})
TEMPLATE_CASES: dict[str, tuple[Callable[[], bytes], frozenset[str]]] = {
    # markup from data
    "safe-filter": (lambda: with_text("{{ organ|safe }}"), UNSAFE),
    "safe-in-filter-block": (lambda: with_text("{% filter safe %}{{ organ }}{% endfilter %}"), UNSAFE),
    "autoescape-false": (lambda: with_text("{% autoescape false %}{{ organ }}{% endautoescape %}"), UNSAFE),
    "autoescape-true-toggle": (lambda: with_text("{% autoescape true %}{{ organ }}{% endautoescape %}"), UNSAFE),
    "safe-via-set": (lambda: with_text("{% set x = organ|safe %}{{ x }}"), UNSAFE),
    "safe-in-macro": (lambda: with_text("{% macro m(v) %}{{ v|safe }}{% endmacro %}{{ m(organ) }}"), UNSAFE),
    "markup-global": (lambda: with_text("{{ Markup(organ) }}"), frozenset({"TPL-UNKNOWN-VAR"})),
    "dunder-class": (lambda: with_text("{{ organ.__class__ }}"), UNSAFE),
    "attr-filter-dunder": (lambda: with_text("{{ organ|attr('__class__') }}"), UNSAFE),
    # runaway evaluation
    "power-tower": (lambda: with_text("{{ 10**(10**10) }}"), BUDGET),
    "power-big": (lambda: with_text("{{ 2**100000 }}"), BUDGET),
    "repeat-string": (lambda: with_text("{{ 'x' * 10**9 }}"), BUDGET),
    "repeat-list": (lambda: with_text("{{ ([1] * 10**9)|length }}"), BUDGET),
    "nested-loops": (lambda: with_text("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"), BUDGET),
    "nested-loops-set": (lambda: with_text("{% set r = range(100000) %}{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}"), BUDGET),
    "loop-output": (lambda: with_text("{% for i in range(100000) %}{% for j in range(1000) %}{{ organ }}{% endfor %}{% endfor %}"), BUDGET),
    "namespace-doubling": (lambda: with_text("{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}"), BUDGET),
    "plus-doubling": (lambda: with_text("{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}"), BUDGET),
    "macro-doubling": (lambda: with_text("{% macro d(s, n) %}{% if n %}{{ d(s ~ s, n - 1) }}{% else %}{{ s|length }}{% endif %}{% endmacro %}{{ d('x', 60) }}"), BUDGET),
    "macro-recursion": (lambda: with_text("{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}"), frozenset({"TPL-RENDER", "TPL-TIMEOUT"})),
    "center-filter": (lambda: with_text("{{ organ|center(10**9) }}"), BUDGET),
    "indent-filter": (lambda: with_text("{{ organ|indent(10**9) }}"), BUDGET),
    "format-width": (lambda: with_text("{{ '%0999999999d'|format(1) }}"), BUDGET),
    "percent-width": (lambda: with_text("{{ '%0999999999d' % 1 }}"), BUDGET),
    "str-format-width": (lambda: with_text("{{ '{:>999999999}'.format(1) }}"), BUDGET),
    "ljust": (lambda: with_text("{{ organ.ljust(10**9) }}"), BUDGET),
    "replace-empty": (lambda: with_text("{% set s = organ * 1000 %}{{ s.replace('', s) }}"), BUDGET),
    "join-huge": (lambda: with_text("{{ organ.join(range(100000)|map('string')) * 100 }}"), BUDGET),
    # fetched content
    "includetext": (lambda: with_paragraph(_field(r' INCLUDETEXT "\\\\server\\share\\x.docx" ')), FIELD),
    "includepicture": (lambda: with_paragraph(_field(' INCLUDEPICTURE "http://attacker.example/x.png" \\d ')), FIELD),
    "link": (lambda: with_paragraph(_field(' LINK Excel.Sheet.8 "C:\\\\x.xls" "Sheet1" ')), FIELD),
    "dde": (lambda: with_paragraph(_field(' DDE "cmd" "/c calc" ')), FIELD),
    "ddeauto": (lambda: with_paragraph(_field(' DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc" ')), FIELD),
    "import": (lambda: with_paragraph(_field(' IMPORT "http://attacker.example/x.wmf" ')), FIELD),
    "split-includetext": (lambda: with_paragraph(_split_field(" INCLUDE", 'TEXT "x.docx" ')), FIELD),
    "lowercase-include": (lambda: with_paragraph(_field(' includetext "x.docx" ')), FIELD),
    "fldsimple": (lambda: with_paragraph('<w:p><w:fldSimple w:instr=\' INCLUDEPICTURE "http://a.example/x.png" \'>'
                                         "<w:r><w:t>x</w:t></w:r></w:fldSimple></w:p>"), FIELD),
    "variable-in-field": (lambda: with_paragraph(_field(" HYPERLINK {{ organ }} ")), FIELD),
    "variable-in-fldsimple": (lambda: with_paragraph("<w:p><w:fldSimple w:instr='QUOTE {{ organ }}'><w:r><w:t>x</w:t>"
                                                     "</w:r></w:fldSimple></w:p>"), FIELD),
    "external-image": (_external_rel, FIELD),
    "hyperlink-allowed": (_hyperlink_rel, frozenset({"OK"})),
    "page-field-allowed": (lambda: with_paragraph(_field(" PAGE ")), frozenset({"OK"})),
    # packages
    "not-a-zip": (lambda: b"not a template", frozenset({"TPL-NOT-DOCX"})),
    "media-4gb": (lambda: zips.forged_size(zips.replace_member(template_bytes(), "word/media/big.png", b"\x89PNG"),
                                           "word/media/big.png", 4 * 1024**3 - 1), frozenset({"IN-ZIP-BOMB"})),
    "bomb-media": (lambda: zips.with_bomb(template_bytes(), "word/media/bomb.png", 500), frozenset({"IN-ZIP-BOMB"})),
    "xxe-document": (lambda: zips.replace_member(template_bytes(), "word/document.xml",
                                                 '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                                                 + _document().split("?>", 1)[1]), frozenset({"TPL-XML"})),
    "garbage-document": (lambda: zips.replace_member(template_bytes(), "word/document.xml", "<w:document>"),
                         frozenset({"TPL-XML"})),
    "no-content-types": (lambda: zips.package({"word/document.xml": _document()}), frozenset({"TPL-NOT-DOCX"})),
}


def _build(name: str, make: Callable[[], bytes]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / f"{name}.docx"
        path.write_bytes(make())
        return path
    return build


for _name, (_make, _codes) in TEMPLATE_CASES.items():
    CASES.append(Case(f"template-{_name}", "template", "template", _build(_name, _make), _codes))


@(lambda build: CASES.append(Case("template-dev-zero", "template", "template", build, frozenset({"IN-TOO-LARGE"}))))
def _dev_zero(folder: Path) -> Path:
    return Path("/dev/zero")


HOSTILE_TEXT = (
    '</w:t></w:r></w:p><w:p><w:fldSimple w:instr="INCLUDETEXT \\\\server\\share\\x"><w:r><w:t>x</w:t></w:r>'
    "</w:fldSimple></w:p><w:p><w:r><w:t>{{ 7*7 }}{% raw %}&amp;<![CDATA[x]]>"
)
"""User data that would become markup (a paragraph, a fetching field) if anything let it through."""
