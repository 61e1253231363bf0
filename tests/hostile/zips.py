"""Zip packages with the faults real attacks and real damage have: bombs, forged sizes, flips, truncation."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Mapping

_ZEROS = 1 << 20


def package(members: Mapping[str, bytes | str], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of ``members`` (text encoded as UTF-8)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return out.getvalue()


def replace_member(data: bytes, name: str, content: bytes | str) -> bytes:
    """``data`` (a zip) with member ``name`` replaced by (or added as) ``content``."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members: dict[str, bytes | str] = {n: zf.read(n) for n in zf.namelist()}
    members[name] = content
    return package(members)


def read_member(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(name)


def bomb_member(inflated_mb: int, prefix: bytes = b"", suffix: bytes = b"") -> tuple[bytes, int, int]:
    """``(deflate data, inflated size, crc)`` of ``prefix`` + ``inflated_mb`` MB of zeros + ``suffix``, built
    from one full-flushed chunk repeated (a deflate stream may be concatenated after a full flush), so a
    2 GB bomb costs a few MB and no inflating."""
    def chunk(data: bytes) -> bytes:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)

    zeros = chunk(b"\0" * _ZEROS)
    body = chunk(prefix) + zeros * inflated_mb + chunk(suffix) + b"\x03\x00"
    size = len(prefix) + inflated_mb * _ZEROS + len(suffix)
    return body, size, 0  # the CRC is never reached: the limits refuse the member first


def raw_zip(entries: list[tuple[str, bytes, int, int, int]], *, flags: int = 0) -> bytes:
    """A zip written by hand: ``(name, stored bytes, method, declared size, crc)`` per member (sizes may lie)."""
    out = io.BytesIO()
    central = []
    for name, body, method, size, crc in entries:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, 0, 0x21, crc, len(body), size,
                              len(encoded), 0))
        out.write(encoded)
        out.write(body)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, method, 0, 0x21, crc, len(body),
                                   size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    for record in central:
        out.write(record)
    end = out.tell()
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), end - start, start, 0))
    return out.getvalue()


def with_bomb(data: bytes, name: str, inflated_mb: int, prefix: bytes = b"", suffix: bytes = b"") -> bytes:
    """The package ``data`` with member ``name`` replaced by a bomb (every other member kept, stored)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = [(n, zf.read(n)) for n in zf.namelist() if n != name]
    entries = [(n, body, 0, len(body), zlib.crc32(body)) for n, body in members]
    body, size, crc = bomb_member(inflated_mb, prefix, suffix)
    entries.append((name, body, 8, size, crc))
    return raw_zip(entries)


def forged_size(data: bytes, name: str, declared: int) -> bytes:
    """``data`` with member ``name`` declaring ``declared`` inflated bytes (its data unchanged)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = [(n, zf.read(n)) for n in zf.namelist()]
    entries = []
    for n, body in members:
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        packed = c.compress(body) + c.flush()
        entries.append((n, packed, 8, declared if n == name else len(body), zlib.crc32(body)))
    return raw_zip(entries)


def method(data: bytes, name: str, compression: int) -> bytes:
    """``data`` with member ``name`` written with another compression (bzip2, lzma)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = [(n, zf.read(n)) for n in zf.namelist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n, body in members:
            zf.writestr(n, body, compress_type=compression if n == name else zipfile.ZIP_DEFLATED)
    return out.getvalue()


def encrypted(data: bytes) -> bytes:
    """``data`` with the encryption flag set on every member (as a password-protected zip has)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = [(n, zf.read(n)) for n in zf.namelist()]
    return raw_zip([(n, body, 0, len(body), zlib.crc32(body)) for n, body in members], flags=1)


def flipped(data: bytes, seed: int, flips: int = 8) -> bytes:
    """``data`` with ``flips`` random bytes changed (seeded: the same case every run)."""
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(flips):
        at = rng.randrange(len(out))
        out[at] = rng.randrange(256)
    return bytes(out)


def truncated(data: bytes, fraction: float) -> bytes:
    return data[: max(1, int(len(data) * fraction))]
