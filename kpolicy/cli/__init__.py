"""The `kpolicy` command: a thin layer that parses options, calls the library, renders.

`app` (the Typer app, one-line errors, per-command state), `options` (shared options,
the filter set as one decorator), `output` (where output goes, one helper for every
--format), then one module per command group: `setup` (init, seed), `queries`
(events, timeline, show, actors, types, sources, export), `ingest` (extract, ingest),
`views` (search, plot, datasette-metadata), `curate` (add, edit, review, merge, split, delete,
undo, history, sources remove/edit), `serve` (the review desk in the browser).
"""

from kpolicy.cli.app import app
from kpolicy.cli import setup, queries, ingest, views, curate, serve  # noqa: F401,E402  register their commands


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


def main() -> None:
    app(prog_name="kpolicy")


__all__ = ["app", "main"]
