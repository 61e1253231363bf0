"""Output file names that are safe on Windows and Linux and cannot escape the output folder."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from reportgen.domain.model import Report

__all__ = ["MANIFEST_NAME", "SUMMARY_NAME", "UniqueStems", "output_stem", "safe_filename"]

SUMMARY_NAME = "summary.xlsx"
"""The summary workbook a bulk run writes beside the reports (an audit of the folder skips it)."""
MANIFEST_NAME = ".reportgen-manifest.jsonl"
"""The journal of a bulk run: what was done, so a re-run skips unchanged townships."""

# Characters Windows forbids in names, path separators, and control characters.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
# Bidirectional controls (U+202E turns "报告.exe.docx" into what looks like "报告xcod.exe") and invisible
# format characters: dropped, so a name shows what it is.
_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_WINDOWS_RESERVED = {
    "CON", "PRN", "AUX", "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}  # fmt: skip
MAX_STEM_BYTES = 180
"""UTF-8 bytes of a stem (a CJK character takes 3): file names may have 255 bytes, and the stem still
needs a suffix, a de-duplicating counter and the temporary-file prefix and suffix of an atomic write."""


def safe_filename(name: str, *, fallback: str = "报告") -> str:
    """``name`` made usable as one file name component.

    Forbidden characters become ``_``; leading/trailing dots and spaces are removed (so ``..``
    cannot climb out of a folder); Windows reserved device names get a ``_`` suffix; the result is
    cut to :data:`MAX_STEM_BYTES` UTF-8 bytes.  An empty result becomes ``fallback``.
    """
    text = unicodedata.normalize("NFC", name)
    text = _INVISIBLE.sub("", text)
    text = _FORBIDDEN.sub("_", text)
    text = text.strip(" .")
    if text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text = text + "_"
    while len(text.encode("utf-8")) > MAX_STEM_BYTES:
        text = text[:-1]
    text = text.rstrip(" .")
    return text or fallback


def output_stem(report: Report) -> str:
    """The file stem of a report's outputs, e.g. ``招远市金岭镇人民政府2022年度政府信息公开工作年度报告``."""
    return safe_filename(report.title)


class UniqueStems:
    """Hands out safe output stems that are unique case-insensitively (as on Windows).

    A second ``招远市金岭镇…报告`` becomes ``招远市金岭镇…报告-2``, so two inputs never overwrite each other.
    """

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        # hash() of each casefolded stem, not the stem: a county's 38,602 names in ~half the memory.  Two
        # stems sharing a hash only make the second one "-2" — never an overwrite.
        self._used = {hash(r.casefold()) for r in reserved}
        self._next: dict[str, int] = {}
        """Per base name, the counter to try first: many inputs wanting one name cost linear time, not quadratic."""

    def claim(self, wanted: str) -> str:
        """A safe stem for ``wanted``, not handed out before."""
        base = safe_filename(wanted)
        key = base.casefold()
        stem, n = base, self._next.get(key, 2)
        if hash(key) in self._used:
            stem = f"{base}-{n}"
        while hash(stem.casefold()) in self._used:
            n += 1
            stem = f"{base}-{n}"
        self._used.add(hash(stem.casefold()))
        if stem != base:
            self._next[key] = n + 1
        return stem
