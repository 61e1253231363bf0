"""Word rendering: plain docxtpl vs reportgen's prepared DocxRenderer vs writing the zip alone.

Usage: ``python -m benchmarks.bench_docx [-n 200]``.  All three write the same N reports with the
same template (``templates/report-2021.docx``) and the same context to .docx files in a temporary
folder, one after the other on one core:

* plain docxtpl: ``DocxTemplate(template)``, ``render(context, autoescape=True)``, ``save`` per report;
* reportgen: one ``DocxRenderer()``, ``render(report, path)`` per report (context built from the
  model, structural checks on — the default; also shown with ``check=False``);
* zip alone: writing each report's .docx from its parts already in memory with ``zipfile`` — the
  same parts in the same order with the same compression as reportgen's file (the template's
  unchanged parts at zlib's default level, the rendered ones at level 1) and the same timestamps, so
  every member is byte for byte reportgen's and the file has the same size (checked before timing;
  only header fields such as "made by" differ).  The floor for writing that file.

Then the CPU time (``time.process_time``, median of 3 runs, with the load average) of ``render_bytes`` for
the bulk benchmark's synthetic townships — the official template (compiled, structure proven once) beside
the same template passed as a custom template (Jinja in the bounded sandbox, every structural check per
document): the cost a bulk worker pays per township.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import zipfile
from pathlib import Path

from docxtpl import DocxTemplate

from benchmarks._common import cpu_per_item, sample_reports, time_per_item
from benchmarks.bench_bulk import townships
from reportgen.formats.word.render import DocxRenderer, build_context, default_template_path


def main() -> None:
    """Run the benchmark and print ms/report and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", type=int, default=200, help="reports per run (default 200)")
    args = parser.parse_args()
    n: int = args.n
    template = default_template_path()
    batch = sample_reports(n)
    contexts = [build_context(r) for r in batch]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)

        def plain(i: int) -> None:
            doc = DocxTemplate(str(template))
            doc.render(contexts[i], autoescape=True)
            doc.save(str(out / f"plain{i}.docx"))

        renderer = DocxRenderer()
        unchecked = DocxRenderer(check=False)

        def ours(i: int) -> None:
            renderer.render(batch[i], out / f"ours{i}.docx")

        def ours_unchecked(i: int) -> None:
            unchecked.render(batch[i], out / f"fast{i}.docx")

        templated = {part.name for part in renderer._prepared.parts}
        outputs = [renderer.render_bytes(report) for report in batch]
        rendered: list[list[tuple[zipfile.ZipInfo, bytes, int | None]]] = []
        for data in outputs:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                rendered.append([(zipfile.ZipInfo(info.filename, info.date_time), zf.read(info),
                                  1 if info.filename in templated else None) for info in zf.infolist()])

        def zip_alone(i: int) -> None:
            with zipfile.ZipFile(out / f"zip{i}.docx", "w", zipfile.ZIP_DEFLATED) as zf:
                for info, data, level in rendered[i]:
                    zf.writestr(info, data, zipfile.ZIP_DEFLATED, level)

        def members(data: bytes) -> list[tuple[str, int, int, int, bytes]]:
            # Every member's name, CRC, sizes and compressed bytes, in order: the file minus the header
            # fields zipfile fills in its own way ("made by", attributes; same lengths, same work).
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                return [(i.filename, i.CRC, i.compress_size, i.file_size,
                         data[i.header_offset + 30 + len(i.filename.encode()):][:i.compress_size])
                        for i in zf.infolist()]

        for i in range(n):
            zip_alone(i)
            written = (out / f"zip{i}.docx").read_bytes()
            if members(written) != members(outputs[i]) or len(written) != len(outputs[i]):
                raise SystemExit("zip alone does not write reportgen's members and sizes")

        print(f"{n} reports, template {template.name}, one core")
        t_plain = time_per_item("plain docxtpl (new DocxTemplate each)", n, plain, unit="report")
        t_ours = time_per_item("reportgen DocxRenderer (checks on)", n, ours, unit="report")
        t_fast = time_per_item("reportgen DocxRenderer (check=False)", n, ours_unchecked, unit="report")
        t_zip = time_per_item("zip alone (same parts, same zip)", n, zip_alone, unit="report")
    print(f"speed-up vs plain docxtpl: {t_plain / t_ours:.1f}x (checks on), {t_plain / t_fast:.1f}x (check=False)")
    print(f"reportgen / zip alone:     {t_ours / t_zip:.2f}x (checks on), {t_fast / t_zip:.2f}x (check=False)")

    towns = list(townships(n))
    official = DocxRenderer()
    as_custom = DocxRenderer(template.read_bytes())
    print(f"\n{n} synthetic townships (benchmarks.bench_bulk.townships), render_bytes, CPU time:")
    c_official = cpu_per_item("official template (compiled, structure proven once)", towns, official.render_bytes)
    c_custom = cpu_per_item("same template as a custom one (sandboxed Jinja + checks)", towns,
                              as_custom.render_bytes)
    print(f"custom-template path / official path: {c_custom / c_official:.1f}x")


if __name__ == "__main__":
    main()
