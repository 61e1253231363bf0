"""Warm LibreOffice: processes started once and reused for many documents.

A :class:`PdfConverter` owns one headless ``soffice`` (its own temporary user profile, listening on a
private UNO pipe) and a small bridge process (``_bridge.py``, run by a Python that can ``import uno``)
that loads each document and stores it as PDF.  Each document has a timeout; when LibreOffice
crashes, is killed or hangs, the converter kills it, starts a fresh one and tries that document once
more, so one bad document or one dead process costs a retry, never the run.  The PDF is stored under a
temporary name in the target folder and renamed into place, so nothing is ever half-written.

:class:`PdfPool` runs ``workers`` converters side by side (one thread feeding each).  Bulk workers
that already run in their own processes use one :class:`PdfConverter` each.

Without a UNO-capable Python the converter falls back to one ``soffice --convert-to`` run per call
(the cold way, slow but correct).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import tempfile
import threading
import uuid
import weakref
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import attrs

from reportgen.domain.errors import ConversionError
from reportgen.domain.findings import Location
from reportgen.formats.office.fonts import FontSubstitution, office_env, substitutions
from reportgen.formats.office.locate import find_uno_python, require_soffice
from reportgen.formats.office.sessions import session_ended, session_started

__all__ = ["DOCUMENT_TIMEOUT", "START_TIMEOUT", "PdfConverter", "PdfPool", "PdfResult", "cold_convert", "default_workers"]

DOCUMENT_TIMEOUT = 60.0
"""Seconds one document may take in a warm LibreOffice before it is killed and the document retried."""
START_TIMEOUT = 60.0
"""Seconds LibreOffice may take to start (the first start with a fresh profile takes a few seconds)."""

_BRIDGE = Path(__file__).with_name("_bridge.py")


@attrs.frozen
class PdfResult:
    """One converted document: the PDF, the fonts substituted in it, and how many tries it took."""

    source: Path
    pdf: Path
    substituted: tuple[FontSubstitution, ...] = ()
    attempts: int = 1


def _kill_group(proc: subprocess.Popen[Any] | None) -> None:
    """Kill ``proc`` and everything it started (soffice's launcher starts soffice.bin)."""
    if proc is None:
        return
    if proc.poll() is not None:
        with contextlib.suppress(Exception):
            proc.wait(timeout=1)
    if os.name == "posix":
        # Also when the launcher has exited: soffice.bin may still be running in its group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    else:
        # Windows: end the whole tree, else soffice.bin outlives soffice.exe.
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True, check=False)
    with contextlib.suppress(Exception):
        proc.kill()
    with contextlib.suppress(Exception):
        proc.wait(timeout=10)
    session_ended(proc.pid)


def _session_kwargs() -> dict[str, Any]:
    if os.name == "posix":
        return {"start_new_session": True}
    return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]


class _Hang(Exception):
    """No answer from the bridge in time."""


class _Dead(Exception):
    """The bridge or LibreOffice exited."""


class _Processes:
    """The processes and profile of one converter, apart from it so that a finalizer can stop them."""

    def __init__(self) -> None:
        self.office: subprocess.Popen[bytes] | None = None
        self.bridge: subprocess.Popen[str] | None = None
        self.profile: tempfile.TemporaryDirectory[str] | None = None

    def close(self) -> None:
        bridge, self.bridge = self.bridge, None
        if bridge is not None and bridge.poll() is None and bridge.stdin is not None:
            with contextlib.suppress(OSError):
                bridge.stdin.close()
        _kill_group(bridge)
        office, self.office = self.office, None
        _kill_group(office)
        if self.profile is not None:
            with contextlib.suppress(OSError):
                self.profile.cleanup()
            self.profile = None


class PdfConverter:
    """One warm LibreOffice, reused for every document converted through it (not thread-safe: one per thread/process).

    ``with PdfConverter() as conv: conv.convert("a.docx", "out/")``.  ``soffice`` is found by
    :func:`~reportgen.formats.office.locate.find_soffice` unless given.  LibreOffice is started on the
    first :meth:`convert`, so creating a converter is cheap.
    """

    def __init__(
        self,
        *,
        soffice: str | os.PathLike[str] | None = None,
        timeout: float = DOCUMENT_TIMEOUT,
        start_timeout: float = START_TIMEOUT,
        retries: int = 1,
    ) -> None:
        self.soffice = require_soffice(soffice)
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.retries = retries
        self.uno_python = find_uno_python(self.soffice)
        self.restarts = 0
        """How many times LibreOffice was started again after a crash or a hang (for logs and tests)."""
        self._p = _Processes()
        self._replies: queue.Queue[str | None] = queue.Queue()
        # A converter dropped without close() (a bulk worker that just returns) still stops its LibreOffice.
        weakref.finalize(self, self._p.close)

    @property
    def warm(self) -> bool:
        """Whether documents go through a reused LibreOffice (False: one cold ``soffice`` run per document)."""
        return self.uno_python is not None

    @property
    def office_pid(self) -> int | None:
        """The process id of the running LibreOffice launcher, if one is running."""
        return self._p.office.pid if self._p.office is not None and self._p.office.poll() is None else None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop LibreOffice and the bridge and remove the temporary profile."""
        self._p.close()

    def _start(self) -> None:
        assert self.uno_python is not None
        self.close()
        self._p.profile = tempfile.TemporaryDirectory(prefix="reportgen-lo-")
        pipe = f"reportgen-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        command = [
            self.soffice,
            f"-env:UserInstallation={Path(self._p.profile.name).as_uri()}",
            "--headless", "--invisible", "--nologo", "--nodefault", "--norestore", "--nolockcheck",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ]
        try:
            self._p.office = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, env=office_env(), **_session_kwargs())
            session_started(self._p.office.pid)
            self._p.bridge = subprocess.Popen(
                [self.uno_python, str(_BRIDGE), pipe, str(self.start_timeout)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                encoding="utf-8", env=_bridge_env(), **_session_kwargs(),
            )
            session_started(self._p.bridge.pid)
        except OSError as exc:
            self.close()
            raise ConversionError(f"无法启动 LibreOffice（{self.soffice}）：{exc}", code="CONVERT-FAILED") from exc
        self._replies = queue.Queue()
        assert self._p.bridge.stdout is not None
        threading.Thread(target=_pump, args=(self._p.bridge.stdout, self._replies), daemon=True).start()
        reply = self._reply(self.start_timeout + 5)
        if not reply.get("ready"):
            raise _Dead(str(reply.get("error", "LibreOffice did not start")))

    def _reply(self, timeout: float) -> dict[str, Any]:
        try:
            line = self._replies.get(timeout=timeout)
        except queue.Empty as exc:
            raise _Hang from exc
        if line is None:
            raise _Dead("bridge exited")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def convert(self, source: str | os.PathLike[str] | bytes, target: str | os.PathLike[str]) -> PdfResult:
        """Convert ``source`` (a path, or the bytes of a .docx) to PDF and return the result.

        ``target`` is the PDF's path, or an existing folder (then ``<folder>/<stem>.pdf``; bytes go to
        ``<folder>/document.pdf``).  Raises :class:`ConversionError` when the document still fails
        after a restart of LibreOffice.
        """
        if isinstance(source, bytes):
            with tempfile.TemporaryDirectory(prefix="reportgen-docx-") as tmp:
                path = Path(tmp) / "document.docx"
                path.write_bytes(source)
                return self.convert(path, target)
        src = Path(source)
        if not src.is_file():
            raise ConversionError(f"要转换的文件不存在：{src}", code="CONVERT-MISSING", location=Location(file=str(src)))
        out = Path(target)
        if out.is_dir() or (not out.suffix and not out.exists()):
            out = out / f"{src.stem}.pdf"
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.stem}.{uuid.uuid4().hex[:8]}.part.pdf")
        try:
            attempts = self._convert_to(src, partial) if self.warm else _cold_one(self.soffice, src, partial,
                                                                                self.timeout)
            os.replace(partial, out)
        finally:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
        return PdfResult(source=src, pdf=out, substituted=tuple(substitutions(out)), attempts=attempts)

    def _convert_to(self, src: Path, partial: Path) -> int:
        last = ""
        for attempt in range(1, self.retries + 2):
            try:
                if self._p.bridge is None or self._p.bridge.poll() is not None:
                    if self._p.bridge is not None:
                        self.restarts += 1
                    self._start()
                assert self._p.bridge is not None
                assert self._p.bridge.stdin is not None
                try:
                    self._p.bridge.stdin.write(json.dumps({"src": str(src.resolve()), "dst": str(partial.resolve())})
                                             + "\n")
                    self._p.bridge.stdin.flush()
                except OSError as exc:
                    raise _Dead(str(exc)) from exc
                reply = self._reply(self.timeout)
            except _Hang:
                last = f"超时（{self.timeout:.0f} 秒）"
                self.restarts += 1
                self.close()
                continue
            except _Dead as exc:
                last = f"LibreOffice 意外退出（{exc}）"
                self.restarts += 1
                self.close()
                continue
            if reply.get("ok") and partial.is_file():
                return attempt
            last = str(reply.get("error", "没有生成 PDF"))
            if reply.get("dead"):  # LibreOffice went away during this document: a fresh one tries it again
                self.restarts += 1
                self.close()
        code = "CONVERT-TIMEOUT" if last.startswith("超时") else "CONVERT-FAILED"
        raise ConversionError(f"LibreOffice 未能把 {src.name} 转换为 PDF（已重试 {self.retries} 次）：{last}",
                              code=code, location=Location(file=str(src)))


def _bridge_env() -> dict[str, str]:
    env = dict(os.environ)
    # The bridge may run under another Python than reportgen's: our PYTHONPATH/PYTHONHOME must not leak into it.
    for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
        env.pop(name, None)
    return env


def _pump(stream: IO[str], replies: queue.Queue[str | None]) -> None:
    """Move the bridge's answers into a queue, so the converter can wait with a timeout on any platform."""
    for line in stream:
        if line.strip():
            replies.put(line)
    replies.put(None)


def _run_cold(command: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Run LibreOffice in its own process group, so a timeout ends soffice.bin too, not only its launcher."""
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=office_env(),
                          **_session_kwargs()) as proc:
        session_started(proc.pid)
        try:
            out, err = proc.communicate(timeout=timeout)
        finally:
            _kill_group(proc)  # on a timeout too; soffice.bin may outlive its launcher
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def cold_convert(soffice: str, sources: Sequence[Path], work: Path, timeout: float) -> None:
    """One ``soffice --convert-to pdf`` run for ``sources`` into ``work`` (its own fresh profile): the plain way."""
    with tempfile.TemporaryDirectory(prefix="reportgen-lo-") as profile:
        command = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                   "--nolockcheck", "--convert-to", "pdf", "--outdir", str(work), *(str(s.resolve()) for s in sources)]
        try:
            done = _run_cold(command, timeout)
        except subprocess.TimeoutExpired as exc:
            raise ConversionError(f"LibreOffice 转换 PDF 超时（{timeout:.0f} 秒）：{', '.join(s.name for s in sources)}",
                                  code="CONVERT-TIMEOUT") from exc
        except OSError as exc:
            raise ConversionError(f"无法启动 LibreOffice（{soffice}）：{exc}", code="CONVERT-FAILED") from exc
        for source in sources:
            if done.returncode != 0 or not (work / f"{source.stem}.pdf").is_file():
                detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()[-500:]
                raise ConversionError(
                    f"LibreOffice 未能把 {source.name} 转换为 PDF（退出码 {done.returncode}）" + (f"：{detail}" if detail else ""),
                    code="CONVERT-FAILED", location=Location(file=str(source)))


def _cold_one(soffice: str, src: Path, partial: Path, timeout: float) -> int:
    with tempfile.TemporaryDirectory(prefix=".reportgen-pdf-", dir=partial.parent) as work:
        cold_convert(soffice, [src], Path(work), timeout)
        os.replace(Path(work) / f"{src.stem}.pdf", partial)
    return 1


class PdfPool:
    """``workers`` warm LibreOffice processes converting documents side by side.

    ``with PdfPool(workers=2) as pool: results = pool.convert_all(paths, "out/")``.  Failures of single
    documents do not stop the others: :meth:`convert_all` returns a result or a :class:`ConversionError`
    for each path, in order.
    """

    def __init__(self, workers: int = 2, *, soffice: str | os.PathLike[str] | None = None,
                 timeout: float = DOCUMENT_TIMEOUT) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        first = PdfConverter(soffice=soffice, timeout=timeout)  # finds LibreOffice once, fails early
        self.converters = [first, *(PdfConverter(soffice=first.soffice, timeout=timeout) for _ in range(workers - 1))]
        self._free: queue.Queue[PdfConverter] = queue.Queue()
        for converter in self.converters:
            self._free.put(converter)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reportgen-pdf")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop every LibreOffice of the pool."""
        self._executor.shutdown(wait=True)
        for converter in self.converters:
            converter.close()

    def _one(self, source: Path, target: Path) -> PdfResult | ConversionError:
        converter = self._free.get()
        try:
            return converter.convert(source, target)
        except ConversionError as exc:
            return exc
        finally:
            self._free.put(converter)

    def convert_all(self, sources: Iterable[str | os.PathLike[str]], out_dir: str | os.PathLike[str]
                    ) -> list[PdfResult | ConversionError]:
        """Convert every source to ``out_dir/<stem>.pdf``; a result or the error of each, in order."""
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        futures = [self._executor.submit(self._one, Path(s), folder / f"{Path(s).stem}.pdf") for s in sources]
        return [f.result() for f in futures]


def default_workers(documents: int) -> int:
    """Warm processes worth starting for ``documents`` documents: one per core, never more than documents."""
    return max(1, min(documents, os.cpu_count() or 1, 8))


