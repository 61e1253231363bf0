"""Safe package reading: every corrupt or hostile zip/XML is a located InputError with a stable code."""

from __future__ import annotations

import io
import random
import struct
import zipfile
from pathlib import Path

import pytest

from reportgen.domain import limits
from reportgen.domain.errors import InputError
from reportgen.formats._archive import Package, check_package, open_package, parse_xml

EXAMPLE_XLSX = Path(__file__).resolve().parents[1] / "examples" / "zhaoyuan-county-2022.xlsx"


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def _read_all(source: bytes, file: str) -> None:
    with open_package(source, file=file) as package:
        for name in package.names():
            parse_xml(package.read(name), file=file, part=name)


def _code(source: bytes) -> str:
    with pytest.raises(InputError) as info:
        _read_all(source, "x.docx")
    assert info.value.location.file == "x.docx"
    assert info.value.findings
    assert info.value.findings[0].code == info.value.code
    return info.value.code


def test_a_real_workbook_passes() -> None:
    """The county example workbook passes every check, and every part parses."""
    check_package(EXAMPLE_XLSX)
    with open_package(EXAMPLE_XLSX) as package:
        for name in package.xml_names():
            parse_xml(package.read(name), file=str(EXAMPLE_XLSX), part=name)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "IN-ZIP-CORRUPT"),
        (b"PK\x03\x04 not really", "IN-ZIP-CORRUPT"),
        (b"plain text", "IN-ZIP-CORRUPT"),
    ],
)
def test_not_a_zip(data: bytes, code: str) -> None:
    """Empty, truncated headers and plain text are IN-ZIP-CORRUPT."""
    assert _code(data) == code


def test_bomb_by_size_and_by_ratio() -> None:
    """A member inflating past the part limit, or at a ratio no Office file has, is refused before reading."""
    assert _code(_zip({"word/document.xml": b"\0" * (limits.MAX_PART_BYTES + 1)})) == "IN-ZIP-BOMB"
    assert _code(_zip({"xl/worksheets/sheet1.xml": b" " * (8 * 1024 * 1024)})) == "IN-ZIP-BOMB"


def test_forged_size_cannot_inflate_further() -> None:
    """A central directory that declares a small size for a large member stops at the declared size."""
    data = bytearray(_zip({"word/document.xml": b"<a>" + b"x" * 100_000 + b"</a>"}))
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 10)  # uncompressed size in the central directory
    assert _code(bytes(data)) in {"IN-ZIP-BOMB", "IN-ZIP-CORRUPT"}


def test_unsupported_compression_and_encryption() -> None:
    """bzip2 members and encrypted members are IN-ZIP-UNSUPPORTED with the part named."""
    assert _code(_zip({"word/document.xml": b"<a/>"}, zipfile.ZIP_BZIP2)) == "IN-ZIP-UNSUPPORTED"
    data = bytearray(_zip({"word/document.xml": b"<a/>"}))
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 0x1  # general purpose flag: encrypted
    assert _code(bytes(data)) == "IN-ZIP-UNSUPPORTED"


@pytest.mark.parametrize(
    "xml",
    [
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>',
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><a>&b;</a>',
        b"<!-- comment --><!DOCTYPE a><a/>",
    ],
)
def test_dtd_is_refused_before_parsing(xml: bytes) -> None:
    """XXE and billion-laughs documents are IN-XML-DTD; nothing is resolved."""
    assert _code(_zip({"xl/sharedStrings.xml": xml})) == "IN-XML-DTD"
    with pytest.raises(InputError) as info:
        check_package(_zip({"xl/sharedStrings.xml": xml}), file="x.xlsx")
    assert info.value.code == "IN-XML-DTD"
    assert info.value.location.cell == "xl/sharedStrings.xml"


def test_broken_xml_names_line_and_column() -> None:
    """Malformed XML is IN-XML-CORRUPT with the part, line and column."""
    with pytest.raises(InputError) as info:
        parse_xml(b"<a>\n<b></a>", file="x.docx", part="word/document.xml")
    assert info.value.code == "IN-XML-CORRUPT"
    assert "第 2 行" in info.value.message


def test_byte_flipped_packages_never_escape() -> None:
    """200 byte-flipped copies of a real workbook: each opens and parses, or is a located InputError."""
    original = EXAMPLE_XLSX.read_bytes()
    rng = random.Random(20261201)
    codes = set()
    for _ in range(200):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        try:
            _read_all(bytes(data), "x.xlsx")
        except InputError as exc:
            codes.add(exc.code)
    assert codes
    assert all(code.startswith(("IN-ZIP", "IN-XML")) for code in codes), codes


def _outcomes(source: bytes, *, whole: bool) -> list[object]:
    """Each member's bytes or error code, read from the package in memory (``whole``) or through zipfile alone."""
    try:
        package = open_package(source, file="x.xlsx")
    except InputError as exc:
        return [exc.code]
    if not whole:
        package = Package(package._zip, package.file)  # no bytes in memory: every member through zipfile
    out: list[object] = []
    with package:
        for name in package.names():
            try:
                out.append(package.read(name))
            except InputError as exc:
                out.append(exc.code)
    return out


def test_small_members_read_from_memory_as_zipfile_reads_them() -> None:
    """Small members are cut from the package in memory (and inflated once per process when several packages share
    them); every byte-flipped copy gives the same bytes or the same code as zipfile's own reading."""
    original = EXAMPLE_XLSX.read_bytes()
    assert _outcomes(original, whole=True) == _outcomes(original, whole=False)
    rng = random.Random(20261203)
    for _ in range(150):
        data = bytearray(original)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        assert _outcomes(bytes(data), whole=True) == _outcomes(bytes(data), whole=False)


def test_a_remembered_member_is_not_taken_for_one_with_another_crc() -> None:
    """The same compressed bytes under another declared CRC-32 (or name) are read and checked again, not remembered."""
    source = _zip({"xl/styles.xml": b"<styleSheet/>" * 50, "xl/workbook.xml": b"<workbook/>"})
    assert _outcomes(source, whole=True)[0] == b"<styleSheet/>" * 50
    forged = bytearray(source)
    central = forged.rfind(b"PK\x01\x02", 0, forged.rfind(b"PK\x01\x02"))  # the first member's directory entry
    struct.pack_into("<I", forged, central + 16, 0x12345678)  # its CRC-32
    assert _outcomes(bytes(forged), whole=True)[0] == "IN-ZIP-CORRUPT"
    renamed = bytearray(source)
    renamed[30:30 + len("xl/styles.xml")] = b"xl/styleX.xml"  # the local header's name no longer the directory's
    assert _outcomes(bytes(renamed), whole=True)[0] == "IN-ZIP-CORRUPT"
