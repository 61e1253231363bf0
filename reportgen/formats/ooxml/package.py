"""Office packages (.docx, .xlsx) as zip archives: read one, write one deterministically from pre-deflated entries.

Both writers keep the parts that never change (styles, themes, the static sheets) compressed once
per process and deflate only the parts rendered for each report.  :mod:`zipfile` cannot take an
entry that is already compressed, so :func:`write_zip` lays out the archive itself (APPNOTE 4.3:
local headers, central directory, end record).  Every header field is fixed — one timestamp
(:data:`ZIP_DATE`), "made by" MS-DOS, no extra fields — so the bytes depend on the content only, on
every platform::

    static parts ──deflate(level 6–9) once──► Entry ┐
    rendered parts ──deflate(level 1) per report──► Entry ┴─► write_zip ──► bytes

A rendered part can itself be mostly static (a worksheet's labels, formulas, merges and formatting around a
few figures): :func:`piece` deflates such a stretch once, ending it with a sync flush (an empty stored block:
byte-aligned, not final), and :func:`entry_of_pieces` joins pre-deflated pieces and the per-report text
deflated between them into one deflate stream.  That is valid deflate (RFC 1951: a stream is any sequence
of blocks, the last one marked final; no block refers back past its own compressor's input), read by every
inflater — zlib, Python's :mod:`zipfile`, Excel, LibreOffice — as the concatenated text.
"""

from __future__ import annotations

import io
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

__all__ = [
    "MAX_ENTRIES",
    "ZIP_DATE",
    "Entry",
    "Piece",
    "deflate",
    "entries_of",
    "entry",
    "entry_of_pieces",
    "piece",
    "read_zip",
    "write_zip",
]

ZIP_DATE = (2021, 9, 26, 0, 0, 0)
"""The modification time written for every entry (the day of 国办公开办函〔2021〕30号's format)."""
MAX_ENTRIES = 0xFFFF
"""No zip64: an Office package has a few dozen parts."""

_DOS_TIME = ZIP_DATE[3] << 11 | ZIP_DATE[4] << 5 | ZIP_DATE[5] // 2
_DOS_DATE = (ZIP_DATE[0] - 1980) << 9 | ZIP_DATE[1] << 5 | ZIP_DATE[2]
_DEFLATED = 8
_VERSION = 20  # 2.0: deflate
_UTF8 = 0x800  # general purpose flag bit 11: the name is UTF-8
_LIMIT = 0xFFFFFFFF


class Entry(NamedTuple):
    """One archive member, already compressed: ``data`` is raw deflate of ``size`` bytes with ``crc``."""

    name: str
    crc: int
    data: bytes
    size: int


def deflate(data: bytes, level: int = 6) -> bytes:
    """Raw deflate (no zlib header), as a zip entry holds it."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def entry(name: str, data: bytes, level: int = 6) -> Entry:
    """``data`` deflated at ``level`` as the member ``name``."""
    return Entry(name, zlib.crc32(data), deflate(data, level), len(data))


class Piece(NamedTuple):
    """A stretch of a part deflated once (sync-flushed, not final): ``raw`` and its ``deflated`` bytes."""

    raw: bytes
    deflated: bytes


_FINAL_EMPTY_BLOCK = b"\x03\x00"  # a final, empty block with fixed codes: what zlib's flush() writes for no input


def piece(raw: bytes, level: int = 9) -> Piece:
    """``raw`` deflated on its own at ``level``, ending byte-aligned and not final (see the module docstring)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return Piece(raw, compressor.compress(raw) + compressor.flush(zlib.Z_SYNC_FLUSH))


_LOCAL = threading.local()


def _deflate_run(data: bytes, level: int) -> bytes:
    """``data`` deflated by this thread's long-lived compressor of ``level``, ending with a *full* flush.

    A full flush ends byte-aligned, not final, and forgets everything before it, so what it wrote for ``data``
    refers to nothing outside ``data``: a valid run anywhere in any deflate stream.  Reusing one compressor
    saves setting one up per run (zlib allocates ≈ 270 KB per compressor, fresh pages that fault in: that,
    not deflating, was most of the cost of the small runs of a workbook).
    """
    compressors: dict[int, Any] | None = getattr(_LOCAL, "compressors", None)
    if compressors is None:
        compressors = _LOCAL.compressors = {}
    compressor = compressors.get(level)
    if compressor is None:
        compressor = compressors[level] = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def entry_of_pieces(name: str, parts: Iterable[bytes | Piece], level: int = 1) -> Entry:
    """The member ``name`` holding the concatenation of ``parts``: :class:`Piece` s as deflated once, the
    bytes between them deflated here at ``level``."""
    out: list[bytes] = []
    pending: list[bytes] = []
    crc = size = 0

    def flush() -> None:
        out.append(_deflate_run(b"".join(pending), level))
        pending.clear()

    for part in parts:
        if isinstance(part, Piece):
            if pending:
                flush()
            out.append(part.deflated)
            raw = part.raw
        else:
            pending.append(part)
            raw = part
        crc = zlib.crc32(raw, crc)
        size += len(raw)
    if pending:
        flush()
    out.append(_FINAL_EMPTY_BLOCK)
    return Entry(name, crc, b"".join(out), size)


def write_zip(entries: Iterable[Entry]) -> bytes:
    """A zip archive of ``entries`` in the given order (fixed timestamps: the bytes depend on content only).

    :raises ValueError: more than :data:`MAX_ENTRIES` entries or a member past 4 GiB (zip64 is not written).
    """
    out = bytearray()
    central = bytearray()
    count = 0
    for name, crc, data, size in entries:
        raw = name.encode("utf-8")
        flags = 0 if raw.isascii() else _UTF8
        if len(data) > _LIMIT or size > _LIMIT or len(out) > _LIMIT:
            raise ValueError(f"zip member {name} is too large for a zip without zip64")
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, _VERSION, flags, _DEFLATED, _DOS_TIME, _DOS_DATE,
                           crc, len(data), size, len(raw), 0)
        out += raw
        out += data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, _VERSION, _VERSION, flags, _DEFLATED,
                               _DOS_TIME, _DOS_DATE, crc, len(data), size, len(raw), 0, 0, 0, 0, 0, offset)
        central += raw
        count += 1
    if count > MAX_ENTRIES:
        raise ValueError(f"{count} zip members: more than {MAX_ENTRIES} needs zip64")
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(out), 0)
    return bytes(out + central + end)


def read_zip(data: bytes) -> dict[str, bytes]:
    """Every file member of the archive ``data``, by name (a name written twice: the last one, as in Word).

    :raises zipfile.BadZipFile, OSError, EOFError: ``data`` is not a readable zip archive.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist() if not info.is_dir()}


def entries_of(files: Sequence[tuple[str, bytes]], level: int = 6) -> tuple[Entry, ...]:
    """:func:`entry` of each ``(name, data)``, in order."""
    return tuple(entry(name, data, level) for name, data in files)
