"""MkDocs hook: the Sphinx roles of reportgen's docstrings (``:func:`x```, ``:class:`~a.b.C```) become links.

The docstrings are written for both ``help()`` and the site, in reStructuredText roles; mkdocstrings renders
them as Markdown, which leaves ``:func:<code>x</code>`` on the page.  Decided once for the whole project: the
docstrings keep their roles and this hook, run after each page is rendered, turns every role into its code text
and — when the page documents the object (an element with that id; a bare or re-exported name resolved to the
one documented object it can only mean) — a link to it.  ``~`` shows the last part only, as Sphinx does.
"""

from __future__ import annotations

import html
import re
from typing import Any

ROLE = re.compile(r":(?:py:)?(func|class|mod|meth|attr|data|exc|obj|const):<code>(~?)([^<]+)</code>")
PLAIN_ROLE = re.compile(r":(?:py:)?(?:func|class|mod|meth|attr|data|exc|obj|const):`~?([^`<]+)`")
"""A role inside a literal block (``::``), where Markdown left the backticks: the name alone."""
IDS = re.compile(r'\bid="([A-Za-z_][\w.]*)"')


def _resolve(target: str, ids: set[str], by_last: dict[str, list[str]]) -> str | None:
    name = target.removesuffix("()")
    if name in ids:
        return name
    candidates = by_last.get(name.rsplit(".", 1)[-1], [])  # a re-exported or bare name: the one it can mean
    return candidates[0] if len(candidates) == 1 else None


def on_page_content(html_text: str, page: Any, config: Any, files: Any) -> str:
    """Replace every Sphinx role left in the rendered page by ``<code>`` (a link where the target is on the page)."""
    ids = set(IDS.findall(html_text))
    by_last: dict[str, list[str]] = {}
    for ident in ids:
        by_last.setdefault(ident.rsplit(".", 1)[-1], []).append(ident)

    def replace(match: re.Match[str]) -> str:
        role, short, target = match.group(1), match.group(2), html.unescape(match.group(3))
        shown = target.rsplit(".", 1)[-1] if short else target
        if role in ("func", "meth") and not shown.endswith("()"):
            shown += "()"
        code = f"<code>{html.escape(shown)}</code>"
        anchor = _resolve(target.lstrip("~"), ids, by_last)
        return f'<a href="#{anchor}">{code}</a>' if anchor else code

    return PLAIN_ROLE.sub(lambda m: m.group(1), ROLE.sub(replace, html_text))
