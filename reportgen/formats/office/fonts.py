"""The fonts of reportgen's PDFs: the shipped fontconfig file and what a PDF actually uses.

The official format asks for 方正小标宋简体 (title), 仿宋_GB2312 (body), 黑体 and 楷体_GB2312
(headings) and 宋体 (tables, page numbers) — fonts that servers rarely have.  ``fonts.conf`` (beside
this file, shipped in the wheel) maps each to a free font of the same style, for reportgen's own
LibreOffice processes only.  :func:`substitutions` reads a PDF's embedded fonts and says which official
font was replaced by which.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Mapping
from pathlib import Path

import attrs

__all__ = ["FONTS_CONF", "OFFICIAL_FONTS", "FontSubstitution", "office_env", "pdf_fonts", "substitutions"]

FONTS_CONF = Path(__file__).with_name("fonts.conf")
"""reportgen's fontconfig configuration (``FONTCONFIG_FILE`` of its LibreOffice processes)."""

OFFICIAL_FONTS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    # official font: (its style, free faces fonts.conf maps it to, as PostScript name prefixes)
    "方正小标宋简体": ("宋体类 Song", ("NotoSerifCJK", "FandolSong", "ARPLSungtiLGB", "AR-PL-SungtiL-GB", "ARPLUMing")),
    "仿宋_GB2312": ("仿宋类 FangSong", ("FandolFang",)),
    "黑体": ("黑体类 Hei", ("NotoSansCJK", "FandolHei", "WenQuanYiZenHei")),
    "楷体_GB2312": ("楷体类 Kai", ("FandolKai", "ARPLKaitiMGB", "AR-PL-KaitiM-GB", "ARPLUKai")),
}
"""The official fonts of the format and the free faces that stand in for them."""

# Readable names of the free faces (LibreOffice embeds the Noto CJK collection under its first face's
# PostScript name, NotoSerifCJKjp-…, although it draws the SC face fontconfig chose).
_FACE_NAMES = {
    "NotoSerifCJK": "Noto Serif CJK SC", "NotoSansCJK": "Noto Sans CJK SC", "FandolSong": "FandolSong",
    "FandolFang": "FandolFang", "FandolHei": "FandolHei", "FandolKai": "FandolKai",
    "ARPLSungtiLGB": "AR PL SungtiL GB", "AR-PL-SungtiL-GB": "AR PL SungtiL GB", "ARPLUMing": "AR PL UMing",
    "WenQuanYiZenHei": "WenQuanYi Zen Hei", "ARPLKaitiMGB": "AR PL KaitiM GB", "AR-PL-KaitiM-GB": "AR PL KaitiM GB",
    "ARPLUKai": "AR PL UKai",
}

# PostScript names of the official fonts as Word/LibreOffice embed them when they are installed.
_OFFICIAL_PS = {
    "方正小标宋简体": ("FZXiaoBiaoSong", "FZXBSJW"),
    "仿宋_GB2312": ("FangSong_GB2312", "FangSong"),
    "黑体": ("SimHei",),
    "楷体_GB2312": ("KaiTi_GB2312", "KaiTi"),
}


@attrs.frozen
class FontSubstitution:
    """One official font that is not installed and the free font the PDF uses instead."""

    official: str = attrs.field(validator=attrs.validators.instance_of(str))
    substitute: str = attrs.field(validator=attrs.validators.instance_of(str))
    style: str = attrs.field(validator=attrs.validators.instance_of(str))

    def __str__(self) -> str:
        return f"{self.official} → {self.substitute}（{self.style}）"


def office_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a reportgen LibreOffice process: ``base`` with ``FONTCONFIG_FILE`` set to :data:`FONTS_CONF`.

    A ``FONTCONFIG_FILE`` the user set already is kept (they chose their fonts on purpose).
    """
    env = dict(os.environ if base is None else base)
    env.setdefault("FONTCONFIG_FILE", str(FONTS_CONF))
    return env


_SUBSET = re.compile(r"^[A-Z]{6}\+")


def pdf_fonts(pdf: str | os.PathLike[str]) -> list[str]:
    """The names of the fonts a PDF uses (``BaseFont`` without the subset tag), sorted, each once."""
    names: set[str] = set()
    reader = importlib.import_module("pypdf").PdfReader(str(pdf))  # imported here: ~140 ms at start-up otherwise
    for page in reader.pages:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources is not None else None
        if fonts is None:
            continue
        for ref in fonts.get_object().values():
            font = ref.get_object()
            base = font.get("/BaseFont")
            if base is not None:
                names.add(_SUBSET.sub("", str(base).lstrip("/")))
            for descendant in font.get("/DescendantFonts") or ():
                inner = descendant.get_object().get("/BaseFont")
                if inner is not None:
                    names.add(_SUBSET.sub("", str(inner).lstrip("/")))
    return sorted(names)


def substitutions(pdf: str | os.PathLike[str]) -> list[FontSubstitution]:
    """The official fonts this PDF shows in a free substitute (none when the official fonts were installed)."""
    used = pdf_fonts(pdf)
    found: list[FontSubstitution] = []
    for official, (style, faces) in OFFICIAL_FONTS.items():
        if any(name.startswith(_OFFICIAL_PS[official]) for name in used):
            continue
        for face in faces:
            match = next((name for name in used if name.replace(" ", "").startswith(face)), None)
            if match is not None:
                found.append(FontSubstitution(official, _FACE_NAMES.get(face, match), style))
                break
    return found
