"""Shared by the scripts that generate committed files: write them, or check they are current."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from reportgen.formats._io import atomic_write_text

__all__ = ["write_or_check"]


def write_or_check(path: Path, render: Callable[[], str], *, command: str, description: str | None,
                   argv: list[str] | None = None) -> int:
    """``render()`` written to ``path``; with ``--check``, exit status 1 if the committed file differs."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help=f"exit 1 if {path.name} is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is out of date; run: {command}", file=sys.stderr)
            return 1
        return 0
    atomic_write_text(path, text)
    print(f"wrote {path}")
    return 0
