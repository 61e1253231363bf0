"""What a custom Word template may do: a bounded sandbox, no markup from data, no fetched content.

Custom templates are passed around between counties, so a template is code from anywhere. Three
guarantees hold for every custom template (the official template is trusted and rendered without the
budget, see :mod:`reportgen.formats.word.render`):

* **User data never becomes markup.** Values are escaped (autoescape is always on); ``|safe``,
  ``{% autoescape false %}`` and every other way of marking text safe are refused when the template is
  checked (``TPL-UNSAFE``), before any report is rendered.
* **A render cannot run away.** :class:`BoundedEnvironment` intercepts ``*``, ``**``, ``%`` and ``+`` (so
  they are never folded at compile time: ``{{ 10**(10**10) }}`` would otherwise hang the compile) and
  bounds their results; every call, filter, attribute access, loop iteration and output chunk counts
  against a :class:`Budget` (steps, wall-clock seconds, output characters; ``TPL-TIMEOUT``). The budget is
  checked in the render's own thread, so it holds on any thread, without signals.
* **No content is fetched.** Fields that fetch external content (INCLUDETEXT, INCLUDEPICTURE, LINK, DDE,
  DDEAUTO, IMPORT, INCLUDE) and relationships with ``TargetMode="External"`` (other than hyperlinks, which
  Word never follows by itself) are refused in custom templates, as is any template code inside a field
  instruction (``TPL-FIELD``); :func:`fetching_field` checks every rendered part again.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import _PassArg, pass_context
from lxml import etree

from reportgen.domain import limits
from reportgen.formats.ooxml import ns

__all__ = [
    "LOOP_GUARD",
    "BoundedEnvironment",
    "Budget",
    "BudgetExceeded",
    "bound_loops",
    "external_content",
    "fetching_field",
    "render",
    "unsafe_node",
]

LOOP_GUARD = "__reportgen_loop"
"""The global every ``{% for %}`` iterable of a custom template is wrapped in (see :func:`bound_loops`)."""

_FETCHING = re.compile(r"\b(INCLUDETEXT|INCLUDEPICTURE|INCLUDE|LINK|DDEAUTO|DDE|IMPORT)\b", re.IGNORECASE)
_TEMPLATE_CODE = re.compile(r"\{[{%#]|[}%#]\}")
_WIDE_FORMAT = re.compile(r"\d{7,}")
_HYPERLINK = "/hyperlink"
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


class BudgetExceeded(jinja2.exceptions.SecurityError):
    """A render went past one of its limits (``TPL-TIMEOUT``)."""


class Budget:
    """Steps, wall-clock time and output of one render (one per render, held by the rendering thread)."""

    __slots__ = ("deadline", "output", "steps")

    def __init__(self) -> None:
        self.steps = 0
        self.output = 0
        self.deadline = time.monotonic() + limits.MAX_TEMPLATE_SECONDS

    def tick(self, n: int = 1) -> None:
        """Count ``n`` steps; past :data:`~reportgen.domain.limits.MAX_TEMPLATE_STEPS` or the deadline, stop."""
        self.steps += n
        if self.steps > limits.MAX_TEMPLATE_STEPS:
            raise BudgetExceeded(f"模板执行步数超过 {limits.MAX_TEMPLATE_STEPS} 步的上限（循环或调用过多）")
        if self.steps & 0x3FF == 0 and time.monotonic() > self.deadline:
            raise BudgetExceeded(f"模板渲染超过 {limits.MAX_TEMPLATE_SECONDS:g} 秒的上限")

    def emit(self, chunk: str) -> None:
        """Count ``chunk`` of output against :data:`~reportgen.domain.limits.MAX_TEMPLATE_OUTPUT_CHARS`."""
        self.output += len(chunk)
        if self.output > limits.MAX_TEMPLATE_OUTPUT_CHARS:
            raise BudgetExceeded(f"模板输出超过 {limits.MAX_TEMPLATE_OUTPUT_CHARS} 个字符的上限")
        self.tick()


_LOCAL = threading.local()


def _budget() -> Budget:
    budget: Budget | None = getattr(_LOCAL, "budget", None)
    if budget is None:  # compile-time evaluation or a render outside render(): a fresh budget bounds it too
        budget = _LOCAL.budget = Budget()
    return budget


def render(template: jinja2.Template, context: Mapping[str, Any]) -> str:
    """``template`` rendered with ``context`` under a fresh :class:`Budget` (``BudgetExceeded`` past it)."""
    budget = _LOCAL.budget = Budget()
    try:
        out: list[str] = []
        for chunk in template.generate(context):
            budget.emit(chunk)
            out.append(chunk)
        return "".join(out)
    finally:
        _LOCAL.budget = None


def _size(value: object) -> int:
    return len(value) if isinstance(value, (str, list, tuple, dict)) else 0


def _check_value(value: object) -> object:
    if _size(value) > limits.MAX_TEMPLATE_VALUE_CHARS:
        raise BudgetExceeded(f"模板计算出的值超过 {limits.MAX_TEMPLATE_VALUE_CHARS} 的长度上限")
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > limits.MAX_TEMPLATE_NUMBER_BITS:
        raise BudgetExceeded(f"模板计算出的整数超过 {limits.MAX_TEMPLATE_NUMBER_BITS} 位的上限")
    return value


def _check_args(args: Iterable[object], what: str) -> None:
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > limits.MAX_TEMPLATE_VALUE_CHARS:
            raise BudgetExceeded(f"{what}的参数 {arg} 超过 {limits.MAX_TEMPLATE_VALUE_CHARS} 的上限")
        _check_value(arg)


def _estimate(obj: object, args: tuple[object, ...]) -> int:
    """An upper bound of the result of a ``str`` method (``replace``, ``ljust``, ``join`` …) before it runs."""
    texts = [len(a) for a in args if isinstance(a, str)]
    sizes = [_size(a) for a in args if isinstance(a, (list, tuple))]
    numbers = [abs(a) for a in args if isinstance(a, int) and not isinstance(a, bool)]
    return (_size(obj) + 1) * (1 + max(texts, default=0)) + sum(sizes) * (_size(obj) + 1) + max(numbers, default=0)


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox of custom templates: arithmetic, calls, filters and attribute access bounded."""

    intercepted_binops = frozenset({"*", "**", "%", "+", "//"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters = {name: _bounded_filter(f) for name, f in self.filters.items()}
        self.globals[LOOP_GUARD] = _guarded

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        _budget().tick()
        if operator == "**" and isinstance(left, int) and isinstance(right, int):
            if right > 0 and abs(left) > 1 and max(abs(left).bit_length() - 1, 1) * right > limits.MAX_TEMPLATE_NUMBER_BITS:
                raise BudgetExceeded(f"模板中的乘方 {left}**{right} 超过 {limits.MAX_TEMPLATE_NUMBER_BITS} 位的上限")
        elif operator == "*":
            count = right if isinstance(right, int) else left if isinstance(left, int) else None
            sequence = left if isinstance(right, int) else right
            if count is not None and _size(sequence) * max(count, 0) > limits.MAX_TEMPLATE_VALUE_CHARS:
                raise BudgetExceeded(f"模板中的重复（*）会产生超过 {limits.MAX_TEMPLATE_VALUE_CHARS} 的长度")
        elif operator == "%" and isinstance(left, str) and _WIDE_FORMAT.search(left):
            raise BudgetExceeded("模板中的格式宽度过大")
        elif operator == "+" and _size(left) + _size(right) > limits.MAX_TEMPLATE_VALUE_CHARS:
            raise BudgetExceeded(f"模板中的拼接（+）会产生超过 {limits.MAX_TEMPLATE_VALUE_CHARS} 的长度")
        return _check_value(super().call_binop(context, operator, left, right))

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _budget().tick()
        _check_args((*args, *kwargs.values()), "调用")
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            if _estimate(owner, (*args, *kwargs.values())) > limits.MAX_TEMPLATE_VALUE_CHARS:
                raise BudgetExceeded(f"文字方法 {getattr(__obj, '__name__', '')} 的结果会超过长度上限")
            if getattr(__obj, "__name__", "") in ("format", "format_map") and _WIDE_FORMAT.search(owner):
                raise BudgetExceeded("模板中的格式宽度过大")
        return _check_value(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        _budget().tick()
        return _check_value(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        _budget().tick()
        return _check_value(super().getitem(obj, argument))


def _guarded(iterable: Any) -> Iterator[Any]:
    """The items of a ``{% for %}`` iterable, one step of the budget each."""
    budget = _budget()
    for item in iterable:
        budget.tick()
        yield item


def _bounded_filter(func: Any) -> Any:
    """``func`` counted and bounded; marked ``pass_context`` so that the optimizer never runs it at compile time
    (``"x"|center(10**9)`` with constant arguments would otherwise be evaluated while compiling)."""
    kind = _PassArg.from_obj(func)

    @pass_context
    def bounded(context: jinja2.runtime.Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        _budget().tick()
        _check_args((*args, *kwargs.values()), "过滤器")
        if args and isinstance(args[0], str) and _WIDE_FORMAT.search(args[0]):
            raise BudgetExceeded("过滤器的格式宽度过大")
        if isinstance(value, str) and _WIDE_FORMAT.search(value) and getattr(func, "__name__", "") == "do_format":
            raise BudgetExceeded("过滤器的格式宽度过大")
        if kind is _PassArg.context:
            result = func(context, value, *args, **kwargs)
        elif kind is _PassArg.eval_context:
            result = func(context.eval_ctx, value, *args, **kwargs)
        elif kind is _PassArg.environment:
            result = func(context.environment, value, *args, **kwargs)
        else:
            result = func(value, *args, **kwargs)
        return _check_value(result)

    bounded.__name__ = getattr(func, "__name__", "filter")
    return bounded


def bound_loops(tree: nodes.Template) -> nodes.Template:
    """``tree`` with every ``{% for %}`` iterable wrapped in :data:`LOOP_GUARD` (one budget step per item)."""
    for loop in tree.find_all(nodes.For):
        loop.iter = nodes.Call(nodes.Name(LOOP_GUARD, "load", lineno=loop.lineno), [loop.iter], [], None, None,
                               lineno=loop.lineno)
    return tree


_MARKUP_FILTERS = frozenset({"safe"})


def unsafe_node(node: nodes.Node) -> str | None:
    """Why ``node`` would let text become markup (``|safe``, ``{% autoescape %}``), or ``None``."""
    if isinstance(node, nodes.Filter) and node.name in _MARKUP_FILTERS:
        return f"模板不能使用 |{node.name}：用户填写的文字不能成为 Word 标记（去掉 |{node.name} 即可）"
    if isinstance(node, (nodes.MarkSafe, nodes.MarkSafeIfAutoescape)):
        return "模板不能把文字标记为安全（Markup）"
    if isinstance(node, (nodes.ScopedEvalContextModifier, nodes.EvalContextModifier)):
        return "模板不能使用 {% autoescape %}：转义始终开启，用户填写的文字不能成为 Word 标记"
    return None


def _instructions(root: etree._Element) -> Iterator[str]:
    """The instruction text of every field of a part: ``w:fldSimple/@w:instr`` and the ``w:instrText`` runs
    between a ``begin`` and a ``separate``/``end`` (nested fields give the outer one their text too)."""
    instr = ns.qn("w:instr")
    for simple in root.iter(ns.qn("w:fldSimple")):
        yield simple.get(instr, "")
    fld_char, instr_text, char_type = ns.qn("w:fldChar"), ns.qn("w:instrText"), ns.qn("w:fldCharType")
    open_fields: list[list[str]] = []
    for element in root.iter(fld_char, instr_text, ns.qn("w:delInstrText")):
        if element.tag == fld_char:
            kind = element.get(char_type)
            if kind == "begin":
                open_fields.append([])
            elif kind in ("separate", "end") and open_fields and kind == "end":
                yield "".join(open_fields.pop())
        else:
            for field in open_fields:
                field.append(element.text or "")
    for field in open_fields:
        yield "".join(field)


def fetching_field(root: etree._Element) -> str | None:
    """The instruction of the first field of ``root`` that fetches external content, or ``None``."""
    for instruction in _instructions(root):
        if _FETCHING.search(instruction):
            return instruction.strip()
    return None


def external_content(files: Mapping[str, bytes]) -> str | None:
    """Why the template package ``files`` would fetch content (a field or an external relationship), or ``None``.

    Checked on the template as written, so a field instruction holding template code is refused too
    (it would let data choose the instruction).
    """
    for name, data in files.items():
        if name.endswith(".rels") and b"External" in data:
            root = etree.fromstring(data, _SAFE_PARSER)
            for rel in root:
                if rel.get("TargetMode") == "External" and not rel.get("Type", "").endswith(_HYPERLINK):
                    return f"{name} 中的外部关系 {rel.get('Target', '')}（{rel.get('Type', '').rsplit('/', 1)[-1]}）"
        elif name.endswith(".xml") and (b"instr" in data or b"fldSimple" in data):
            root = etree.fromstring(data, _SAFE_PARSER)
            for instruction in _instructions(root):
                if _FETCHING.search(instruction):
                    return f"{name} 中的域“{instruction.strip()[:80]}”"
                if _TEMPLATE_CODE.search(instruction):
                    return f"{name} 中域代码内的模板变量“{instruction.strip()[:80]}”"
    return None
