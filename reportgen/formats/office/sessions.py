"""Who is told when a LibreOffice process is started in a session of its own, and when it has been stopped.

LibreOffice (and the bridge to it) run in their own session so that a timeout can end soffice.bin with its
launcher.  The price: a process that kills a worker's process group does not reach them.  A pool worker
therefore registers a hook here (:func:`watch_sessions`) and tells the process that made the pool which
sessions it has open, so that they are ended with the worker when it is killed or dies.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

__all__ = ["SessionHook", "session_ended", "session_started", "watch_sessions"]

SessionHook = Callable[[int, bool], None]
"""``hook(pid, started)``: ``pid`` leads a new session (True) or has been stopped (False)."""

_HOOKS: list[SessionHook] = []


def watch_sessions(hook: SessionHook) -> None:
    """Call ``hook(pid, True)`` whenever a LibreOffice process is started in a session of its own in this process,
    and ``hook(pid, False)`` once it has been stopped."""
    _HOOKS.append(hook)


def session_started(pid: int) -> None:
    """``pid`` was started in a session of its own."""
    _tell(pid, True)


def session_ended(pid: int) -> None:
    """``pid`` (a session leader started here) has been stopped."""
    _tell(pid, False)


def _tell(pid: int, started: bool) -> None:
    for hook in _HOOKS:
        with contextlib.suppress(Exception):  # bookkeeping: its failure must never fail a conversion
            hook(pid, started)
