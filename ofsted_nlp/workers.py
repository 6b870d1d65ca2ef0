"""Worker processes that do not outlive the process that started them.

A ``ProcessPoolExecutor`` worker waits on a queue for work. When its parent is killed with SIGKILL
no clean-up runs and nothing tells the worker, so it lives on as an orphan holding its memory (both
workers of a killed ``corpus`` were still alive after 65 s). Every worker started by
``process_pool`` runs a watchdog thread that ends the worker once its parent has gone.

The watchdog polls ``os.getppid()`` rather than asking Linux for a signal (``PR_SET_PDEATHSIG``):
that signal fires when the *thread* that forked the worker ends, and the executor may start workers
from its manager thread, so it could kill healthy workers; polling works on every POSIX system and
with every start method (under forkserver the parent is the server, which exits with the main process).
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

# How often a worker checks that its parent is alive: an orphan ends within about this long.
PARENT_CHECK_SECONDS = 1.0
# Exit status of a worker that ended because its parent had gone.
ORPHAN_EXIT_CODE = 70


def process_pool(workers: int, initializer: Callable[..., Any] | None = None,
                 initargs: tuple[Any, ...] = ()) -> ProcessPoolExecutor:
    """A ``ProcessPoolExecutor`` whose workers exit on their own when this process dies."""
    return ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(initializer, initargs))


def _start_worker(initializer: Callable[..., Any] | None, initargs: tuple[Any, ...]) -> None:
    parent = os.getppid()
    threading.Thread(target=_exit_when_orphaned, args=(parent,), name="ofsted_nlp-parent-watch",
                     daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(ORPHAN_EXIT_CODE)  # no clean-up to run: the work was for a process that is gone


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine."""
    if pid <= 0:
        return False
    if os.name == "nt":  # os.kill(pid, 0) would terminate it there; assume alive
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True
