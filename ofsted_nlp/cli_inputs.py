"""What the CLI reads besides its options: standard input, bounded, and a command's FILE arguments,
where ``-`` stands for a publication piped in (saved to a temporary file and read as that file would be).
"""
from __future__ import annotations

import sys
from pathlib import Path

STDIN = "-"


def stdin_bytes() -> bytes:
    """Standard input's bytes, at most MAX_INPUT_BYTES (endless input, e.g. from /dev/zero, is refused)."""
    from .errors import InputError
    from .reading.kinds import MAX_INPUT_BYTES

    if hasattr(sys.stdin, "buffer"):
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    else:  # a text stream (tests, embedding)
        data = sys.stdin.read(MAX_INPUT_BYTES + 1).encode("utf-8", "surrogateescape")
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"stdin holds more than {MAX_INPUT_BYTES:,} bytes; pass a file, or less text")
    return data


def decode_stdin(data: bytes) -> str:
    """Bytes read from stdin as text; what is not UTF-8 is refused naming the byte."""
    from .errors import InputError

    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"stdin is not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def stdin_as_file(directory: str) -> Path:
    """Standard input saved as ``stdin.pdf``, ``stdin.html`` or ``stdin.txt`` in ``directory``, by what it holds,
    so that a publication piped in is read exactly as the same file would be."""
    from .errors import InputError

    data = stdin_bytes()
    if not data.strip():
        raise InputError("stdin is empty; expected a publication (PDF or text)")
    head = data[:1024].lstrip().lower()
    if b"%pdf" in data[:1024].lower():
        suffix = ".pdf"
    elif head.startswith((b"<!doctype html", b"<html")):
        suffix = ".html"
    elif b"\x00" in data[:4096]:
        raise InputError("stdin holds binary data that is not a PDF; expected a PDF or UTF-8 text")
    else:
        decode_stdin(data)  # refuse what is not UTF-8 before it is read as a document
        suffix = ".txt"
    path = Path(directory) / f"stdin{suffix}"
    path.write_bytes(data)
    return path


class Publications:
    """The FILE arguments of a command as ``paths``, with ``-`` (once at most) replaced by stdin saved to a
    temporary file (removed on exit); ``shown(path)`` gives the name the user typed, for messages."""

    def __init__(self, files):
        self.files = [Path(f) for f in files]
        self.paths: list[Path] = []
        self._tmp = None
        self._names: dict[str, str] = {}

    def __enter__(self) -> Publications:
        import tempfile

        from .errors import InputError

        if sum(str(f) == STDIN for f in self.files) > 1:
            raise InputError("stdin (-) can be read only once; give - at most once")
        for f in self.files:
            if str(f) == STDIN:
                self._tmp = tempfile.TemporaryDirectory(prefix="ofsted_nlp_stdin_")
                try:
                    f = stdin_as_file(self._tmp.name)
                except BaseException:
                    self._tmp.cleanup()
                    raise
                self._names[str(f)] = "<stdin>"
            self.paths.append(f)
        return self

    def __exit__(self, *exc) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()

    def shown(self, path: str | Path) -> str:
        """How to name a path in messages: ``<stdin>`` for the saved standard input, else the path."""
        return self._names.get(str(path), str(path))

    def renamed(self, exc: BaseException) -> BaseException:
        """A ReportError about the saved stdin, naming <stdin> instead of the temporary file."""
        from .errors import ReportError

        if isinstance(exc, ReportError) and exc.path in self._names:
            return ReportError(self._names[exc.path], exc.reason)
        return exc
