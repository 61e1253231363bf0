"""Atomic writes: all or nothing, and files get the ordinary permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from reportgen.formats._io import atomic_path, atomic_write_bytes


def test_written_file_has_ordinary_mode(tmp_path: Path) -> None:
    """A written report is readable by others (a web server), as a file written by open() would be."""
    umask = os.umask(0o022)
    os.umask(umask)
    target = tmp_path / "r.docx"
    atomic_write_bytes(target, b"x")
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    """An exception while writing leaves neither the target nor a temporary file behind."""
    target = tmp_path / "r.xlsx"

    def write_half() -> None:
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        write_half()
    assert list(tmp_path.iterdir()) == []


def test_existing_file_is_replaced_whole(tmp_path: Path) -> None:
    """Overwriting replaces the old content in one step."""
    target = tmp_path / "r.yaml"
    target.write_text("old", encoding="utf-8")
    atomic_write_bytes(target, "新".encode())
    assert target.read_text(encoding="utf-8") == "新"
    assert [p.name for p in tmp_path.iterdir()] == ["r.yaml"]
