"""Atomic file writes: a reader never sees half a file, a killed run leaves no partial output."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from reportgen.domain.errors import OutputError
from reportgen.domain.findings import Location

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_text", "os_reason", "output_target"]

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


_ERRNO_REASONS = {
    errno.EACCES: "权限不足", errno.EPERM: "权限不足", errno.ENOSPC: "磁盘已满", errno.EDQUOT: "磁盘配额已满",
    errno.ENOENT: "文件夹不存在", errno.ENOTDIR: "路径中有一段是文件而不是文件夹", errno.EISDIR: "同名的文件夹已存在",
    errno.EROFS: "磁盘只读", errno.ENAMETOOLONG: "文件名太长", errno.EEXIST: "文件已存在",
    errno.EBUSY: "文件正被占用", errno.ETXTBSY: "文件正被占用", errno.EINVAL: "文件名无效",
}


def os_reason(exc: OSError) -> str:
    """The reason of an operating-system error in Chinese (权限不足, 磁盘已满, 文件夹不存在 …), never English."""
    if exc.errno in _ERRNO_REASONS:
        return _ERRNO_REASONS[exc.errno]
    if getattr(exc, "winerror", None) in (32, 33):  # the file is open in Word/Excel on Windows
        return "文件正被其他程序（如 Word、Excel）打开"
    return f"系统错误 {exc.errno}" if exc.errno else "系统错误"


def _output_error(target: Path, exc: OSError) -> OutputError:
    return OutputError(
        f"无法写入文件 {target}（{os_reason(exc)}）：请检查输出文件夹是否存在、是否有写入权限、磁盘是否已满，"
        "以及文件是否正在 Word/Excel 中打开。",
        location=Location(file=str(target)),
    )


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(target: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 ``text`` to ``target`` atomically."""
    atomic_write_bytes(target, text.encode("utf-8"))


def output_target(path: str | os.PathLike[str], suffix: str, stem: str, what: str) -> Path:
    """Where a writer of ``suffix`` files writes for ``path``: ``path`` itself when it ends in ``suffix``, else
    ``path/<stem><suffix>`` when ``path`` is a folder (existing, or named without a suffix).

    A file name with another suffix (``render_xlsx(r, "y.docx")``) raises ``OUT-TARGET`` instead of writing a
    file whose name lies about its contents, or a folder named like a file.  ``what`` names the file
    (``Excel 数据表``) for the message.
    """
    target = Path(path)
    if target.suffix.lower() == suffix:
        return target
    if target.is_dir() or not target.suffix:
        return target / f"{stem}{suffix}"
    raise OutputError(
        f"{what}应写成 {suffix} 文件，但给出的是“{target.name}”（后缀 {target.suffix}）：请给出 {suffix} 文件名或一个文件夹"
        f"（{what} must be written to a {suffix} file or a folder）。",
        code="OUT-TARGET", location=Location(file=str(target)),
    )
