"""Typed errors the library raises; the CLI turns each into one line on stderr.

Every message names the problem and the fix, so a user never needs a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class KpolicyError(Exception):
    """Base class. `exit_code` is what the CLI exits with."""

    exit_code = 1


class BadInput(KpolicyError):
    """Bad usage or bad input: an unknown name, a malformed date, an invalid file."""

    exit_code = 2


class DatabaseError(KpolicyError):
    """The database cannot be used as asked (missing folder, not a kpolicy file, newer schema)."""

    exit_code = 2


class RuntimeFailure(KpolicyError):
    """Something failed while doing valid work (disk full, lock never released)."""

    exit_code = 1


MAX_ID = 2**31 - 1  # the largest id a kpolicy table holds on both engines (PostgreSQL's integer)


def check_id(value, what: str = "event") -> int:
    """An id as given (an int, or text of ASCII digits) as an int; an id no kpolicy table can hold
    is "no such X" (BadInput), never a driver's "integer out of range" or an overflow."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BadInput(f"{what} id {value!r} is not a number; give an id such as 3")
    text = str(value).strip()
    if not text.isascii() or not text.isdigit():
        raise BadInput(f"{what} id {text[:40]!r} is not a number (ids are written with the digits 0-9); give an id such as 3")
    if len(text) > 12 or int(text) > MAX_ID:
        shown = text if len(text) <= 30 else f"{text[:12]}... ({len(text)} digits)"
        raise BadInput(f"no {what} with id {shown}: kpolicy ids are at most {MAX_ID:,}; give a listed id")
    return int(text)


def os_failure(exc: OSError) -> KpolicyError:
    """An operating-system error met while doing valid work, as one line with what to do."""
    import errno

    where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return RuntimeFailure(f"no space left on the device{where}; free some space or write the output elsewhere (-o FILE)")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return BadInput(f"permission denied{where}; check its permissions or choose a path you can write")
    if exc.errno == errno.EROFS:
        return BadInput(f"read-only file system{where}; write the output to a writable place (-o FILE)")
    if exc.errno == errno.EIO:
        return RuntimeFailure(f"disk I/O error{where}; check the disk (dmesg) and try again, or write elsewhere (-o FILE)")
    text = exc.strerror or str(exc)
    return RuntimeFailure(f"{text}{where}; check the file or device and try again")


def suggest(word: str, choices: Iterable[str]) -> str:
    """' (did you mean X?)' for the closest valid names, or '' when none is close."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=3, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(lowered[c]) for c in close) + "?)"


def unknown_name(what: str, word: str, choices: Iterable[str], listing: str, list_all: bool = False) -> BadInput:
    """A BadInput for an unknown actor/type/status..., with suggestions and where to list them
    (`list_all`: a short fixed vocabulary, named whole in the message instead)."""
    choices = list(choices)
    if list_all and choices:
        return BadInput(f"unknown {what} {word!r}{suggest(word, choices)}; use one of {', '.join(choices)}")
    return BadInput(f"unknown {what} {word!r}{suggest(word, choices)}; `{listing}` lists the valid ones")


class Conflict(BadInput):
    """A stale edit: the event changed since the caller read it (--if-version), or a later
    change stands in the way of an undo. Exit 2, nothing written."""

    exit_code = 2


class SignInFailed(BadInput):
    """A wrong, expired or ended token or session, or a disabled person (401 on the desk)."""

    exit_code = 2


class Forbidden(BadInput):
    """The signed-in person's role does not allow this (403 on the desk)."""

    exit_code = 2
