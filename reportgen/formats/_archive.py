"""Reading .docx/.xlsx packages and their XML safely: every limit checked before anything is inflated.

A package from anywhere may be truncated, byte-flipped, a zip bomb, or carry a DTD with entities (XXE,
billion laughs). :func:`open_package` checks the central directory against :mod:`reportgen.domain.limits`
before one byte is inflated; :meth:`Package.read` inflates in chunks and stops at the declared size (a
forged size cannot inflate further); :func:`parse_xml` refuses a DTD before parsing. Every failure is an
:class:`~reportgen.domain.errors.InputError` with a stable code naming the file and the part, never a
``zlib.error``, ``NotImplementedError`` or ``MemoryError``.
"""

from __future__ import annotations

import collections
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path
from types import TracebackType

from lxml import etree

from reportgen.domain import limits
from reportgen.domain.errors import InputError
from reportgen.domain.findings import Location

__all__ = ["Package", "check_package", "open_package", "parse_xml", "refuse_dtd", "uncached_formulas"]

_CHUNK = 1 << 16
_READ_WHOLE_BYTES = 4 * 1024 * 1024
"""Packages up to this size are read into memory at once: zipfile reading a member from a file seeks and locks
its shared handle per read (≈ 40 µs a member, a third of reading a form's parts); larger ones (a county
workbook) are read from the file, so memory does not grow with them."""
_SUPPORTED = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)


def _error(code: str, message: str, file: str, part: str | None = None) -> InputError:
    return InputError.single(code, message, Location(file=file, cell=part))


_LOCAL_HEADER = struct.Struct("<4s2xHH4xIIIHH")
"""A member's local header: signature, flags, method, CRC-32, sizes, name and extra lengths (zip APPNOTE 4.3.7)."""
_INFLATED: collections.OrderedDict[tuple[int, int, int, bytes], bytes] = collections.OrderedDict()
"""(method, CRC-32, size, compressed bytes) → the member inflated: the forms of a bulk run share their styles,
workbook and relationship parts byte for byte, so each is inflated once per process, not once per form."""
_INFLATED_SIZE = 32


class Package:
    """An opened, checked zip package; use as a context manager, read members with :meth:`read`."""

    def __init__(self, archive: zipfile.ZipFile, file: str, data: bytes | None = None) -> None:
        self._zip = archive
        self.file = file
        self._data = data
        """The whole package, when it was read into memory (small members are then cut from it directly)."""

    def names(self) -> list[str]:
        """The member names, in the archive's order."""
        return self._zip.namelist()

    def __contains__(self, name: object) -> bool:
        try:
            self._zip.getinfo(str(name))
        except KeyError:
            return False
        return True

    def read(self, name: str, *, limit: int = limits.MAX_PART_BYTES) -> bytes:
        """The inflated bytes of member ``name``, never more than ``limit`` (``IN-ZIP-BOMB``).

        :raises InputError: ``IN-ZIP-PART`` (no such member), ``IN-ZIP-CORRUPT`` (bad data or CRC).
        """
        try:
            info = self._zip.getinfo(name)
        except KeyError:
            raise _error("IN-ZIP-PART", f"文件中缺少 {name}：不是完整的 Office 文档。", self.file, name) from None
        allowed = min(limit, info.file_size)
        if self._data is not None and info.file_size <= allowed < _CHUNK:
            data = self._small(info)
            if data is not None:
                return data
        try:
            with self._zip.open(info) as stream:
                if allowed < _CHUNK:  # a small part in one read, which inflates no more than asked for
                    data = stream.read(allowed + 1)
                else:
                    out = io.BytesIO()
                    while chunk := stream.read(_CHUNK):
                        out.write(chunk)
                        if out.tell() > allowed:
                            break
                    data = out.getvalue()
                if len(data) > allowed:
                    raise _error(
                        "IN-ZIP-BOMB", f"{name} 解压后超过声明的大小，文件已损坏或被篡改。", self.file, name
                    )
        except InputError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise _error(
                "IN-ZIP-CORRUPT", f"{name} 已损坏，无法解压（{type(exc).__name__}）。", self.file, name
            ) from None
        return data

    def _small(self, info: zipfile.ZipInfo) -> bytes | None:
        """A small member cut from the package in memory and inflated at once, or ``None`` when anything about it
        is not plain (then :meth:`read` goes through zipfile, which reports the damage exactly as before).

        zipfile costs ≈ 15 µs a member in Python (a shared file handle, a header read, a stream object), a
        third of inflating a form's parts; the checks are the same: the local header, the name, the size and the
        CRC-32 must all agree with the central directory."""
        data = self._data
        assert data is not None
        start = info.header_offset
        try:
            magic, flags, _method, _crc, _csize, _size, name_len, extra_len = _LOCAL_HEADER.unpack_from(data, start)
        except struct.error:
            return None
        if magic != b"PK\x03\x04" or (flags | info.flag_bits) & 0x61:  # encrypted, patched data: zipfile says why
            return None
        name = data[start + 30 : start + 30 + name_len]
        try:
            if name.decode("utf-8" if flags & 0x800 else "cp437") != info.orig_filename:
                return None
        except UnicodeDecodeError:
            return None
        begin = start + 30 + name_len + extra_len
        raw = data[begin : begin + info.compress_size]
        if len(raw) != info.compress_size:
            return None
        key = (info.compress_type, info.CRC, info.file_size, raw)
        known = _INFLATED.get(key)
        if known is not None:
            _INFLATED.move_to_end(key)
            return known
        if info.compress_type == zipfile.ZIP_STORED:
            out = raw
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            inflate = zlib.decompressobj(-15)
            try:
                out = inflate.decompress(raw, info.file_size + 1)
            except zlib.error:
                return None
            if not inflate.eof:
                return None
        else:
            return None
        if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
            return None
        _INFLATED[key] = out
        if len(_INFLATED) > _INFLATED_SIZE:
            _INFLATED.popitem(last=False)
        return out

    def head(self, name: str, size: int) -> bytes:
        """The first ``size`` inflated bytes of member ``name`` (``IN-ZIP-CORRUPT`` if they cannot be read)."""
        try:
            with self._zip.open(name) as stream:
                return stream.read(size)
        except KeyError:
            raise _error("IN-ZIP-PART", f"文件中缺少 {name}：不是完整的 Office 文档。", self.file, name) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise _error(
                "IN-ZIP-CORRUPT", f"{name} 已损坏，无法解压（{type(exc).__name__}）。", self.file, name
            ) from None

    def xml_names(self) -> list[str]:
        """The XML members (``.xml``, ``.rels``, ``.vml``)."""
        return [name for name in self.names() if name.endswith((".xml", ".rels", ".vml"))]

    def close(self) -> None:
        """Close the underlying archive."""
        self._zip.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_package(
    source: str | Path | bytes,
    *,
    file: str | None = None,
    kind: str = "Office 文档",
    part_limit: int = limits.MAX_PART_BYTES,
    not_zip_code: str = "IN-ZIP-CORRUPT",
) -> Package:
    """Open the zip package ``source`` (a path or its bytes) after checking every limit on its members.

    ``part_limit`` is the inflated size allowed for one member: :data:`~reportgen.domain.limits.MAX_PART_BYTES`
    for parts read into memory, :data:`~reportgen.domain.limits.MAX_STREAMED_PART_BYTES` for a worksheet a
    reader streams. ``not_zip_code`` is the code for a file that is no zip at all (a reader's own
    long-standing code, e.g. ``IN-XLSX-UNREADABLE``); everything else keeps the codes below.

    :raises InputError: ``IN-FILE``, ``IN-TOO-LARGE``, ``IN-ZIP-CORRUPT`` (not a zip, truncated),
        ``IN-ZIP-UNSUPPORTED`` (encrypted, an unknown compression), ``IN-ZIP-BOMB`` (a member or the whole
        inflating past the limits, or a ratio no Office file has).
    """
    where = file if file is not None else ("<bytes>" if isinstance(source, bytes) else str(source))
    whole: bytes | None = None
    if isinstance(source, bytes):
        size = len(source)
        whole = source
        handle: io.BytesIO | Path = io.BytesIO(source)
    else:
        handle = Path(source)
        try:
            size = handle.stat().st_size
        except OSError as exc:
            raise _error("IN-FILE", f"无法读取文件：{exc.strerror or exc}。", where) from None
    if size > limits.MAX_INPUT_BYTES:
        raise _error(
            "IN-TOO-LARGE", f"文件有 {size // (1024 * 1024)} MB，超过 {limits.MAX_INPUT_BYTES // (1024 * 1024)} MB 上限。", where
        )
    try:
        if isinstance(handle, Path) and size <= _READ_WHOLE_BYTES:
            whole = handle.read_bytes()
            handle = io.BytesIO(whole)
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise _error(
            not_zip_code, f"不是有效的 {kind}（无法作为 zip 包打开：{type(exc).__name__}），文件可能已损坏或被截断。",
            where,
        ) from None
    try:
        _check_members(archive, where, part_limit)
    except BaseException:
        archive.close()
        raise
    return Package(archive, where, whole if whole is not None and len(whole) <= _READ_WHOLE_BYTES else None)


def _check_members(archive: zipfile.ZipFile, file: str, part_limit: int) -> None:
    infos = archive.infolist()
    if len(infos) > limits.MAX_PACKAGE_MEMBERS:
        raise _error("IN-ZIP-BOMB", f"包内有 {len(infos)} 个部件，超过 {limits.MAX_PACKAGE_MEMBERS} 个上限。", file)
    total = 0
    for info in infos:
        name = info.filename
        if info.flag_bits & 0x1:
            raise _error("IN-ZIP-UNSUPPORTED", f"{name} 已加密：请去掉文档密码后再读取。", file, name)
        if info.compress_type not in _SUPPORTED:
            raise _error(
                "IN-ZIP-UNSUPPORTED", f"{name} 使用了不支持的压缩方式（{info.compress_type}）：请用 Word/Excel/WPS 另存一次。",
                file, name,
            )
        if info.file_size > part_limit:
            raise _error(
                "IN-ZIP-BOMB", f"{name} 解压后有 {info.file_size // (1024 * 1024)} MB，超过单个部件 "
                f"{part_limit // (1024 * 1024)} MB 的上限。", file, name,
            )
        if info.file_size > limits.RATIO_FLOOR_BYTES and info.file_size > limits.MAX_PART_RATIO * max(info.compress_size, 1):
            raise _error(
                "IN-ZIP-BOMB", f"{name} 的压缩比超过 {limits.MAX_PART_RATIO} 倍的上限，不是正常的 Office 文档（疑似压缩炸弹）。",
                file, name,
            )
        total += info.file_size
    allowed = limits.MAX_PACKAGE_BYTES + max(part_limit - limits.MAX_PART_BYTES, 0)
    if total > allowed:
        raise _error("IN-ZIP-BOMB", f"解压后共 {total // (1024 * 1024)} MB，超过 {allowed // (1024 * 1024)} MB 上限。", file)


def refuse_dtd(data: bytes, *, file: str, part: str) -> None:
    """``IN-XML-DTD`` when the prolog of ``data`` holds a DTD or an entity declaration (for parsers of their own)."""
    if _DTD.search(data, 0, _prolog_end(data)):
        raise _error("IN-XML-DTD", f"{part} 含有 DTD/实体声明，Office 文档不会有，已拒绝读取（防止 XXE）。", file, part)


def parse_xml(data: bytes, *, file: str, part: str) -> etree._Element:
    """The root of the XML ``data`` of ``part``; a DTD (entities, XXE) is refused before parsing.

    :raises InputError: ``IN-XML-DTD``, ``IN-XML-CORRUPT`` (with the line and column).
    """
    if _DTD.search(data, 0, _prolog_end(data)):
        raise _error("IN-XML-DTD", f"{part} 含有 DTD/实体声明，Office 文档不会有，已拒绝读取（防止 XXE）。", file, part)
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        raise _error("IN-XML-CORRUPT", f"{part} 第 {line} 行第 {column} 列的 XML 已损坏：{exc.msg}。", file, part) from None
    except (ValueError, MemoryError) as exc:
        raise _error("IN-XML-CORRUPT", f"{part} 不是可读的 XML（{type(exc).__name__}）。", file, part) from None


def _prolog_end(data: bytes) -> int:
    """Where the root element starts: a DTD can only stand before it."""
    at = 0
    while True:
        at = data.find(b"<", at)
        if at < 0:
            return len(data)
        nxt = data[at + 1 : at + 2]
        if nxt in (b"?", b"!"):
            if data.startswith(b"<!--", at):
                end = data.find(b"-->", at)
                at = len(data) if end < 0 else end + 3
                continue
            if nxt == b"!":
                return len(data)  # a declaration (DOCTYPE) before the root: let the search find it
            end = data.find(b">", at)
            at = len(data) if end < 0 else end + 1
            continue
        return at


def check_package(
    source: str | Path | bytes,
    *,
    file: str | None = None,
    kind: str = "Excel 工作簿",
    part_limit: int = limits.MAX_PART_BYTES,
    not_zip_code: str = "IN-ZIP-CORRUPT",
) -> None:
    """Check a package before a library that opens it on its own (openpyxl) does: the limits of
    :func:`open_package`, and no DTD in any XML part (sharedStrings.xml with an entity is how XXE reaches a
    workbook reader). Only the prolog of each part is inflated, so a large streamed sheet costs nothing."""
    with open_package(source, file=file, kind=kind, part_limit=part_limit, not_zip_code=not_zip_code) as package:
        for name in package.xml_names():
            head = package.head(name, limits.MAX_PROLOG_BYTES)
            end = _prolog_end(head)
            if _DTD.search(head, 0, end) or (end == len(head) == limits.MAX_PROLOG_BYTES):
                raise _error("IN-XML-DTD", f"{name} 含有 DTD/实体声明，Office 文档不会有，已拒绝读取（防止 XXE）。",
                             package.file, name)


_SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


def _sheet_part(package: Package, sheet: str) -> str | None:
    """The member of worksheet ``sheet`` (by its name in ``xl/workbook.xml``), if it has one."""
    if "xl/workbook.xml" not in package or "xl/_rels/workbook.xml.rels" not in package:
        return None
    book = parse_xml(package.read("xl/workbook.xml"), file=package.file, part="xl/workbook.xml")
    rels = parse_xml(package.read("xl/_rels/workbook.xml.rels"), file=package.file, part="xl/_rels/workbook.xml.rels")
    rel_id = next((s.get(f"{{{_REL_NS}}}id") for s in book.iter(f"{{{_SHEET_NS}}}sheet") if s.get("name") == sheet), None)
    target = next((r.get("Target", "") for r in rels if r.get("Id") == rel_id), None)
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def uncached_formulas(
    source: str | Path, sheet: str, *, file: str | None = None, part_limit: int = limits.MAX_STREAMED_PART_BYTES
) -> dict[int, list[str]]:
    """``{row: [cell refs]}`` of the cells of worksheet ``sheet`` that hold a formula without a cached value.

    openpyxl reads such a cell as empty in ``data_only`` mode, which a figure reader would take as 0: a
    workbook whose formulas were written by a program and never recalculated by Excel/WPS.  The sheet is
    streamed twice at most: once for any ``<f>`` at all (the common case ends here), then parsed
    incrementally, so a large streamed sheet is never held in memory.
    """
    with open_package(source, file=file, part_limit=part_limit) as package:
        name = _sheet_part(package, sheet)
        if name is None or name not in package:
            return {}
        try:
            with package._zip.open(name) as stream:
                tail = b""
                while chunk := stream.read(1 << 20):
                    if _FORMULA.search(tail + chunk):
                        break
                    tail = chunk[-16:]
                else:
                    return {}
            found: dict[int, list[str]] = {}
            with package._zip.open(name) as stream:
                cell, formula, value = f"{{{_SHEET_NS}}}c", f"{{{_SHEET_NS}}}f", f"{{{_SHEET_NS}}}v"
                for _, element in etree.iterparse(stream, events=("end",), tag=cell, resolve_entities=False,
                                                  no_network=True, load_dtd=False):
                    if element.find(formula) is not None:
                        cached = element.find(value)
                        if cached is None or not (cached.text or "").strip():
                            ref = element.get("r", "")
                            digits = "".join(ch for ch in ref if ch.isdigit())
                            if digits:
                                found.setdefault(int(digits), []).append(ref)
                    element.clear(keep_tail=False)
            return found
        except etree.XMLSyntaxError as exc:
            line, column = exc.position
            raise _error("IN-XML-CORRUPT", f"{name} 第 {line} 行第 {column} 列的 XML 已损坏：{exc.msg}。",
                         package.file, name) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise _error("IN-ZIP-CORRUPT", f"{name} 已损坏，无法解压（{type(exc).__name__}）。", package.file, name) from None
