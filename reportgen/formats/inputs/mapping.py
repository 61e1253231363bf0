"""Input files: YAML and JSON in and out, validated at the edge with every problem reported at once.

The format is the shared contract in ``docs/input-format.md``.  Reading goes in three steps, each of
which turns a user's mistake into located :class:`~reportgen.domain.findings.Finding` records rather than
a traceback::

    bytes ──decode──▶ text ──parse──▶ plain data ──validate──▶ Report
          IN-ENCODING      IN-YAML/IN-JSON     IN-UNKNOWN-KEY, IN-TYPE, IN-NEGATIVE, …

The validator walks the whole document before giving up, so one :class:`~reportgen.domain.errors.InputError`
lists every problem of a file, each with its path (``$.table3.rows.granted.natural_person``) and, for
figures, the table, row and column labels from :mod:`reportgen.domain.layout`.

Amounts (万元) never pass through ``float``: YAML floats are built as :class:`~decimal.Decimal` from
their source text and JSON is parsed with ``parse_float=Decimal``, so ``0.10`` stays ``0.10``.
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, TypeAlias

import attrs
import yaml

from reportgen.domain import limits
from reportgen.domain.carry import Read, carry_over
from reportgen.domain.codes import (
    IN_DUPLICATE_KEY,
    IN_EMPTY,
    IN_ENCODING,
    IN_ENUM,
    IN_FILE,
    IN_INVALID,
    IN_JSON,
    IN_MISSING,
    IN_SECTION_TITLE,
    IN_SUFFIX,
    IN_TEXT_LENGTH,
    IN_TOO_LARGE,
    IN_TOO_MANY,
    IN_UNKNOWN_KEY,
    IN_YAML,
    IN_YAML_ALIAS,
    ITEM_TITLE_MISSING,
    ORGAN_NAME_MISSING,
    Code,
    Findings,
    actual_of,
    section_title_params,
)
from reportgen.domain.errors import InputError
from reportgen.domain.findings import Finding, Location
from reportgen.domain.layout import (
    ALL_LAYOUTS,
    FORMAT_DOCUMENT,
    PROCESSING_FEE_ITEM,
    FigureKind,
    FormatLayout,
    FormatVersion,
    TableLayout,
    get_layout,
)
from reportgen.domain.model import (
    PART_KEYS,
    Figure,
    Organ,
    OrganKind,
    OtherItem,
    Overview,
    Prose,
    Report,
    Subsection,
    Table,
    clean_paragraphs,
    clean_text,
)
from reportgen.domain.prose import numbered, strip_number
from reportgen.domain.values import (
    InvalidValue,
    describe,
    parse_date,
    parse_figure,
    parse_organ_kind,
    parse_version,
    parse_year,
)
from reportgen.formats._io import atomic_write_text

try:  # libyaml is several times faster; bulk runs load thousands of files
    from yaml import CSafeDumper as _BaseDumper
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeDumper as _BaseDumper  # type: ignore[assignment]
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

__all__ = [
    "FORMATS",
    "Format",
    "dump",
    "dumps",
    "from_mapping",
    "loads",
    "read_file",
    "read_mapping",
    "read_path",
    "read_text",
    "skeleton",
    "to_mapping",
]

Format: TypeAlias = Literal["yaml", "json"]
FORMATS: Mapping[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}
"""File suffixes read and written as YAML or JSON."""

TOP_KEYS = (
    "format_version",
    "year",
    "publication_date",
    "organ",
    "section_titles",
    "overview",
    "table2",
    "table3",
    "table4",
    "review_litigation_note",
    "problems",
    "other_matters",
    "processing_fee",
)
ORGAN_KEYS = ("name", "kind", "province", "city", "county")
PART_FIELDS = ("title", "text")
ITEM_KEYS = ("key", "title", "text")


# --------------------------------------------------------------------------------------------
# Parsing: YAML with exact decimals and duplicate-key detection; JSON likewise.


class _Map(dict[Any, Any]):
    """A parsed mapping that remembers keys written twice (the parsers would silently keep the last)."""

    duplicates: list[tuple[Any, int | None]]

    def __init__(self) -> None:
        super().__init__()
        self.duplicates = []

    def put(self, key: Any, value: Any, line: int | None) -> None:
        """Set ``key`` (an unhashable one — a list or mapping written as a key — by its text), remembering a key
        written twice with its ``line``."""
        try:
            hash(key)
        except TypeError:
            key = str(key)
        if key in self:
            self.duplicates.append((key, line))
        self[key] = value


class _Limit(Exception):
    """A limit of :mod:`reportgen.domain.limits` hit while composing or constructing (becomes an InputError)."""

    def __init__(self, code: Code, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line


class _Loader(_BaseLoader):
    """Safe YAML loader: floats as exact ``Decimal``, no octal surprises, bad dates kept as text.

    The composed node graph is checked before anything is constructed (:func:`_check_graph`): a
    billion-laughs document is a small graph whose aliases make every walk of it exponential.
    """

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        _check_graph(node)
        return self.construct_document(node)


def _check_graph(root: yaml.Node) -> None:
    """Refuse more than MAX_YAML_ALIASES aliases, any alias (a node reached twice) as a mapping key, a
    recursive alias, more than MAX_YAML_KEYS keys in one mapping, and a document whose aliases expanded
    would exceed MAX_YAML_NODES nodes. Linear in the size of the node graph (the expanded size is counted
    once per distinct node), so a billion-laughs document is refused before anything walks it."""
    size: dict[int, int] = {}
    open_: set[int] = set()
    keys: set[int] = set()
    aliases = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        ident = id(node)
        if done:
            open_.discard(ident)
            total = 1 + sum(size[id(child)] for child in _children(node))
            if total > limits.MAX_YAML_NODES:
                raise _Limit(IN_YAML_ALIAS if aliases else IN_TOO_LARGE,
                             f"YAML 展开后超过 {limits.MAX_YAML_NODES} 个节点的上限（别名展开或文件过大），不是报告输入文件。",
                             node.start_mark.line + 1)
            size[ident] = total
            continue
        if ident in size or ident in open_:
            aliases += 1
            line = node.start_mark.line + 1
            if ident in open_:
                raise _Limit(IN_YAML_ALIAS, "YAML 别名（*name）引用了自身（递归结构），不是报告输入文件。", line)
            if aliases > limits.MAX_YAML_ALIASES:
                raise _Limit(IN_YAML_ALIAS, f"YAML 别名（*name）超过 {limits.MAX_YAML_ALIASES} 个上限（疑似实体膨胀攻击）；"
                             "报告输入文件用不到这么多别名。", line)
            if ident in keys:
                raise _Limit(IN_YAML_ALIAS, "YAML 别名（*name）不能用作键。", line)
            continue
        open_.add(ident)
        stack.append((node, True))
        if isinstance(node, yaml.MappingNode):
            if len(node.value) > limits.MAX_YAML_KEYS:
                raise _Limit(IN_TOO_MANY, f"一个映射中有 {len(node.value)} 个键，超过 {limits.MAX_YAML_KEYS} 个上限。",
                             node.start_mark.line + 1)
            for key, _ in node.value:
                if id(key) in size or id(key) in open_:
                    raise _Limit(IN_YAML_ALIAS, "YAML 别名（*name）不能用作键。", key.start_mark.line + 1)
                keys.add(id(key))
        stack.extend((child, False) for child in reversed(_children(node)))


_PRESCAN_CHARS = 256 * 1024
"""Inputs longer than this (real ones are under 50 KB) are scanned event by event first, so that 200,000 keys
are refused after the first few thousand instead of after composing (and resolving) all of them."""


def _prescan(text: str) -> None:
    """Refuse too many keys in a mapping, nodes or aliases while parsing events, before anything is composed."""
    loader = _Loader(text)
    counts: list[int] = []
    nodes = aliases = 0
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                nodes += 1
                if counts:
                    counts[-1] += 1
                    if counts[-1] > 2 * limits.MAX_YAML_KEYS + 1 and event.start_mark is not None:
                        raise _Limit(IN_TOO_MANY, f"一个映射或列表中的条目超过 {limits.MAX_YAML_KEYS} 个上限。",
                                     event.start_mark.line + 1)
                if nodes > limits.MAX_YAML_NODES:
                    raise _Limit(IN_TOO_LARGE, f"YAML 文件的节点超过 {limits.MAX_YAML_NODES} 个上限，不是报告输入文件。")
                if isinstance(event, yaml.AliasEvent):
                    aliases += 1
                    if aliases > limits.MAX_YAML_ALIASES:
                        raise _Limit(IN_YAML_ALIAS, f"YAML 别名（*name）超过 {limits.MAX_YAML_ALIASES} 个上限（疑似实体膨胀攻击）。",
                                     event.start_mark.line + 1 if event.start_mark else None)
                if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                    counts.append(0)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                counts.pop()
    finally:
        loader.dispose()


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> Decimal | str:
    text = str(loader.construct_scalar(node))
    cleaned = text.replace("_", "")
    specials = {".inf": "Infinity", "+.inf": "Infinity", "-.inf": "-Infinity", ".nan": "NaN"}
    try:
        return Decimal(specials.get(cleaned.lower(), cleaned))
    except InvalidOperation:
        return text  # e.g. YAML 1.1 sexagesimal "1:30.5": reported later as not a number


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int | str:
    text = str(loader.construct_scalar(node))
    cleaned = text.replace("_", "")
    if re.fullmatch(r"[-+]?[0-9]+", cleaned):
        return int(cleaned, 10)  # "010" is ten, not YAML 1.1 octal eight
    if ":" in cleaned:
        return text  # sexagesimal "1:30" is a typing mistake here, not ninety
    try:
        value: int = yaml.SafeLoader.construct_yaml_int(loader, node)
    except ValueError:
        return text
    return value


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> dt.date | str:
    try:
        value = yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return str(loader.construct_scalar(node))  # 2023-02-30: reported later with its path
    if isinstance(value, dt.datetime):
        return value.date()
    assert isinstance(value, dt.date)
    return value


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    result = _Map()
    for key_node, value_node in node.value:
        result.put(loader.construct_object(key_node, deep=True), loader.construct_object(value_node, deep=True),
                   key_node.start_mark.line + 1)
    return result


_STR, _INT, _FLOAT, _BOOL, _NULL, _MAP, _SEQ, _MERGE, _TIMESTAMP = (f"tag:yaml.org,2002:{t}" for t in (
    "str", "int", "float", "bool", "null", "map", "seq", "merge", "timestamp"))
_DECIMAL_INT = re.compile(r"[-+]?[0-9]+")


def _construct(loader: _Loader, node: yaml.Node, seen: dict[int, Any]) -> Any:
    """The value of ``node``, as :class:`_Loader` constructs it, without PyYAML's generic construction machinery.

    An input is a few hundred plain scalars in mappings: a direct walk builds them in a third of the time
    ``construct_document`` takes.  Aliases share the value of their anchor (``seen``); merge keys and any
    tag other than the plain ones go through the loader's own constructors.
    """
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        if tag == _STR:
            return node.value
        if tag == _INT:
            cleaned = node.value.replace("_", "")
            if _DECIMAL_INT.fullmatch(cleaned):
                return int(cleaned, 10)
            return _construct_int(loader, node)
        if tag == _NULL:
            return None
        if tag == _FLOAT:
            return _construct_float(loader, node)
        if tag == _BOOL:
            return loader.construct_yaml_bool(node)
        return loader.construct_object(node, deep=True)
    key = id(node)
    if key in seen:
        return seen[key]
    if isinstance(node, yaml.MappingNode) and tag == _MAP:
        if any(k.tag == _MERGE for k, _ in node.value):
            value = loader.construct_object(node, deep=True)
        else:
            result = seen[key] = _Map()
            for key_node, value_node in node.value:
                result.put(_construct(loader, key_node, seen), _construct(loader, value_node, seen),
                           key_node.start_mark.line + 1)
            return result
    elif isinstance(node, yaml.SequenceNode) and tag == _SEQ:
        items: list[Any] = []
        seen[key] = items
        items.extend(_construct(loader, item, seen) for item in node.value)
        return items
    else:
        value = loader.construct_object(node, deep=True)
    seen[key] = value
    return value


class _Fallback(Exception):
    """The document uses YAML that :func:`_build` leaves to the general path (see there)."""


_FAST_MAX_DEPTH = 64
"""Nesting :func:`_build` handles; deeper documents (real ones nest 5 levels) take the general path."""
_PLAIN_CACHE_CHARS = 40
"""Plain scalars up to this length are resolved once per process (``0``, key names): most of an input."""
_PLAIN_CACHE_SIZE = 8192
_plain_values: dict[str, Any] = {}
_SCALAR_EVENT, _MAP_START, _MAP_END, _SEQ_START, _SEQ_END = (
    yaml.ScalarEvent, yaml.MappingStartEvent, yaml.MappingEndEvent, yaml.SequenceStartEvent, yaml.SequenceEndEvent)
_NO_KEY = object()


def _plain(loader: _Loader, text: str) -> Any:
    """The value of the plain (unquoted) scalar ``text`` as :func:`_construct` builds it; cached when short."""
    value = _plain_values.get(text, _NO_KEY)
    if value is not _NO_KEY:
        return value
    tag: str = loader.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    if tag == _STR:
        value = text
    elif tag == _INT:
        cleaned = text.replace("_", "")
        value = int(cleaned, 10) if _DECIMAL_INT.fullmatch(cleaned) else _construct_int(loader, yaml.ScalarNode(tag, text))
    elif tag == _NULL:
        value = None
    elif tag == _FLOAT:
        value = _construct_float(loader, yaml.ScalarNode(tag, text))
    elif tag == _BOOL:
        value = loader.construct_yaml_bool(yaml.ScalarNode(tag, text))
    elif tag == _TIMESTAMP:
        value = _construct_timestamp(loader, yaml.ScalarNode(tag, text))
    else:  # merge keys (<<), "=" and anything a resolver may add
        raise _Fallback
    if len(text) <= _PLAIN_CACHE_CHARS and len(_plain_values) < _PLAIN_CACHE_SIZE:
        _plain_values[text] = value  # every value built here is immutable, so sharing it is safe
    return value


def _build(text: str) -> Any:
    """Plain data from ``text``, built straight from libyaml's events: what :func:`_construct` builds from the
    composed node graph, in a third of the time (no node objects, no per-scalar resolver call).

    Only the YAML real inputs use is handled here: mappings with scalar keys, sequences and untagged scalars.
    Anything else — an anchor or alias, an explicit tag, a merge key, a complex key, nesting deeper than
    :data:`_FAST_MAX_DEPTH`, a limit of :mod:`reportgen.domain.limits` reached, more than one document and
    every syntax error — raises :class:`_Fallback`, and the general path (compose, :func:`_check_graph`,
    :func:`_construct`) reads the document and words its errors; so both give the same data and the same errors.
    """
    loader = _Loader(text)
    try:
        get = loader.get_event
        plain_values = _plain_values
        get()  # StreamStartEvent
        event: Any = get()  # libyaml's event classes, read by attribute
        if isinstance(event, yaml.StreamEndEvent):
            return None  # no document (only comments): as get_single_node
        if not isinstance(event, yaml.DocumentStartEvent):  # pragma: no cover - libyaml's event grammar
            raise _Fallback
        stack: list[Any] = []  # the open containers, innermost last
        keys: list[Any] = []  # per open container: a mapping's key awaiting its value (_NO_KEY: none)
        key_line = 0
        nodes = 0
        root: Any = None
        while True:
            event = get()
            kind = type(event)
            if kind is _SCALAR_EVENT:
                if event.anchor is not None or event.tag is not None:
                    raise _Fallback
                value = event.value
                if event.implicit[0]:  # a plain scalar: most are short and seen before (the cache of _plain)
                    value = plain_values.get(value, _NO_KEY)
                    if value is _NO_KEY:
                        value = _plain(loader, event.value)
                opened = False
            elif kind is _MAP_START or kind is _SEQ_START:
                if event.anchor is not None or event.tag is not None or len(stack) >= _FAST_MAX_DEPTH:
                    raise _Fallback
                value = _Map() if kind is _MAP_START else []
                opened = True
            elif kind is _MAP_END or kind is _SEQ_END:
                done = stack.pop()
                keys.pop()
                if not stack:
                    root = done
                    break
                continue
            else:  # an alias
                raise _Fallback
            nodes += 1
            if nodes > limits.MAX_YAML_NODES:
                raise _Fallback
            if stack:
                parent = stack[-1]
                if type(parent) is list:
                    parent.append(value)
                else:
                    key = keys[-1]
                    if key is _NO_KEY:
                        if opened:
                            raise _Fallback  # a mapping or list as a key
                        keys[-1] = value
                        key_line = event.start_mark.line + 1
                        continue
                    if len(parent) + len(parent.duplicates) >= limits.MAX_YAML_KEYS:
                        raise _Fallback  # one entry more than the limit (written twice or not)
                    if key in parent:  # _Map.put inlined: the hot path, and a plain scalar key is hashable
                        parent.duplicates.append((key, key_line))
                    parent[key] = value
                    keys[-1] = _NO_KEY
            elif not opened:
                root = value
                break
            if opened:
                stack.append(value)
                keys.append(_NO_KEY)
        if not isinstance(get(), yaml.DocumentEndEvent) or not isinstance(get(), yaml.StreamEndEvent):
            raise _Fallback  # e.g. a second document: the general path says so
        return root
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError):
        raise _Fallback from None
    finally:
        loader.dispose()


_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _json_object(pairs: list[tuple[str, Any]]) -> _Map:
    if len(pairs) > limits.MAX_YAML_KEYS:
        raise _Limit(IN_TOO_MANY, f"一个 JSON 对象中有 {len(pairs)} 个键，超过 {limits.MAX_YAML_KEYS} 个上限。")
    result = _Map()
    for key, value in pairs:
        result.put(key, value, None)
    return result


def _file_error(code: Code, message: str, source: str | None, **location: Any) -> InputError:
    return InputError.single(code.code, code.message(detail=message), Location(file=source, **location))


def _decode(data: bytes, source: str | None) -> str:
    """UTF-8 text of ``data`` (a BOM is dropped); ``IN-ENCODING`` with the byte offset otherwise."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start
        line = data[:offset].count(b"\n") + 1
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            hint = "文件似乎是 UTF-16 编码（记事本“Unicode”）。"
        else:
            try:
                data.decode("gb18030")
                hint = "文件似乎是 GBK/GB18030 编码。"
            except UnicodeDecodeError:
                hint = ""
        message = (
            f"文件不是 UTF-8 编码：第 {offset} 字节（从 0 起计，位于第 {line} 行）的 0x{data[offset]:02X} "
            f"无法按 UTF-8 解读。{hint}请将文件另存为 UTF-8 编码后重试。"
        )
        raise _file_error(IN_ENCODING, message, source, path="$") from None


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


_MAX_DEPTH = 200
"""Real inputs nest a few levels; libyaml crashes the process (not an exception) on tens of thousands."""
_BRACKETS = re.compile(r"[\[\]{}]")


def _too_deep(text: str) -> bool:
    """Whether flow brackets may nest deeper than :data:`_MAX_DEPTH` (brackets in quoted text counted too)."""
    if text.count("[") + text.count("{") <= _MAX_DEPTH:
        return False  # the common case, decided without a scan
    depth = 0
    for match in _BRACKETS.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
        if depth > _MAX_DEPTH:
            return True
    return False


def _parse(text: str, fmt: Format, source: str | None) -> Any:
    """Plain data from ``text``; syntax errors become ``IN-YAML``/``IN-JSON`` with line and column."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise InputError.single(IN_EMPTY.code, IN_EMPTY.message(what="文件", hint="：应为一份报告的输入数据（可用 reportgen new 生成模板）"),
                                Location(file=source, path="$"))
    if len(text) > limits.MAX_INPUT_BYTES:
        raise _file_error(IN_TOO_LARGE, f"输入有 {len(text)} 个字符，超过 {limits.MAX_INPUT_BYTES} 的上限。", source, path="$")
    try:
        return _parse_limited(text, fmt, source)
    except _Limit as exc:
        where = f"（第 {exc.line} 行）" if exc.line else ""
        raise _file_error(exc.code, exc.message + where, source, path="$") from None
    except MemoryError:
        raise _file_error(IN_TOO_LARGE, "输入文件太大，无法在内存中读取。", source, path="$") from None


def _parse_limited(text: str, fmt: Format, source: str | None) -> Any:
    if fmt == "json":
        try:
            return json.loads(text, parse_float=Decimal, object_pairs_hook=_json_object, parse_constant=str)
        except json.JSONDecodeError as exc:
            message = f"JSON 语法错误（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}。"
            raise _file_error(IN_JSON, message, source, path="$") from None
        except RecursionError:
            raise _file_error(IN_JSON, "JSON 嵌套层次过深，不是报告输入文件。", source, path="$") from None
        except ValueError as exc:  # e.g. an integer of more than 4300 digits
            raise _file_error(IN_JSON, f"JSON 无法解析：{exc}", source, path="$") from None
    if _too_deep(text):
        message = f"YAML 嵌套层次过深（超过 {_MAX_DEPTH} 层方括号或花括号），不是报告输入文件。"
        raise _file_error(IN_YAML, message, source, path="$")
    try:
        if len(text) > _PRESCAN_CHARS:
            _prescan(text)
        try:
            return _build(text)
        except _Fallback:
            pass  # the general path below reads it (and words its errors)
        loader = _Loader(text)  # _Loader derives from the safe loader
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            # The direct constructor bypasses _Loader.get_single_data: the graph is checked here as there.
            _check_graph(node)
            return _construct(loader, node, {})
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else "位置不明"
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        message = f"YAML 语法错误（{where}）：{problem}。常见原因：缩进不一致、冒号后缺空格、引号未闭合、用了 Tab 缩进。"
        raise _file_error(IN_YAML, message, source, path="$") from None
    except yaml.reader.ReaderError as exc:
        line, col = _line_col(text, exc.position)
        message = f"YAML 不能包含字符 U+{exc.character:04X}（第 {line} 行第 {col} 列）；请删除该控制字符。"
        raise _file_error(IN_YAML, message, source, path="$") from None
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        # The parser's remaining failure modes (very deep nesting, odd tags); the user still gets a located error.
        message = f"YAML 无法解析：{exc}"
        raise _file_error(IN_YAML, message, source, path="$") from None


# --------------------------------------------------------------------------------------------
# Validation: walk the whole document, collect every problem, then build the model.


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MAX_SUGGESTIONS = 50
"""Unknown keys of one input that get a "did you mean" (difflib is quadratic in the key's length)."""
_MAX_SUGGEST_CHARS = 100
"""Keys longer than this are quoted shortened and get no suggestion."""


def _join(path: str, key: object) -> str:
    if isinstance(key, str) and _IDENT.fullmatch(key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(str(key), ensure_ascii=False)}]"


_KNOWN_ITEMS = {spec.key: spec for specs in get_layout().other_items.values() for spec in specs}


@attrs.define
class _Validator:
    """Walks one input document; every problem becomes a finding instead of stopping the walk."""

    source: str | None
    found: Findings = attrs.field(init=False)
    layout: FormatLayout = attrs.Factory(get_layout)
    organ_name: str | None = None
    unknown_keys: int = 0
    """Unknown keys reported so far (only the first :data:`_MAX_SUGGESTIONS` get a suggestion)."""
    omitted: set[tuple[str, str]] = attrs.Factory(set)
    """``(table, row)`` of the table rows the input leaves out (for :func:`reportgen.domain.carry.carry_over`)."""

    def __attrs_post_init__(self) -> None:
        self.found = Findings(file=self.source)

    @property
    def findings(self) -> list[Finding]:
        """Every problem found so far."""
        return self.found.items

    # -- reporting ---------------------------------------------------------------------------

    def problem(
        self,
        code: Code,
        path: str,
        *,
        table: str | None = None,
        row: str | None = None,
        column: str | None = None,
        expected: str | int | Decimal | None = None,
        actual: object = None,
        **params: object,
    ) -> None:
        location = Location(path=path, table=table, row=row, column=column)
        self.found.add(code, location, expected=expected, actual=actual_of(actual), **params)

    def too_long(self, path: str, length: int) -> None:
        """``IN-TEXT-LENGTH``: one paragraph (or line of text) longer than MAX_TEXT_CHARS."""
        self.problem(IN_TEXT_LENGTH, path, detail=f"一段文字有 {length} 个字符，超过 {limits.MAX_TEXT_CHARS} 个字符的上限"
                     "（Word、LibreOffice 打不开这样长的段落）；请分成几段（每段一行）。", actual=length)

    def wrong_type(self, path: str, expected: str, value: object, **where: str | None) -> None:
        self.found.wrong_type(Location(path=path, **where), expected, value)

    # -- structure ---------------------------------------------------------------------------

    def mapping(self, value: object, path: str, what: str, **where: str | None) -> dict[Any, Any] | None:
        """``value`` if it is a mapping (duplicate keys reported); ``None`` if absent or of another type."""
        if value is None:
            return None
        if not isinstance(value, dict):
            self.wrong_type(path, f"{what}（键: 值 的映射）", value, **where)
            return None
        for key, line in getattr(value, "duplicates", ()):
            at = f"（第 {line} 行）" if line else ""
            self.problem(IN_DUPLICATE_KEY, _join(path, key), key=key, line=at, actual=str(key), **where)
        return value

    def unknown_key(
        self,
        path: str,
        key: object,
        allowed: Sequence[str],
        *,
        labels: Mapping[str, str] | None = None,
        other_version: Sequence[str] = (),
        hint: str = "",
        **where: str | None,
    ) -> None:
        """``IN-UNKNOWN-KEY`` for ``key``, suggesting the closest valid key (also matching Chinese labels)."""
        text = str(key)
        if len(text) > _MAX_SUGGEST_CHARS:
            text = text[:_MAX_SUGGEST_CHARS] + "…"
        suggestion = None
        if labels:
            by_label = {label: k for k, label in labels.items()}
            suggestion = by_label.get(text) or next(
                (k for label, k in by_label.items()
                 if text and len(text) <= _MAX_SUGGEST_CHARS and (text in label or label in text)), None
            )
        self.unknown_keys += 1
        if len(text) > _MAX_SUGGEST_CHARS or self.unknown_keys > _MAX_SUGGESTIONS:
            pass  # a bounded search: thousands of unknown keys (or a huge one) get no "did you mean"
        elif suggestion is None and text not in other_version:
            close = difflib.get_close_matches(text.lower(), list(allowed), n=1, cutoff=0.6)
            suggestion = close[0] if close else None
        if text in other_version:
            other = next(v for v in FormatVersion if v is not self.layout.version)
            message = (
                f"“{text}”是 {other.value} 年格式（{FORMAT_DOCUMENT[other]}）的键，本报告按 "
                f"{self.layout.version.value} 年格式（{self.layout.document}）填写"
                f"（format_version: \"{self.layout.version.value}\"）。"
            )
        else:
            message = f"未知的键“{text}”。"
        if suggestion:
            message += f"是否应为 {suggestion}？"
            if labels and suggestion in labels:
                message += f"（{labels[suggestion]}）"
        else:
            message += f"此处可用的键：{'、'.join(allowed)}。"
        self.problem(IN_UNKNOWN_KEY, _join(path, key), detail=message + hint, expected=suggestion, actual=text, **where)

    def fields(
        self,
        data: dict[Any, Any],
        path: str,
        allowed: Sequence[str],
        *,
        labels: Mapping[str, str] | None = None,
        other_version: Sequence[str] = (),
        hints: Mapping[str, str] | None = None,
        **where: str | None,
    ) -> dict[str, Any]:
        """The entries of ``data`` whose keys are ``allowed``; the others are reported (with ``hints[key]``)."""
        known: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(key, str) and key in allowed:
                known[key] = value
            else:
                hint = (hints or {}).get(key, "") if isinstance(key, str) else ""
                self.unknown_key(path, key, allowed, labels=labels, other_version=other_version, hint=hint, **where)
        return known

    # -- scalars -----------------------------------------------------------------------------

    def text(self, value: object, path: str) -> str | None:
        """One line of text; numbers and dates are taken as written (a title ``2022`` is text)."""
        if value is None:
            return None
        if isinstance(value, str):
            if len(value) > limits.MAX_TEXT_CHARS:
                self.too_long(path, len(value))
                return None
            return clean_text(value)
        if isinstance(value, bool) or not isinstance(value, (int, Decimal, dt.date)):
            self.wrong_type(path, "文本", value)
            return None
        return str(value) if not isinstance(value, dt.date) else value.isoformat()

    def prose(self, value: object, path: str) -> Prose | None:
        """Paragraphs from a string (one per line) or a list of strings; ``None`` when absent."""
        if value is None:
            return None
        if isinstance(value, list):
            lines: list[str] = []
            for i, item in enumerate(value):
                line = self.text(item, f"{path}[{i}]") if item is not None else ""
                if line is not None:
                    lines.append(line)
            return clean_paragraphs(lines)
        if isinstance(value, str):
            paragraphs = clean_paragraphs(value)
            for i, paragraph in enumerate(paragraphs):
                if len(paragraph) > limits.MAX_TEXT_CHARS:
                    self.too_long(f"{path}（第 {i + 1} 段）", len(paragraph))
                    return None
            return paragraphs
        self.wrong_type(path, "文本（每行一段）或文本列表", value)
        return None

    def figure(self, value: object, path: str, kind: FigureKind, **where: str | None) -> Figure | None:
        """A count, signed count or amount per :data:`reportgen.domain.layout.FigureKind`."""
        if kind == "amount":
            return self.amount(value, path, table=where.get("table"), row=where.get("row"), column=where.get("column"))
        return self._parsed(value, path, kind, "万元", **where)

    def amount(self, value: object, path: str, *, unit: str = "万元", **where: str | None) -> Decimal | None:
        """An amount ≥ 0 with at most six decimal places, exactly as written."""
        amount = self._parsed(value, path, "amount", unit, **where)
        return None if amount is None else Decimal(amount)

    def _parsed(self, value: object, path: str, kind: FigureKind, unit: str = "万元", **where: str | None) -> Figure | None:
        """:func:`reportgen.domain.values.parse_figure` where a 0 must be written; a reason becomes a located finding."""
        try:
            return parse_figure(value, kind, blank="error")
        except InvalidValue as exc:
            self.found.figure(exc, value, Location(path=path, **where), kind, unit=unit)
        return None

    # -- top level ---------------------------------------------------------------------------

    def report(self, data: object) -> Report | None:
        """The report in ``data``, or ``None`` when problems were found (they are in ``findings``)."""
        if data is None:
            self.problem(IN_EMPTY, "$", what="文件", hint="：文件没有内容（只有注释或空白），应为一份报告的输入数据")
            return None
        top = self.mapping(data, "$", "一份报告的数据")
        if top is None:
            return None
        version = self.format_version(top.get("format_version"))
        self.layout = get_layout(version)
        fields = self.fields(top, "$", TOP_KEYS)
        year = self.year(fields.get("year"))
        publication_date = self.date(fields.get("publication_date"), "$.publication_date")
        organ = self.organ(fields.get("organ"))
        section_titles = self.section_titles(fields.get("section_titles"))
        overview = self.overview(fields.get("overview"))
        tables = {key: self.table(fields.get(key), key) for key in ("table2", "table3", "table4")}
        note = self.prose(fields.get("review_litigation_note"), "$.review_litigation_note")
        problems = self.prose(fields.get("problems"), "$.problems")
        other = self.other_matters(fields.get("other_matters"))
        fee = fields.get("processing_fee")
        processing_fee = (
            Decimal(0) if fee is None else self.amount(fee, "$.processing_fee", unit="元",
                                                  table=self.layout.section("other_matters").title)
        )
        if self.findings or organ is None or year is None or processing_fee is None or overview is None:
            return None
        try:
            return Report(
                organ=organ,
                year=year,
                format_version=version,
                publication_date=publication_date,
                overview=overview,
                table2=tables["table2"],
                table3=tables["table3"],
                table4=tables["table4"],
                review_litigation_note=note,
                problems=problems or (),
                other_matters=other,
                processing_fee=processing_fee,
                section_titles=section_titles,
            )
        except (ValueError, TypeError) as exc:  # the model's own invariants; the edge should have caught them
            self.problem(IN_INVALID, "$", detail=f"数据不能构成一份报告：{exc}")
            return None

    def format_version(self, value: object) -> FormatVersion:
        try:
            return parse_version(value)
        except InvalidValue:
            self.found.version(value, Location(path="$.format_version"))
            return FormatVersion.V2021

    def section_titles(self, value: object) -> dict[str, str]:
        """``{section key: heading}``: each the official title or one of its layout aliases (number optional)."""
        path = "$.section_titles"
        data = self.mapping(value, path, "各部分的标题（部分的键: 标题）")
        if data is None:
            return {}
        sections = self.layout.sections
        fields = self.fields(data, path, [s.key for s in sections], labels={s.key: s.title for s in sections})
        chosen: dict[str, str] = {}
        for key, raw in fields.items():
            spec = self.layout.section(key)
            text = self.text(raw, _join(path, key))
            if not text:
                continue  # null or "": the official heading
            try:
                chosen[key] = spec.heading(text)
            except ValueError:
                self.problem(IN_SECTION_TITLE, _join(path, key), table=spec.title, expected=spec.title, actual=text,
                             **section_title_params(spec, text))
        return chosen

    def year(self, value: object) -> int | None:
        try:
            return parse_year(value)
        except InvalidValue:
            self.found.year(value, Location(path="$.year"))
            return None

    def date(self, value: object, path: str) -> dt.date | None:
        try:
            return parse_date(value)
        except InvalidValue:
            self.found.date(value, Location(path=path))
            return None

    def organ(self, value: object) -> Organ | None:
        path = "$.organ"
        data = self.mapping(value, path, "行政机关信息")
        if data is None:
            if value is None:
                self.problem(IN_MISSING, path, what="行政机关信息 organ", hint="，至少写 organ: {name: 机关全称}")
            return None
        fields = self.fields(data, path, ORGAN_KEYS)
        raw_name = fields.get("name")
        name = self.text(raw_name, f"{path}.name")
        if raw_name is None:
            self.problem(IN_MISSING, f"{path}.name", **ORGAN_NAME_MISSING)
        elif name == "":
            self.problem(IN_EMPTY, f"{path}.name", what="机关名称", hint="：应为机关全称，如 招远市金岭镇人民政府")
        kind = self.organ_kind(fields.get("kind"))
        places = {k: self.text(fields.get(k), f"{path}.{k}") or "" for k in ("province", "city", "county")}
        if not name or kind is None:
            return None
        self.organ_name = name
        return Organ(name=name, kind=kind, **places)

    def organ_kind(self, value: object) -> OrganKind | None:
        if value is None:
            return OrganKind.OTHER
        try:
            return parse_organ_kind(value)
        except InvalidValue:
            self.found.organ_kind(value, Location(path="$.organ.kind"))
            return None

    # -- prose sections ----------------------------------------------------------------------

    def overview(self, value: object) -> Overview | None:
        path = "$.overview"
        data = self.mapping(value, path, "总体情况")
        if data is None:
            return Overview()
        labels = {spec.key: spec.title for spec in self.layout.overview_parts}
        fields = self.fields(data, path, ("intro", *PART_KEYS), labels=labels)
        parts: dict[str, Subsection] = {}
        for key in PART_KEYS:
            if key in fields:
                parts[key] = self.subsection(fields[key], f"{path}.{key}")
        intro = self.prose(fields.get("intro"), f"{path}.intro")
        return Overview(intro=intro or (), **parts)

    def subsection(self, value: object, path: str) -> Subsection:
        if isinstance(value, dict):
            data = self.mapping(value, path, "小节") or {}
            fields = self.fields(data, path, PART_FIELDS)
            title = self.text(fields.get("title"), f"{path}.title")
            paragraphs = self.prose(fields.get("text"), f"{path}.text")
            return Subsection(title=clean_text(strip_number(title)) if title else None, paragraphs=paragraphs)
        return Subsection(paragraphs=self.prose(value, path))

    def other_matters(self, value: object) -> tuple[OtherItem, ...]:
        path = "$.other_matters"
        if value is None:
            return ()
        if not isinstance(value, list):
            self.wrong_type(path, "事项列表（每项以 - 开头，含 title 和 text）", value)
            return ()
        if len(value) > limits.MAX_OTHER_ITEMS:
            self.problem(IN_TOO_MANY, path, detail=f"其他需要报告的事项有 {len(value)} 项，超过 {limits.MAX_OTHER_ITEMS} 项的上限。",
                         actual=len(value))
            return ()
        items: list[OtherItem] = []
        for i, entry in enumerate(value):
            item_path = f"{path}[{i}]"
            data = self.mapping(entry, item_path, "事项（title、text）")
            if data is None:
                if entry is None:
                    self.problem(IN_MISSING, item_path, what="事项的内容", hint="：应写 title（标题）和 text（正文）")
                continue
            fields = self.fields(data, item_path, ITEM_KEYS)
            key = self.item_key(fields.get("key"), f"{item_path}.key")
            title = self.text(fields.get("title"), f"{item_path}.title")
            title = clean_text(strip_number(title)) if title else title
            paragraphs = self.prose(fields.get("text"), f"{item_path}.text")
            if not title:
                if key in _KNOWN_ITEMS:
                    title = _KNOWN_ITEMS[key].title
                elif title is None and fields.get("title") is None:
                    self.problem(IN_MISSING, f"{item_path}.title", **ITEM_TITLE_MISSING)
                    continue
                else:
                    self.problem(IN_EMPTY, f"{item_path}.title", what="事项标题")
                    continue
            items.append(OtherItem(title=title, key=key, paragraphs=paragraphs))
        return tuple(items)

    def item_key(self, value: object, path: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, str) and value.strip() in _KNOWN_ITEMS:
            return value.strip()
        known = list(_KNOWN_ITEMS)
        close = difflib.get_close_matches(str(value), known, n=1, cutoff=0.6)
        hint = f"是否应为 {close[0]}？" if close else ""
        allowed = "、".join(f"{k}（{spec.title}）" for k, spec in _KNOWN_ITEMS.items())
        self.problem(IN_ENUM, path, allowed=allowed, found=describe(value), hint=hint,
                     expected=close[0] if close else None, actual=value)
        return None

    # -- tables ------------------------------------------------------------------------------

    def table(self, value: object, key: str) -> Table:
        layout = self.layout.table(key)
        path = f"$.{key}"
        where = f"表{layout.number}"
        figures: dict[tuple[str, str], Figure] = {}
        stated: dict[tuple[str, str], Figure] = {}
        data = self.mapping(value, path, f"{layout.title}的数据", table=where)
        fields = self.fields(data, path, ("rows",), hints=_row_hints(layout), table=where) if data is not None else {}
        rows = self.mapping(fields.get("rows"), f"{path}.rows", "各行数据", table=where)
        for row_key, row_value in (rows or {}).items():
            if not isinstance(row_key, str) or not layout.has_row(row_key):
                other_layouts = [lay.table(key) for lay in ALL_LAYOUTS.values() if lay is not self.layout]
                other_rows = [r.key for t in other_layouts for r in t.rows if not layout.has_row(r.key)]
                row_labels = {r.key: r.label for r in layout.rows}
                self.unknown_key(f"{path}.rows", row_key, [r.key for r in layout.rows], labels=row_labels,
                                 other_version=other_rows, table=where)
                continue
            self.row(layout, row_key, row_value, f"{path}.rows.{row_key}", figures, stated)
        self.omitted.update((key, r.key) for r in layout.rows if r.key not in (rows or {}))
        try:
            return Table.from_figures(key, figures, version=self.layout.version, stated=stated)
        except ValueError as exc:  # cannot happen for validated figures; keep the walk going regardless
            self.problem(IN_INVALID, path, detail=f"{where}数据无效：{exc}", table=where)
            return Table.from_figures(key, version=self.layout.version)

    def row(
        self,
        layout: TableLayout,
        row_key: str,
        value: object,
        path: str,
        figures: dict[tuple[str, str], Figure],
        stated: dict[tuple[str, str], Figure],
    ) -> None:
        row = layout.row(row_key)
        if value is None:
            return
        # Where a finding points (table and row label) is made only for a finding, not for every row read.
        if not isinstance(value, dict):
            where = {"table": layout.name, "row": layout.row_label(row_key)}
            if len(row.columns) == 1 and not isinstance(value, list):
                ref = (row_key, row.columns[0])
                col = layout.column(ref[1])
                number = self.figure(value, path, col.kind, column=col.label, **where)
                if number is not None:
                    (stated if layout.is_computed(ref) else figures)[ref] = number
                return
            example = ", ".join(f"{c}: 0" for c in row.columns[:3])
            self.wrong_type(path, f"各列数字的映射，如 {{{example}{', …' if len(row.columns) > 3 else ''}}}", value,
                            **where)
            return
        if getattr(value, "duplicates", None):
            data = self.mapping(value, path, "各列数字", table=layout.name, row=layout.row_label(row_key)) or {}
        else:
            data = value  # a mapping without duplicate keys: nothing for mapping() to report
        spec = _row_spec(layout, row_key)
        col_labels = spec.labels
        for col_key, cell in data.items():
            column = spec.columns.get(col_key) if isinstance(col_key, str) else None
            if column is not None and type(cell) is int and (cell >= 0 or column.kind == "signed"):
                # A whole number written as one (nearly every cell): parse_figure would return it as it is.
                ref, kind, computed = column.ref, column.kind, column.computed
                (stated if computed else figures)[ref] = Decimal(cell) if kind == "amount" else cell
                continue
            where = {"table": layout.name, "row": layout.row_label(row_key)}
            if column is None:
                in_table = {c.key for c in layout.columns}
                hint = f"（“{row.label}”这一行只有列 {'、'.join(row.columns)}）" if col_key in in_table else ""
                other_cols = [
                    c.key
                    for lay in ALL_LAYOUTS.values()
                    if lay is not self.layout
                    for c in lay.table(layout.key).columns
                    if c.key not in in_table
                ]
                self.unknown_key(path, col_key, list(row.columns), labels=col_labels, other_version=other_cols,
                                 hint=hint, **where)
                continue
            ref = (row_key, col_key)
            number = self.figure(cell, _join(path, col_key), layout.kind(ref), column=col_labels[col_key], **where)
            if number is not None:
                (stated if layout.is_computed(ref) else figures)[ref] = number


@attrs.frozen
class _Cell:
    ref: tuple[str, str]
    kind: FigureKind
    computed: bool


@attrs.frozen
class _RowSpec:
    """What validating one row needs of the layout, worked out once per row (not once per cell and input)."""

    labels: dict[str, str]
    columns: dict[str, _Cell]


_ROW_SPECS: dict[tuple[int, str], _RowSpec] = {}
_ROW_HINTS: dict[int, tuple[TableLayout, dict[str, str]]] = {}


def _row_hints(layout: TableLayout) -> dict[str, str]:
    """For a row key written beside ``rows:`` instead of under it: where it belongs (once per layout table)."""
    known = _ROW_HINTS.get(id(layout))
    if known is None or known[0] is not layout:
        hint = f"表格各行应写在 rows: 下，如 {layout.key}: {{rows: {{{layout.rows[0].key}: …}}}}。"
        known = _ROW_HINTS[id(layout)] = (layout, {r.key: hint for r in layout.rows})
    return known[1]


def _row_spec(layout: TableLayout, row_key: str) -> _RowSpec:
    key = (id(layout), row_key)  # layouts are module-level singletons (get_layout), so id() is stable
    spec = _ROW_SPECS.get(key)
    if spec is None:
        row = layout.row(row_key)
        spec = _RowSpec(
            labels={c: layout.column(c).label for c in row.columns},
            columns={c: _Cell((row_key, c), layout.kind((row_key, c)), layout.is_computed((row_key, c)))
                     for c in row.columns},
        )
        _ROW_SPECS[key] = spec
    return spec


def _read(validator: _Validator, data: object) -> Read:
    report = validator.report(data)
    found = validator.found
    found.organ = validator.organ_name
    found.items[:] = [f.with_context(organ=validator.organ_name) for f in found.items]
    if report is None and not found:  # pragma: no cover - every None result records why
        found.add(IN_INVALID, Location(path="$"), detail="数据不能构成一份报告。")
    found.raise_if_any("输入文件有 {n} 处问题，未能读取。", location=Location(file=validator.source))
    assert report is not None
    return Read(report, frozenset(validator.omitted))


def read_mapping(data: object, *, source: str | None = None) -> Read:
    """The report in plain data (parsed YAML/JSON) and the table rows it leaves out (see :func:`from_mapping`)."""
    return _read(_Validator(source), data)


def read_text(text: str | bytes, fmt: Format = "yaml", *, source: str | None = "<string>") -> Read:
    """The report in YAML or JSON text and the table rows it leaves out (see :func:`loads`)."""
    if fmt not in ("yaml", "json"):
        raise ValueError(f"fmt must be 'yaml' or 'json', not {fmt!r}")
    if isinstance(text, bytes):
        text = _decode(text, source)
    return read_mapping(_parse(text, fmt, source), source=source)


def read_path(path: str | Path) -> Read:
    """The report in the YAML or JSON file at ``path`` and the table rows it leaves out (see :func:`read_file`)."""
    file = Path(path)
    fmt = FORMATS.get(file.suffix.lower())
    if fmt is None:
        raise ValueError(f"not a YAML or JSON file name: {file}")
    try:
        size = file.stat().st_size
        if size > limits.MAX_INPUT_BYTES:
            raise _file_error(IN_TOO_LARGE, f"文件有 {size // (1024 * 1024)} MB，超过 "
                              f"{limits.MAX_INPUT_BYTES // (1024 * 1024)} MB 的上限。", str(file), path="$")
        with file.open("rb") as stream:  # at most the limit (a device or a growing file cannot run on)
            # Read the size stat gave (a buffer of the limit's size costs more than parsing a small input),
            # then whatever a growing file or a device adds, up to the limit.
            data = stream.read(size + 1)
            if len(data) > size:
                data += stream.read(limits.MAX_INPUT_BYTES + 1 - len(data))
        if len(data) > limits.MAX_INPUT_BYTES:
            raise _file_error(IN_TOO_LARGE, f"文件超过 {limits.MAX_INPUT_BYTES // (1024 * 1024)} MB 的上限。",
                              str(file), path="$")
    except FileNotFoundError:
        raise _file_error(IN_FILE, "文件不存在。", str(file)) from None
    except IsADirectoryError:
        raise _file_error(IN_FILE, "这是一个文件夹，不是输入文件。", str(file)) from None
    except OSError as exc:
        raise _file_error(IN_FILE, f"无法读取文件：{exc.strerror or exc}。", str(file)) from None
    return read_text(data, fmt, source=str(file))


def from_mapping(data: object, *, source: str | None = None, previous: Report | None = None) -> Report:
    """A :class:`Report` from plain data (parsed YAML/JSON), validated at once.

    :param data: a mapping in the input format (see ``docs/input-format.md``).
    :param source: the file name to put in messages.
    :param previous: last year's report; when the input has no ``table3.rows.carried_over`` row, 上年结转
        is taken from its 结转下年度继续办理 (a row given in the input, even all zeros, is kept) — a
        convenience for :func:`reportgen.domain.carry.carry_over` after reading.
    :raises InputError: listing every problem, each with its path, e.g. ``$.table3.rows.granted.natural_person``.
    """
    read = read_mapping(data, source=source)
    return carry_over(read.report, previous, read.omitted)


def loads(
    text: str | bytes, fmt: Format = "yaml", *, source: str | None = "<string>", previous: Report | None = None
) -> Report:
    """A :class:`Report` from YAML or JSON text (or UTF-8 bytes; a BOM is accepted).

    ``previous``: as for :func:`from_mapping`.

    :raises InputError: for syntax errors (with line and column), bad encodings (with the byte offset)
        and every problem of the data.
    """
    read = read_text(text, fmt, source=source)
    return carry_over(read.report, previous, read.omitted)


def read_file(path: str | Path, *, previous: Report | None = None) -> Report:
    """The report in the YAML or JSON file at ``path`` (chosen by its suffix, see :data:`FORMATS`).

    ``previous``: as for :func:`from_mapping`.

    :raises InputError: when the file cannot be read or is invalid; ``findings`` lists every problem.
    """
    read = read_path(path)
    return carry_over(read.report, previous, read.omitted)


# --------------------------------------------------------------------------------------------
# Writing: the inverse of reading, so that dump → load gives back an equal report.


class _AmountText(str):
    """An amount written exactly: a JSON string, a plain YAML number."""

    __slots__ = ()


class _DateText(str):
    """A date: a JSON string, a plain YAML date."""

    __slots__ = ()


class _Dumper(_BaseDumper):
    """YAML writer for :func:`to_mapping` data (amounts and dates unquoted)."""


def _represent_amount(dumper: _Dumper, data: _AmountText) -> yaml.ScalarNode:
    tag = "tag:yaml.org,2002:float" if "." in data else "tag:yaml.org,2002:int"
    return dumper.represent_scalar(tag, str(data))


def _represent_date(dumper: _Dumper, data: _DateText) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", str(data))


_Dumper.add_representer(_AmountText, _represent_amount)
_Dumper.add_representer(_DateText, _represent_date)


def _figure_out(value: Figure) -> int | str:
    if isinstance(value, Decimal):
        return _AmountText(format(value, "f"))
    return value


def _title_out(title: str, number: str) -> str:
    """A title that reads back unchanged: one that itself starts like a number gets ``number`` in front."""
    return f"{number}{title}" if strip_number(title) != title else title


def _table_out(table: Table) -> dict[str, Any]:
    layout = table.layout
    rows: dict[str, Any] = {}
    for row in layout.rows:
        cells: dict[str, int | str] = {}
        for col in row.columns:
            ref = (row.key, col)
            if layout.is_computed(ref):
                if ref in table.stated:
                    cells[col] = _figure_out(table.stated[ref])
            else:
                cells[col] = _figure_out(table.figures[ref])
        if not cells:
            continue
        if len(row.columns) == 1 and not any(layout.is_computed((row.key, c)) for c in row.columns):
            rows[row.key] = cells[row.columns[0]]
        else:
            rows[row.key] = cells
    return {"rows": rows}


def to_mapping(report: Report) -> dict[str, Any]:
    """``report`` as plain JSON-compatible data in the input format.

    Counts are ``int``; amounts are strings written exactly (``"0.10"``) so that no precision is lost;
    the publication date is an ISO string.  :func:`from_mapping` reads it back into an equal report.
    """
    out: dict[str, Any] = {"format_version": report.format_version.value, "year": report.year}
    if report.publication_date is not None:
        out["publication_date"] = _DateText(report.publication_date.isoformat())
    organ = report.organ
    out["organ"] = {"name": organ.name, "kind": organ.kind.value}
    for key in ("province", "city", "county"):
        if getattr(organ, key):
            out["organ"][key] = getattr(organ, key)
    if report.section_titles:
        out["section_titles"] = dict(report.section_titles)
    overview: dict[str, Any] = {"intro": list(report.overview.intro)}
    for spec, (key, sub) in zip(report.layout.overview_parts, report.overview.parts(), strict=True):
        part: dict[str, Any] = {}
        if sub.title is not None:
            part["title"] = _title_out(sub.title, spec.number)
        if sub.paragraphs is not None:
            part["text"] = list(sub.paragraphs)
        if part:
            overview[key] = part
    out["overview"] = overview
    for table in report.tables():
        out[table.key] = _table_out(table)
    if report.review_litigation_note is not None:
        out["review_litigation_note"] = list(report.review_litigation_note)
    out["problems"] = list(report.problems)
    items: list[dict[str, Any]] = []
    for i, item in enumerate(report.other_matters):
        entry: dict[str, Any] = {}
        if item.key is not None:
            entry["key"] = item.key
        entry["title"] = _title_out(item.title, numbered(i, ""))
        if item.paragraphs is not None:
            entry["text"] = list(item.paragraphs)
        items.append(entry)
    out["other_matters"] = items
    out["processing_fee"] = _figure_out(report.processing_fee)
    return out


def dumps(report: Report, fmt: Format = "yaml") -> str:
    """``report`` as YAML or JSON text that :func:`loads` reads back into an equal report."""
    data = to_mapping(report)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "yaml":
        # A wide line keeps each paragraph on one line, as users write them.
        text: str = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1_000_000)
        return text
    raise ValueError(f"fmt must be 'yaml' or 'json', not {fmt!r}")


def dump(report: Report, path: str | Path) -> Path:
    """Write ``report`` to ``path`` (``.yaml``/``.yml``/``.json``) atomically; returns the path."""
    file = Path(path)
    fmt = FORMATS.get(file.suffix.lower())
    if fmt is None:
        raise _file_error(IN_SUFFIX, f"只能写成 .yaml、.yml 或 .json 文件，不能写成“{file.suffix}”。", str(file))
    atomic_write_text(file, dumps(report, fmt))
    return file


# --------------------------------------------------------------------------------------------
# The commented skeleton written by ``reportgen new``.


def _q(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


class _Lines:
    """Lines of YAML with right-hand comments aligned."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def add(self, content: str, comment: str = "") -> None:
        self.lines.append((content, comment))

    def comment(self, text: str, indent: int = 0) -> None:
        self.lines.append((" " * indent + f"# {text}" if text else "", ""))

    def render(self, column: int = 44) -> str:
        out = []
        for content, comment in self.lines:
            if comment:
                width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in content)
                pad = max(column - width, 2)
                out.append(f"{content}{' ' * pad}# {comment}")
            else:
                out.append(content)
        return "\n".join(out) + "\n"


def _skeleton_table(lines: _Lines, layout: TableLayout) -> None:
    lines.add(f"{layout.key}:", f"{layout.title}（表{layout.number}）")
    lines.add("  rows:")
    computed_cols = [c for c in layout.columns if c.computed]
    wide = all(len(r.columns) > 3 for r in layout.rows)
    if wide:
        legend = "，".join(f"{c.key} = {c.label}" for c in layout.columns if not c.computed)
        lines.comment(f"列：{legend}", 4)
        if computed_cols:
            lines.comment(f"每行可另写 {computed_cols[0].key}:（{computed_cols[0].label}），仅用于核对，不作为数据", 4)
    group: tuple[str, ...] = ()
    for row in layout.rows:
        if row.computed:
            lines.comment(f"{row.key}: {{…}} — {row.label}：可选，写出的合计仅用于核对，不作为数据", 4)
            continue
        if row.path and row.path != group:
            group = row.path
            lines.comment(" / ".join(row.path), 4)
        leaf = [c for c in row.columns if not layout.is_computed((row.key, c))]
        if wide:
            cells = ", ".join(f"{c}: 0" for c in leaf)
            lines.add(f"    {row.key}: {{{cells}}}", row.label)
        elif len(leaf) == 1:
            col = layout.column(leaf[0])
            lines.add(f"    {row.key}: 0", f"{row.label} — {col.label}")
        else:
            lines.add(f"    {row.key}:", row.label)
            for c in leaf:
                col = layout.column(c)
                lines.add(f"      {c}: 0", col.label + ("（可为负数）" if col.kind == "signed" else ""))


def skeleton(
    *,
    organ: str | None = None,
    kind: OrganKind | str | None = None,
    year: int | None = None,
    preset: str = "national",
    version: FormatVersion = FormatVersion.V2021,
    today: dt.date | None = None,
) -> str:
    """A commented YAML input file listing every field with its official Chinese label.

    Built from :mod:`reportgen.domain.layout`, so it always matches the format.  It loads as it is (all figures 0,
    default texts), so a user can fill it in step by step and check it at any time.

    :param organ: the organ's full name (a placeholder when not given).
    :param kind: an :class:`OrganKind` or its value, e.g. ``"township"``.
    :param year: the year reported on (last year when not given).
    :param preset: the items of 六 to list: ``national`` or a province, e.g. ``shandong``.
    :param version: the format version (2021 unless reading an old report).
    :param today: the date "last year" is counted from (for reproducible output).
    """
    layout = get_layout(version)
    if preset not in layout.other_items:
        raise ValueError(f"preset must be one of {sorted(layout.other_items)}, not {preset!r}")
    organ_kind = kind if isinstance(kind, OrganKind) else OrganKind(kind) if kind else OrganKind.TOWNSHIP
    year = year if year is not None else (today or dt.date.today()).year - 1
    lines = _Lines()
    lines.comment(f"{year}年度政府信息公开工作年度报告 — 输入文件（reportgen）")
    lines.comment(f"格式：{layout.document}。每个字段右侧注释为官方表格中的名称。")
    lines.comment("填写后运行：reportgen check 本文件.yaml；生成：reportgen render 本文件.yaml -o 输出目录/")
    lines.comment("件数填非负整数，没有填 0；金额单位万元，按原样保留小数（最多 6 位）。")
    lines.comment("正文：text: 后写 | 换行，每行一段（缩进对齐）；不填（留空）则由表格数据生成默认文字；写 [] 表示不要正文。")
    lines.comment("")
    lines.add(f"format_version: {_q(version.value)}", f"格式版本：{layout.document}")
    lines.add(f"year: {year}", "报告年度（必填）")
    lines.add("publication_date:", "发布日期（可不填），如 2023-01-18")
    lines.add("organ:", "行政机关")
    lines.add(f"  name: {_q(organ or '请填写机关全称')}", "机关全称（必填），如 招远市金岭镇人民政府")
    lines.add(f"  kind: {organ_kind.value}", f"机关类型：{organ_kind.label}")
    kinds = [f"{k.value} = {k.label}" for k in OrganKind]
    for start in range(0, len(kinds), 4):
        lines.comment(("可选：" if start == 0 else "      ") + "，".join(kinds[start : start + 4]), 2)
    lines.add("  province:", "省，如 山东省")
    lines.add("  city:", "市，如 烟台市")
    lines.add("  county:", "县（市、区），如 招远市")
    lines.comment("")
    lines.comment("各部分标题：不写则用官方标题；可改用实际报告中的另一写法，例如：")
    for section in layout.sections:
        for alias in section.aliases:
            lines.comment(f"section_titles: {{{section.key}: {_q(alias)}}}")
    lines.comment("")
    lines.add("overview:", layout.section("overview").title)
    lines.add("  intro:", "开头段落（总体情况概述），每行一段")
    for spec in layout.overview_parts:
        lines.add(f"  {spec.key}:", spec.title)
        lines.add("    title:", f"标题（不填则为“{strip_number(spec.title)}”）")
        note = "不填则按表三生成默认文字" if spec.key == "on_request" else "正文，每行一段"
        lines.add("    text:", note)
    lines.comment("")
    for table in layout.tables:
        _skeleton_table(lines, table)
        if table.key == "table4":
            lines.add("review_litigation_note:", "表四下方的说明（不填则按表四生成默认文字；写 [] 表示不要）")
        lines.comment("")
    lines.add("problems:", layout.section("problems").title + "（每行一段）")
    lines.comment("")
    lines.add("other_matters:", layout.section("other_matters").title + "（按顺序，编号自动添加）")
    for item in layout.other_items[preset]:
        lines.add(f"  - key: {item.key}", "已知事项（不填 text 时生成默认文字）" if item.key == PROCESSING_FEE_ITEM.key
                  else "")
        lines.add(f"    title: {item.title}")
        lines.add("    text:")
    lines.comment("自定义事项：- title: 标题  换行  text: 正文（不写 key）", 2)
    lines.add("processing_fee: 0", "本年收取的信息处理费（元）")
    return lines.render()


