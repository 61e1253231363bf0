"""Output folders for the benchmarks that write many files, kept until the script ends, and what creating a file
costs where they are.

Why: on an ext4 file system without a journal (this VM's root: the kernel log says "mounted filesystem … without
journal") the kernel passes over every inode freed in the last minutes when it allocates a new one
(``recently_deleted`` in ``fs/ext4/ialloc.c``; ``perf`` shows it and ``find_get_block_common`` taking the time).
Measured here after 30,000 files were deleted: creating an empty file took 1.2 ms 10 s later, 1.7 ms after 20 s,
0.3 ms after 80–160 s and 0.2 ms after 320 s, against 0.02 ms on a settled disk.  A benchmark that deletes one
run's 77,000 outputs just before the next run would time that kernel path (two files per township: 0.4–3.4 ms
per township), not reportgen, and differently from run to run.  So no output is deleted until every run is done,
and each run prints the cost of a file creation in its output folder just before it starts.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from types import TracebackType

__all__ = ["Scratch"]

_PROBE_FILES = 200


class Scratch:
    """A folder under ``root`` (default: the temporary folder) for every output of a benchmark script, removed
    when the script is done with it (``with Scratch() as scratch:``)."""

    def __init__(self, root: Path | None = None) -> None:
        if root is not None:
            root.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix="bench-out-", dir=root))
        self._made = 0

    def folder(self, name: str) -> Path:
        """A new, empty folder for one run's output (kept until :meth:`close`)."""
        self._made += 1
        path = self.root / f"{self._made:03d}-{name}"
        path.mkdir()
        return path

    def create_ms(self) -> float:
        """Milliseconds to create one empty file here, now (the probe's files are kept too: deleting them would
        add to what it measures)."""
        probe = self.folder("probe")
        start = time.perf_counter()
        for i in range(_PROBE_FILES):
            os.close(os.open(probe / f"{i}", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        return (time.perf_counter() - start) / _PROBE_FILES * 1000

    def close(self) -> None:
        """Delete every output folder."""
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
