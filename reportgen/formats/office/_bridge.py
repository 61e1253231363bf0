"""UNO bridge to one running LibreOffice: JSON lines in on stdin, JSON lines out on stdout.

This file runs under a Python that can ``import uno`` (LibreOffice's own Python, or Debian's
python3 with python3-uno), which need not be the Python running reportgen; so it imports nothing
from reportgen.  Started as ``python _bridge.py <pipe-name> <connect-seconds>``; it connects to the
LibreOffice listening on ``pipe,name=<pipe-name>``, prints ``{"ready": true}`` and then answers each
request ``{"src": ..., "dst": ...}`` with ``{"ok": true}`` or ``{"ok": false, "error": ...}``.
When LibreOffice goes away it exits with status 3; reportgen then restarts both.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import uno
from com.sun.star.beans import PropertyValue


def _props(**values: Any) -> tuple[Any, ...]:
    out = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name = name
        prop.Value = value
        out.append(prop)
    return tuple(out)


def _connect(pipe: str, seconds: float) -> Any:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + seconds
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _filter(doc: Any) -> str:
    if doc.supportsService("com.sun.star.sheet.SpreadsheetDocument"):
        return "calc_pdf_Export"
    if doc.supportsService("com.sun.star.presentation.PresentationDocument"):
        return "impress_pdf_Export"
    return "writer_pdf_Export"


def _convert(desktop: Any, src: str, dst: str) -> None:
    doc = desktop.loadComponentFromURL(
        Path(src).resolve().as_uri(), "_blank", 0, _props(Hidden=True, ReadOnly=True, UpdateDocMode=0)
    )
    if doc is None:
        raise RuntimeError("LibreOffice could not open the document")
    try:
        doc.storeToURL(Path(dst).resolve().as_uri(), _props(FilterName=_filter(doc)))
    finally:
        doc.close(True)


def main() -> int:
    pipe, seconds = sys.argv[1], float(sys.argv[2])
    try:
        desktop = _connect(pipe, seconds)
    except Exception as exc:
        print(json.dumps({"ready": False, "error": repr(exc)}), flush=True)
        return 3
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            _convert(desktop, request["src"], request["dst"])
        except Exception as exc:
            # A dead office (DisposedException, broken pipe) cannot convert the next document either.
            name = type(exc).__name__.rsplit(".", 1)[-1]  # pyuno names its classes com.sun.star.lang.…
            dead = name in {"DisposedException", "RuntimeException"}
            print(json.dumps({"ok": False, "dead": dead, "error": f"{type(exc).__name__}: {exc}"}), flush=True)
            if dead:
                return 3
            continue
        print(json.dumps({"ok": True}), flush=True)
    # stdin closed: reportgen is done or has died; take LibreOffice down with us so none is left behind.
    with contextlib.suppress(Exception):
        desktop.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
