"""Limits on everything reportgen reads, so no input can exhaust memory or time.

Each limit is a constant with the code of the error that reports it (see ``docs/limits.md``). They sit
far above anything a real report, form or county workbook needs and below what Word, LibreOffice,
python-docx and lxml can still open: a document that passes them can always be opened again.
"""

from __future__ import annotations

__all__ = [
    "MAX_GRID_COLUMNS",
    "MAX_INPUT_BYTES",
    "MAX_OTHER_ITEMS",
    "MAX_PACKAGE_BYTES",
    "MAX_PACKAGE_MEMBERS",
    "MAX_PART_BYTES",
    "MAX_PART_RATIO",
    "MAX_PROLOG_BYTES",
    "MAX_SHEET_CELLS",
    "MAX_STREAMED_PART_BYTES",
    "MAX_TABLE_ROWS",
    "MAX_TASK_SECONDS",
    "MAX_TEMPLATE_NUMBER_BITS",
    "MAX_TEMPLATE_OUTPUT_CHARS",
    "MAX_TEMPLATE_SECONDS",
    "MAX_TEMPLATE_STEPS",
    "MAX_TEMPLATE_VALUE_CHARS",
    "MAX_TEXT_CHARS",
    "MAX_WORKER_MEMORY_MB",
    "MAX_YAML_ALIASES",
    "MAX_YAML_KEYS",
    "MAX_YAML_NODES",
    "RATIO_FLOOR_BYTES",
    "TASK_SECONDS_ENV",
    "WORKER_MEMORY_ENV",
]

MAX_INPUT_BYTES = 64 * 1024 * 1024
"""Size of any one input file on disk (``IN-TOO-LARGE``); a published report with pictures is a few MB."""

MAX_PART_BYTES = 64 * 1024 * 1024
"""Inflated size of one member of a .docx/.xlsx package (``IN-ZIP-BOMB``), checked before it is read."""

MAX_STREAMED_PART_BYTES = 2 * 1024 * 1024 * 1024 - 1
"""Inflated size of a worksheet that is streamed, never held in memory (the county workbook, read in
read-only mode; ``IN-ZIP-BOMB``): 40,000 townships × 200 figures is about 250 MB of sheet XML."""

MAX_PACKAGE_BYTES = 256 * 1024 * 1024
"""Inflated size of all members of a package together (``IN-ZIP-BOMB``)."""

MAX_PACKAGE_MEMBERS = 10_000
"""Members of one package (``IN-ZIP-BOMB``); a report has about 20."""

MAX_PART_RATIO = 200
"""Compression ratio of a member larger than :data:`RATIO_FLOOR_BYTES` (``IN-ZIP-BOMB``); Office XML
compresses about 5–30×, a zip bomb about 1,000×."""

RATIO_FLOOR_BYTES = 1024 * 1024
"""Members smaller than this are not held to :data:`MAX_PART_RATIO` (a tiny, very regular part is fine)."""

MAX_PROLOG_BYTES = 64 * 1024
"""Bytes before the root element of an XML part (``IN-XML-DTD``): a DTD can only stand there, so only
this much of a streamed part is scanned; a longer prolog is refused."""

MAX_TEXT_CHARS = 32_767
"""Characters in one paragraph or one table cell, for .docx and .xlsx alike (``IN-TEXT-LENGTH``): Excel's
own cell limit, and far below the paragraph size at which Word and LibreOffice stall."""

MAX_GRID_COLUMNS = 64
"""Grid columns of a table (``gridSpan``, ``gridBefore``, ``gridAfter`` summed; ``IN-TABLE-SIZE``); the
official tables have at most 15."""

MAX_TABLE_ROWS = 2_000
"""Rows of one table of a published report (``IN-TABLE-SIZE``); table 三 has 28."""

MAX_SHEET_CELLS = 20_000_000
"""Rows × columns of one worksheet (``IN-SHEET-SIZE``): a county workbook of 40,000 townships × 200 figure
columns is 8 million."""

MAX_OTHER_ITEMS = 200
"""Items of 六、其他需要报告的事项 (``IN-TOO-MANY``); provinces prescribe about seven."""

MAX_YAML_ALIASES = 100
"""Aliases (``*name``) in one YAML input (``IN-YAML-ALIAS``); alias expansion is how a billion-laughs
document grows. Aliases as mapping keys are refused outright."""

MAX_YAML_NODES = 500_000
"""Scalars, sequences and mappings of one YAML/JSON input (``IN-TOO-LARGE``)."""

MAX_YAML_KEYS = 2_000
"""Keys of one YAML/JSON mapping (``IN-TOO-MANY``); the largest mapping of an input has about 30."""

MAX_TEMPLATE_SECONDS = 10.0
"""Wall-clock time of rendering one report with a custom template (``TPL-TIMEOUT``); the official
template takes about a millisecond. Checked at every loop iteration, call, attribute access and output
chunk, so it holds on any thread (no signal is used)."""

MAX_TEMPLATE_STEPS = 1_000_000
"""Loop iterations, calls and attribute accesses of one render with a custom template (``TPL-TIMEOUT``)."""

MAX_TEMPLATE_OUTPUT_CHARS = 16 * 1024 * 1024
"""Characters one custom-template part may render (``TPL-TIMEOUT``); a rendered report body is about 200 KB."""

MAX_TEMPLATE_VALUE_CHARS = 1024 * 1024
"""Length of one string or list a custom template computes (``'x' * n``, ``s.ljust(n)``, ``a ~ a``
doubling; ``TPL-TIMEOUT``), refused before it is built where the size can be known in advance."""

MAX_TEMPLATE_NUMBER_BITS = 4_096
"""Size of an integer a custom template computes (``10 ** (10 ** 10)``; ``TPL-TIMEOUT``); ``**`` and ``*``
are never folded at compile time."""


MAX_WORKER_MEMORY_MB = 1536
"""Memory in MB a worker process of ``bulk``, ``audit`` and ``check -j`` may take beyond what it has when it
starts (private writable memory, ``RLIMIT_DATA``; ``WORKER-MEMORY``): a worker starts with about 120 MB and a
township or a published report adds a few MB to a few dozen. LibreOffice and poppler started by a worker are not
held to it (they have their own time limit)."""

MAX_TASK_SECONDS = 300.0
"""Wall-clock time of one input in a worker process — one file, one township of a chunk, one township of a
county workbook in ``audit`` (``WORKER-TIMEOUT``); a township takes about 50 ms, a PDF a few seconds. The
worker (and what it started, e.g. LibreOffice) is killed, its pool replaced and the other inputs go on."""

WORKER_MEMORY_ENV = "REPORTGEN_WORKER_MEMORY_MB"
"""Environment variable overriding :data:`MAX_WORKER_MEMORY_MB` (a whole number of MB; ``0``: no limit)."""

TASK_SECONDS_ENV = "REPORTGEN_TASK_SECONDS"
"""Environment variable overriding :data:`MAX_TASK_SECONDS` (seconds, may be fractional; ``0``: no limit)."""
