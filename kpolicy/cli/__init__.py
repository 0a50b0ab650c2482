"""The `kpolicy` command: a thin layer that parses options, calls the library, renders.

`app` (the Typer app, one-line errors, per-command state), `options` (shared options,
the filter set as one decorator), `output` (where output goes, one helper for every
--format), then one module per command group: `setup` (init, seed), `queries`
(events, timeline, show, types, sources, export), `ingest` (extract, ingest),
`views` (search, plot, datasette-metadata), `curate` (add, edit, review, merge, split, delete,
undo, history, sources remove/edit), `authority` (actors and places: list, add, edit,
alias, merge, office terms, export/import), `stories` (story new|show|add|move|remove|edit|list|export),
`serve` (the review desk in the browser), `users` (people and roles), `queue` (the ingest
queue and `worker`).
"""

import sys

from kpolicy.cli.app import app
from kpolicy.cli import setup, queries, ingest, imports, views, curate, authority, stories, serve, users, queue  # noqa: F401,E402  register their commands


def _first_sentence(doc: str | None) -> str | None:
    """A docstring's first sentence, whole: the main --help shows it wrapped, never cut with '...'."""
    if not doc:
        return None
    paragraph = " ".join(doc.strip().split("\n\n")[0].split())
    end = paragraph.find(". ")
    return paragraph[: end + 1] if end >= 0 else paragraph


def _whole_short_help(typer_app) -> None:
    for info in typer_app.registered_commands:
        if info.short_help is None:
            info.short_help = _first_sentence(info.help or (info.callback.__doc__ if info.callback else None))
    for group in typer_app.registered_groups:
        callback = group.typer_instance.registered_callback
        if callback is not None and not isinstance(group.short_help, str):  # unset: a Typer DefaultPlaceholder
            group.short_help = _first_sentence(callback.callback.__doc__ if callback.callback else None)
        _whole_short_help(group.typer_instance)


_whole_short_help(app)


def _command_name(info) -> str:
    return info.name or info.callback.__name__.replace("_", "-")


def _only_invoked(typer_app, args: list[str]) -> None:
    """Keep only the command being invoked, when the first argument names one.

    Typer turns every registered command into a Click command (signatures inspected,
    annotations evaluated, parameters built) before it runs any: 27 commands were about
    a third of a query's own start-up time. Only the invoked one is needed; the main
    --help, an unknown command's suggestions and `--version` still see them all."""
    if not args:
        return
    name = args[0]
    commands = [info for info in typer_app.registered_commands if _command_name(info) == name]
    groups = [group for group in typer_app.registered_groups if group.name == name]
    if commands or groups:
        typer_app.registered_commands[:] = commands
        typer_app.registered_groups[:] = groups


def main() -> None:
    _only_invoked(app, sys.argv[1:])
    app(prog_name="kpolicy")


__all__ = ["app", "main"]
