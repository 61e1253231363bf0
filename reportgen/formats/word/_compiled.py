"""The official template compiled to static XML segments and slots, filled by a small Python interpreter.

The official templates are trusted (they ship with reportgen), use a tiny subset of Jinja (``{{ a.b.c }}``,
``{% for x in a.b %}``, ``{% if a.b %}``) and are rendered for every township of a bulk run, so the cost of
Jinja's sandboxed attribute look-ups and of its per-value ``Markup`` copies shows.  :func:`compile_template`
turns the parsed Jinja tree of such a part into nested operations::

    "static XML" | (VALUE, path) | (FOR, name, path, body) | (IF, ((path, negated, body), …), else_body)

and :meth:`Compiled.render` writes exactly what Jinja writes for the same tree: static data as it is, each
value through the renderer's ``value`` function (Jinja's ``escape(finalize(value))``), loops and conditions
with Python's iteration and truthiness (which is what Jinja's generated code uses).  Attribute look-ups
are dictionary look-ups; a name that is a ``dict`` attribute (``items``, ``keys`` …: Jinja would return the
method) makes the tree unsupported.  Anything outside that subset — filters, calls, ``loop``, macros,
assignments, ``for … else`` — makes :func:`compile_template` return ``None`` and the part is rendered by
Jinja.  Custom templates never come here: they keep the bounded sandbox of :mod:`.sandbox`.

A render that meets anything unexpected at run time (a missing key, a value that is not a ``dict`` where a
path goes on) raises :class:`Fallback`; the renderer then renders the part with Jinja, which gives the
same output or Jinja's own error.

**Structure proven once per template.**  :func:`skeleton` writes the part with every value replaced by
``U+E000`` and every loop or condition body present once, wrapped in an element of a private namespace.
:meth:`Compiled.proof` parses that skeleton and runs the structural checks on it; it proves that *every*
rendering passes them (so the renderer may skip the per-document checks for this part) when also:

* the skeleton parses: then each wrapped body is balanced (a sequence of complete elements and text),
  and a balanced body repeated any number of times (0 included) in the same place keeps the part
  well-formed;
* no ``<!`` (comments, CDATA, DOCTYPE) and no ``<?`` but the XML declaration: every ``U+E000`` (not a
  name character) sits in character data or in an attribute value, where every value can go, because
  a value is escaped (``& < > " '``), has ``{`` written ``&#123;`` and has the characters XML cannot hold
  removed (:func:`reportgen.formats.word.render._finalize`);
* no body has a ``w:tbl`` around it or inside it, and no value is in an attribute of an element inside a
  table: so every table of every rendering is a table of the skeleton with other character data, and the
  table checks (spans, merges, cell paragraphs, empty rows) look only at elements and attributes;
* no ``wp:docPr`` in the part (repeated bodies could repeat ids);
* no ``{`` in the static XML: values cannot write one, so no rendering has a template marker left.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

from jinja2 import nodes
from lxml import etree

from reportgen.formats.ooxml import check as _ooxml
from reportgen.formats.ooxml import ns

__all__ = ["Compiled", "Fallback", "compile_template", "skeleton"]

_VALUE, _FOR, _IF, _FORMAT = 0, 1, 2, 3
Path: TypeAlias = tuple[str, ...]
Op: TypeAlias = "str | tuple[Any, ...]"
_DICT_ATTRIBUTES = frozenset(dir(dict))
_SLOT = "\ue000"
_FLOW_NS = "urn:reportgen:template-flow"
_FLOW_OPEN = f'<rgflow:body xmlns:rgflow="{_FLOW_NS}">'
_FLOW_CLOSE = "</rgflow:body>"
_FLOW = f"{{{_FLOW_NS}}}body"
_TBL = ns.qn("w:tbl")
_DOC_PR = ns.qn("wp:docPr")
_UNSET = object()


class Fallback(Exception):
    """The compiled render met something it does not handle; render the part with Jinja instead."""


class _Unsupported(Exception):
    pass


def _path(node: nodes.Node) -> Path:
    if isinstance(node, nodes.Name) and node.ctx == "load" and node.name != "loop":
        return (node.name,)
    if isinstance(node, nodes.Getattr) and node.attr not in _DICT_ATTRIBUTES:
        return (*_path(node.node), node.attr)
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        return (*_path(node.node), node.arg.value)
    raise _Unsupported


def _test(node: nodes.Node) -> tuple[Path, bool]:
    if isinstance(node, nodes.Not):
        return _path(node.node), True
    return _path(node), False


def _ops(body: Sequence[nodes.Node]) -> list[Op]:
    out: list[Op] = []

    def text(data: str) -> None:
        if out and isinstance(out[-1], str):
            out[-1] += data
        else:
            out.append(data)

    for node in body:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    text(child.data)
                else:
                    out.append((_VALUE, _path(child)))
        elif isinstance(node, nodes.For):
            if node.else_ or node.test is not None or node.recursive or not isinstance(node.target, nodes.Name):
                raise _Unsupported
            out.append((_FOR, node.target.name, _path(node.iter), tuple(_ops(node.body))))
        elif isinstance(node, nodes.If):
            branches = [(*_test(node.test), tuple(_ops(node.body)))]
            branches += [(*_test(e.test), tuple(_ops(e.body))) for e in node.elif_]
            out.append((_IF, tuple(branches), tuple(_ops(node.else_))))
        else:
            raise _Unsupported
    return out


def _formatted(ops: Sequence[Op]) -> list[Any]:
    """The ops as rendered: static text as UTF-8 bytes, and each run of static text and values as one
    ``(FORMAT, statics, lookups)`` op (``statics``: the UTF-8 text around the run's values, one more than
    values), so a render interleaves encoded values with encoded statics and joins bytes once (formatting a
    ``str`` and encoding the result cost about ten times more for a 90 KB body)."""
    out: list[Any] = []
    run: list[Op] = []

    def flush() -> None:
        if len(run) == 1 and isinstance(run[0], str):
            out.append(run[0].encode("utf-8"))
        elif run:
            statics = [""]
            for op in run:
                if isinstance(op, str):
                    statics[-1] += op
                else:
                    statics.append("")
            out.append((_FORMAT, tuple(t.encode("utf-8") for t in statics),
                        _lookups([op[1] for op in run if not isinstance(op, str)])))
        run.clear()

    for op in ops:
        if isinstance(op, str) or op[0] == _VALUE:
            run.append(op)
            continue
        flush()
        if op[0] == _FOR:
            out.append((*op[:3], tuple(_formatted(op[3]))))
        else:
            out.append((_IF, tuple((p, n, tuple(_formatted(b))) for p, n, b in op[1]), tuple(_formatted(op[2]))))
    flush()
    return out


def _lookups(paths: Sequence[Path]) -> tuple[tuple[Path, tuple[str, ...], Callable[[Any], Any]], ...]:
    """Consecutive paths with the same parent (``table3.granted.*``) as one ``(parent, keys, itemgetter)``: the
    parent is looked up once and its values taken in one call.  A bare name is its own entry (parent ``()``)."""
    runs: list[tuple[Path, list[str]]] = []
    for path in paths:
        parent, key = path[:-1], path[-1]
        if parent and runs and runs[-1][0] == parent:
            runs[-1][1].append(key)
        else:
            runs.append((parent, [key]))
    return tuple((parent, tuple(keys), operator.itemgetter(*keys)) for parent, keys in runs)


def _lookup(path: Path, context: Mapping[str, Any], scope: Mapping[str, Any]) -> Any:
    name = path[0]
    value = scope[name] if name in scope else context[name]
    for key in path[1:]:
        if type(value) is not dict:
            raise Fallback
        value = value[key]
    return value


def _run(ops: Sequence[Any], context: Mapping[str, Any], scope: dict[str, Any], out: list[bytes],
         value: Callable[[Any], str], special: re.Pattern[str]) -> None:
    append = out.append
    for op in ops:
        if isinstance(op, bytes):
            append(op)
            continue
        kind = op[0]
        if kind == _FORMAT:
            raw: list[Any] = []
            for parent, keys, getter in op[2]:
                if not parent:
                    name = keys[0]
                    raw.append(scope[name] if name in scope else context[name])
                    continue
                found = _lookup(parent, context, scope)
                if type(found) is not dict:
                    raise Fallback
                if len(keys) == 1:
                    raw.append(found[keys[0]])
                else:
                    raw.extend(getter(found))
            # Plain text (most values: figures, names) is written as it is by value(); one search over all of
            # them decides that for the run, instead of one per value.  Plain text holds no NUL (``special``
            # finds one), so the values are encoded in one call, NUL-separated.
            if set(map(type, raw)) <= {str} and special.search("".join(raw)) is None:
                encoded = "\x00".join(raw).encode("utf-8").split(b"\x00")
            else:
                encoded = [value(v).encode("utf-8") for v in raw]
            statics = op[1]
            pieces: list[bytes] = [b""] * (2 * len(statics) - 1)
            pieces[0::2] = statics
            pieces[1::2] = encoded
            out += pieces
        elif kind == _VALUE:
            append(value(_lookup(op[1], context, scope)).encode("utf-8"))  # (runs of values are FORMAT ops)
        elif kind == _FOR:
            _, name, path, body = op
            saved = scope.get(name, _UNSET)  # loop variables do not leak (Jinja scopes them to the loop)
            for item in _lookup(path, context, scope):
                scope[name] = item
                _run(body, context, scope, out, value, special)
            if saved is _UNSET:
                scope.pop(name, None)
            else:
                scope[name] = saved
        else:
            _, branches, else_body = op
            for path, negated, body in branches:
                if bool(_lookup(path, context, scope)) is not negated:
                    _run(body, context, scope, out, value, special)
                    break
            else:
                _run(else_body, context, scope, out, value, special)


class Compiled:
    """A part of a trusted template as static segments and slots (see the module docstring)."""

    __slots__ = ("_fast", "_ops", "_special", "_value")

    def __init__(self, ops: Sequence[Op], value: Callable[[Any], str], special: re.Pattern[str]) -> None:
        if special.search("\x00") is None:
            raise ValueError("special must find NUL (values are joined with it)")
        self._ops = tuple(ops)
        self._fast = tuple(_formatted(ops))
        self._value = value
        self._special = special

    def render_bytes(self, context: Mapping[str, Any]) -> bytes:
        """What Jinja renders for ``context``, UTF-8 encoded; :class:`Fallback` when the context is not what was
        expected."""
        out: list[bytes] = []
        try:
            _run(self._fast, context, {}, out, self._value, self._special)
        except (KeyError, TypeError, IndexError) as exc:
            raise Fallback from exc
        return b"".join(out)

    def render(self, context: Mapping[str, Any]) -> str:
        """What Jinja renders for ``context`` (:meth:`render_bytes` decoded)."""
        return self.render_bytes(context).decode("utf-8")

    def proof(self, name: str, static_docpr_ids: set[str]) -> bool:
        """Whether every rendering of this part provably passes the structural checks (see the module docstring)."""
        source = skeleton(self._ops)
        if _static_braces(self._ops) or "<!" in source or source.find("<?", 1) >= 0:
            return False
        try:
            root = _ooxml.parse_part(source.encode("utf-8"))
        except etree.XMLSyntaxError:
            return False
        if next(root.iter(_DOC_PR), None) is not None:
            return False
        for flow in root.iter(_FLOW):
            if next(flow.iter(_TBL), None) is not None or next(flow.iterancestors(_TBL), None) is not None:
                return False
        for tbl in root.iter(_TBL):
            if any(_SLOT in v for el in tbl.iter() for v in el.attrib.values()):
                return False
        problems: list[str] = []
        _ooxml.check_part(name, root, set(static_docpr_ids), problems)
        return not problems


def _static_braces(ops: Sequence[Op]) -> bool:
    for op in ops:
        if isinstance(op, str):
            found = "{" in op or _SLOT in op
        elif op[0] == _FOR:
            found = _static_braces(op[3])
        elif op[0] == _IF:
            found = any(_static_braces(b) for _, _, b in op[1]) or _static_braces(op[2])
        else:
            found = False
        if found:
            return True
    return False


def skeleton(ops: Sequence[Op]) -> str:
    """The part with every value as ``U+E000`` and every loop or condition body once, wrapped in an element."""
    out: list[str] = []
    for op in ops:
        if isinstance(op, str):
            out.append(op)
        elif op[0] == _VALUE:
            out.append(_SLOT)
        elif op[0] == _FOR:
            out += (_FLOW_OPEN, skeleton(op[3]), _FLOW_CLOSE)
        else:
            for body in [b for _, _, b in op[1]] + [op[2]]:
                out += (_FLOW_OPEN, skeleton(body), _FLOW_CLOSE)
    return "".join(out)


def compile_template(tree: nodes.Template, value: Callable[[Any], str], special: re.Pattern[str]) -> Compiled | None:
    """``tree`` (a parsed Jinja template) compiled, or ``None`` when it uses more than the subset handled here.

    ``value``: what Jinja writes for ``{{ x }}``; ``special``: a pattern that finds something in every ``str``
    that ``value`` does not write unchanged.
    """
    try:
        return Compiled(_ops(tree.body), value, special)
    except _Unsupported:
        return None
