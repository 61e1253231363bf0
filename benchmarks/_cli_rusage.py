"""Run the ``reportgen`` CLI in this process and write its CPU use to a JSON file (for bench_user_path).

``python -m benchmarks._cli_rusage OUT.json bulk INPUT -o OUTDIR …`` is ``reportgen bulk INPUT -o OUTDIR …``
plus, at exit, ``{"main": user+system seconds of this process, "workers": of its waited-for children,
"rc": exit status}`` in ``OUT.json`` — so the benchmark can tell the main process's share of the CPU.
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path

from reportgen.cli import main


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    out = Path(sys.argv[1])
    sys.argv = ["reportgen", *sys.argv[2:]]
    rc: object = 0
    try:
        main()
    except SystemExit as exc:
        rc = exc.code
    finally:
        out.write_text(json.dumps({"main": _cpu(resource.RUSAGE_SELF), "workers": _cpu(resource.RUSAGE_CHILDREN),
                                   "rc": rc if isinstance(rc, int) else 1}))
