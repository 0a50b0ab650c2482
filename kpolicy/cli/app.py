"""The Typer app, its one-line error handling and the per-command state on the Click context.

Start-up matters: only Typer and the standard library are imported here; each
command imports what it needs (SQLAlchemy for database commands, never Alembic on
the query path). Errors the library raises become one line on stderr and an exit
code (2 for bad usage or input, 1 for a runtime failure), never a traceback.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from typing import Annotated

import typer
from typer.core import TyperGroup

try:  # recent Typer bundles its own Click; its exceptions are not the `click` package's
    from typer import _click as click
except ImportError:  # pragma: no cover - older Typer uses the click package
    import click

from kpolicy import __version__

# Typer's bundled Click (0.29+) has no Abort; without this, any unexpected error in a command
# would surface as "AttributeError: ... has no attribute 'Abort'" instead of itself.
_Abort = getattr(click.exceptions, "Abort", None) or getattr(click, "Abort", None) or KeyboardInterrupt

try:
    from typer._click.globals import get_current_context
except ImportError:  # pragma: no cover
    from click import get_current_context

TARGET_KEY = "kpolicy.target"  # ctx.meta: the database the command opened, for error messages


_INVOKED: list[list[str]] = []  # the argument lists of the invocations running (a stack: a test runner nests none)


def command_line() -> str:
    """The command the user typed (`kpolicy ...`, shell-quoted), from the arguments this
    invocation was given (not sys.argv, which under a test runner or `python -m` is another
    program's); a database URL's password is hidden."""
    import shlex

    args = _INVOKED[-1] if _INVOKED else sys.argv[1:]
    shown = []
    for arg in args:
        if "://" in arg and "@" in arg:
            try:
                from sqlalchemy.engine import make_url

                arg = make_url(arg).render_as_string(hide_password=True)
            except Exception:  # noqa: BLE001 - not a URL after all: shown as given
                pass
        shown.append(arg)
    return shlex.join(["kpolicy", *shown])


class OneLineErrors(TyperGroup):
    """Usage errors (unknown option, missing argument) as one line on stderr, exit 2."""

    def main(self, *args, **kwargs):
        given = args[0] if args else kwargs.get("args")
        _INVOKED.append([str(a) for a in (sys.argv[1:] if given is None else given)])
        try:
            return self._main(*args, **kwargs)
        finally:
            _INVOKED.pop()

    def _main(self, *args, **kwargs):
        standalone = kwargs.pop("standalone_mode", True)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:
                click.echo(exc.ctx.get_help())  # bare `kpolicy`: help, not an error
                return 0 if not standalone else sys.exit(0)
            where = exc.ctx.command_path if exc.ctx is not None else "kpolicy"
            message = " ".join(exc.format_message().split()).rstrip(".")
            click.echo(f"kpolicy: error: {message}; see `{where} --help`", err=True)
            rv = 2
        except _Abort:
            click.echo("kpolicy: aborted", err=True)
            rv = 1
        except click.ClickException as exc:
            click.echo(f"kpolicy: error: {exc.format_message()}", err=True)
            rv = exc.exit_code
        if not standalone:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    cls=OneLineErrors,
    name="kpolicy",
    help="A policy-event timeline database for North Korea watchers: dated events, their actors, "
    "honest fuzzy dates and the sentence each came from.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def fail(exc_message: str, code: int) -> None:
    # a message may quote a file name or a value from a file: its control characters are shown, not obeyed
    from kpolicy.views.render import terminal_safe

    typer.echo(f"kpolicy: error: {terminal_safe(exc_message)}", err=True)
    raise typer.Exit(code)


def handle_errors(func):
    """Turn the library's typed errors (and database driver errors) into one line + exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from kpolicy.errors import KpolicyError

        try:
            _refuse_huge_numbers()
            return func(*args, **kwargs)
        except KpolicyError as exc:
            _release(exc)
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt as exc:
            _release(exc)
            fail("interrupted; nothing was committed by the unfinished step", 130)
        except BrokenPipeError:
            os._exit(0)  # the reader (head, less) went away: not an error
        except OSError as exc:  # disk full, I/O error, permission denied while writing output
            from kpolicy.errors import os_failure

            _release(exc)
            failure = os_failure(exc)
            fail(str(failure), failure.exit_code)
        except Exception as exc:
            if type(exc).__module__.startswith("sqlalchemy"):
                from kpolicy.store.db import translate_error

                _release(exc)
                ctx = get_current_context(silent=True)
                translated = translate_error(exc, ctx.meta.get(TARGET_KEY) if ctx else None)
                fail(str(translated), getattr(translated, "exit_code", 1))
            raise

    return wrapper


def _release(exc: BaseException) -> None:
    """Drop what the failed command's frames hold (streaming results among them) now, while its
    database is still open: left to the garbage collector, a result's cursor would be closed
    after the database, and SQLAlchemy would print "Error closing cursor" and a traceback."""
    import traceback

    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        traceback.clear_frames(exc.__traceback__)
        exc = exc.__context__


INT64_MAX = 2**63 - 1  # the largest integer SQLite and PostgreSQL store
ID_PARAMS = {"event_id": "event", "ids": "event", "keep": "event", "others": "event", "change": "change",
             "mention": "mention", "proposal": "proposal"}


def _ascii_int(value):
    """Click's int, for the digits 0-9 only: int() also reads '٣' (Arabic-Indic three) as 3, so
    `kpolicy show ٣` showed #3."""
    if isinstance(value, str) and not re.fullmatch(r"\s*[+-]?[0-9]+\s*", value):
        raise ValueError(value)
    return int(value)


click.types.IntParamType._number_class = staticmethod(_ascii_int)


def _refuse_huge_numbers() -> None:
    """A number option or argument beyond 64 bits is bad input, named, before any database work."""
    ctx = get_current_context(silent=True)
    if ctx is None:
        return
    from kpolicy.errors import MAX_ID, BadInput, check_id

    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if isinstance(v, int) and not isinstance(v, bool) and abs(v) > INT64_MAX:
                name = param.opts[0] if param.param_type_name == "option" else (param.metavar or param.name).strip("[].")
                raise BadInput(f"{name} {v} is larger than any number a database stores; give a number up to {INT64_MAX}")
            if isinstance(v, int) and not isinstance(v, bool) and param.name in ID_PARAMS and v > MAX_ID:
                # PostgreSQL's integer ids end at 2^31-1: a larger one is no row, not "integer out of range"
                check_id(v, ID_PARAMS[param.name])


def keep_open(database) -> None:
    """Remember the command's database on its Click context and close it when the command ends
    (SQLite checkpoints its WAL when the last connection goes)."""
    ctx = get_current_context()
    ctx.meta[TARGET_KEY] = database.target
    ctx.call_on_close(database.close)


def read_article(path):
    """An article's plain text, for the seed (the store is handed it; extraction is imported
    only when a database is created or seeded, so a query's start-up never loads it)."""
    from kpolicy.ingest import article_text

    return article_text(path)


GROUP_DB_KEY = "kpolicy.group_db"  # ctx.meta: a --db given before a group's subcommand (`kpolicy sources --db x remove`)


def group_options(ctx, **given) -> None:
    """Options a command group (`sources`, `review`) received before its subcommand. `--db` is
    honoured: the subcommand opens that database unless it names its own. Any other is refused
    in one line saying where it goes: ignored, `sources --db x.db remove` once created and seeded
    the default database and then called the source unknown (issue 24, item 12)."""
    if ctx.invoked_subcommand is None:
        return
    try:
        from typer._click.core import ParameterSource
    except ImportError:  # pragma: no cover
        from click.core import ParameterSource
    from kpolicy.errors import BadInput

    group, sub = ctx.info_name, ctx.invoked_subcommand
    params = {p.name: p for p in ctx.command.params}
    for name, value in given.items():
        if ctx.get_parameter_source(name) != ParameterSource.COMMANDLINE:
            continue
        if name == "db":
            ctx.meta[GROUP_DB_KEY] = value
            continue
        option = params[name].opts[0] if name in params else f"--{name}"
        takes = ctx.command.get_command(ctx, sub)
        where = (f"put it after `{sub}`: kpolicy {group} {sub} ... {option} ..." if takes is not None and
                 any(option in p.opts for p in takes.params) else f"`kpolicy {group} {sub}` has no {option}; drop it")
        raise BadInput(f"{option} before `{sub}` belongs to `kpolicy {group}` itself, not to `kpolicy {group} {sub}`; {where}")


def open_db(db: str | None, create: bool = True):
    """Open the database for a command, telling the user on stderr when it was just created."""
    from kpolicy.store.bootstrap import open_or_create
    from kpolicy.store.db import resolve

    if db is None:
        db = get_current_context().meta.get(GROUP_DB_KEY)

    get_current_context().meta[TARGET_KEY] = resolve(db)
    database = open_or_create(db, create=create, read=read_article)
    keep_open(database)
    for notice in database.notices:
        typer.echo(f"kpolicy: {notice}", err=True)
    return database


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"kpolicy {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """A policy-event timeline database for North Korea watchers.

    \b
    Start with:  kpolicy timeline
    Then try:    kpolicy events --actor "Kim Jong-un" --from 2019 --to 2019-12
    """
