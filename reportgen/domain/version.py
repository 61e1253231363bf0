"""The package's version, defined once: the build reads it from here (``[tool.hatch.version]`` in pyproject.toml).

A plain constant rather than ``importlib.metadata.version("reportgen")`` at import: that scanned the installed
distributions at every start of every command, and gave a made-up version in a source tree that was never
installed.  (Measured: the import of ``reportgen.cli`` no longer loads importlib.metadata; its wall time is within
this machine's run-to-run spread either way.)
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
