"""The ``reportgen`` command line: a thin layer over the library; the only place that prints or exits.

Each command lives in its own module and registers itself on :data:`reportgen.cli._app.app`.
"""

from __future__ import annotations

# Importing a command module registers its command.
from reportgen.cli import audit_cmd as _audit_cmd  # noqa: F401  (registration)
from reportgen.cli import bulk_cmd as _bulk_cmd  # noqa: F401  (registration)
from reportgen.cli import check_cmd as _check_cmd  # noqa: F401  (registration)
from reportgen.cli import extract_cmd as _extract_cmd  # noqa: F401  (registration)
from reportgen.cli import form_cmd as _form_cmd  # noqa: F401  (registration)
from reportgen.cli import new_cmd as _new_cmd  # noqa: F401  (registration)
from reportgen.cli import render_cmd as _render_cmd  # noqa: F401  (registration)
from reportgen.cli._app import app, main

__all__ = ["app", "main"]
