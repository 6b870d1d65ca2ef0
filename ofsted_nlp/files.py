"""Writing output files so that a reader never sees half of one.

Every command that writes a file (tables, timelines, `--output`) goes through `write_atomically`:
the content goes to a temporary file beside the target, which is renamed over it only when whole.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomically(target: Path, write: Callable[[str], object], make_parents: bool = True) -> None:
    """``write(tmp)`` to a temporary file beside ``target``, then rename it over ``target``.

    The new file keeps the old one's permissions (or the umask's for a new file); on any error the
    temporary file is removed and ``target`` is left as it was. ``make_parents=False`` leaves a missing
    folder an error (OSError), as a command's ``--output`` should.
    """
    target = Path(target).expanduser()
    directory = target.parent if str(target.parent) else Path(".")
    if make_parents:
        directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + target.suffix, dir=directory)
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, (target.stat().st_mode & 0o7777) if target.exists() else 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_text_atomically(target: Path, text: str, make_parents: bool = True) -> None:
    """Text (UTF-8, newlines as given, flushed to disk) written with ``write_atomically``."""
    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())

    write_atomically(target, write, make_parents)
