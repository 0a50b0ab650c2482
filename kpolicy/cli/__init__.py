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


def main() -> None:
    app(prog_name="kpolicy")


__all__ = ["app", "main"]
