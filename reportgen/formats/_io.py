"""Atomic file writes: a reader never sees half a file, a killed run leaves no partial output."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from reportgen.domain.errors import OutputError
from reportgen.domain.findings import Location

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_text"]

# mkstemp creates files readable by their owner only; published reports must get the ordinary mode
# (e.g. 0644) that open() would give.  The umask can only be read by setting it, so read it once here.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it is renamed onto ``target``.

    The temporary name starts with ``.`` and ends with ``.part`` so that bulk runs and users
    can tell (and clean) leftovers of a killed process.  On any exception it is removed.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise _output_error(target, exc) from exc
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_UMASK)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise _output_error(target, exc) from exc
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def _output_error(target: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    return OutputError(
        f"无法写入文件 {target}（{reason}）：请检查输出文件夹是否存在、是否有写入权限、磁盘是否已满。",
        location=Location(file=str(target)),
    )


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(target: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 ``text`` to ``target`` atomically."""
    atomic_write_bytes(target, text.encode("utf-8"))
