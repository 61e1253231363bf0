"""Finding LibreOffice (``soffice``) and a Python that can talk to it over UNO."""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil
import sys
from pathlib import Path

from reportgen.domain.errors import ConversionError

__all__ = ["ENV_SOFFICE", "find_soffice", "find_uno_python", "require_soffice"]

ENV_SOFFICE = "REPORTGEN_SOFFICE"
"""Environment variable naming the LibreOffice executable (``soffice``/``soffice.exe``)."""

_INSTALL_LOCATIONS = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice*/program/soffice",
    "/snap/bin/libreoffice",
)

_INSTALL_HINT = (
    "请安装 LibreOffice（Debian/Ubuntu：apt-get install libreoffice-writer-nogui python3-uno；"
    "Windows/macOS：从 https://www.libreoffice.org/ 下载安装），或用 --soffice 选项、"
    f"环境变量 {ENV_SOFFICE} 指出 soffice 的位置 (install LibreOffice, or point --soffice / {ENV_SOFFICE} at it)。"
)


def find_soffice(explicit: str | os.PathLike[str] | None = None) -> str | None:
    """The LibreOffice executable, or ``None`` when none is found.

    Looked up in this order: ``explicit`` (the CLI's ``--soffice``), the environment variable
    ``REPORTGEN_SOFFICE``, ``soffice``/``libreoffice`` on ``PATH``, then the usual install locations
    (``C:\\Program Files\\LibreOffice\\program\\soffice.exe``,
    ``/Applications/LibreOffice.app/Contents/MacOS/soffice``, ``/opt/libreoffice*/program/soffice``).
    An explicit choice wins over ``PATH`` so that a user can pick one of several installs.  A path that
    names a folder (the LibreOffice install or its ``program`` folder) is accepted too.
    """
    for given in (explicit, os.environ.get(ENV_SOFFICE) or None):
        if given is not None:
            return _executable(Path(given))
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    for pattern in _INSTALL_LOCATIONS:
        for candidate in sorted(glob.glob(pattern), reverse=True):  # newest /opt/libreofficeX.Y first
            if os.access(candidate, os.X_OK):
                return candidate
    return None


def _executable(given: Path) -> str | None:
    if given.is_dir():
        for name in ("soffice", "soffice.exe", "program/soffice", "program/soffice.exe", "Contents/MacOS/soffice"):
            if (given / name).is_file():
                return str(given / name)
        return None
    return str(given) if given.is_file() and os.access(given, os.X_OK) else None


def require_soffice(explicit: str | os.PathLike[str] | None = None) -> str:
    """:func:`find_soffice`, or a :class:`ConversionError` (``CONVERT-NO-LIBREOFFICE``, exit 2) naming what to install."""
    found = find_soffice(explicit)
    if found is not None:
        return found
    given = explicit if explicit is not None else os.environ.get(ENV_SOFFICE) or None
    if given is not None:
        where = "--soffice" if explicit is not None else ENV_SOFFICE
        message = f"{where} 指定的 LibreOffice 不存在或不可执行：{given}。{_INSTALL_HINT}"
    else:
        message = f"未找到 LibreOffice（soffice），无法转换为 PDF。{_INSTALL_HINT}"
    raise ConversionError(message, code="CONVERT-NO-LIBREOFFICE")


def find_uno_python(soffice: str) -> str | None:
    """A Python interpreter that can ``import uno`` for this LibreOffice, or ``None``.

    Tried in order: this interpreter; the Python bundled with LibreOffice (Windows, macOS, the
    libreoffice.org Linux packages: ``program/python``); the system ``python3`` (Debian's python3-uno).
    """
    if importlib.util.find_spec("uno") is not None:
        return sys.executable
    program = Path(os.path.realpath(soffice)).parent
    bundled = [program / "python", program / "python.exe", program.parent / "Resources" / "python",
               program.parent / "Frameworks" / "LibreOfficePython.framework" / "Versions" / "Current" / "bin" / "python3"]
    for candidate in bundled:
        if candidate.is_file():
            return str(candidate)
    for name in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if Path(name).is_file() and Path("/usr/lib/python3/dist-packages/uno.py").is_file():
            return name
    return None
