"""Options shared by many commands, defined once.

Typer has no option groups, so the timeline filters are one decorator,
`filter_options`: it adds the twelve filter options to a command's signature and
hands the command one `query` (kpolicy.query.EventQuery) built from them. The
other shared options are Annotated aliases used as parameter types.
"""

from __future__ import annotations

import functools
import inspect
from pathlib import Path
from typing import Annotated, Optional

import typer

DbOpt = Annotated[
    Optional[str],
    typer.Option(
        "--db",
        envvar="KPOLICY_DB",
        show_envvar=True,
        metavar="PATH_OR_URL",
        help="SQLite file or database URL (postgresql+psycopg://user@host/db). Default: kpolicy.db in your user data folder.",
    ),
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="table, csv, json or jsonl.")]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE", help="Write to FILE instead of stdout.")]
FromOpt = Annotated[Optional[str], typer.Option("--from", metavar="DATE", help="Window start: EDTF or partial ISO date (2019, 2019-06, 2019-06-30).")]
ToOpt = Annotated[Optional[str], typer.Option("--to", metavar="DATE", help="Window end (inclusive): its upper bound closes the window.")]
OnOpt = Annotated[Optional[str], typer.Option("--on", metavar="DATE", help="A single day, month or year as the window.")]
WithinOpt = Annotated[bool, typer.Option("--within", help="Only events certainly inside the window (default: any overlap).")]
ActorOpt = Annotated[Optional[list[str]], typer.Option("--actor", "-a", metavar="NAME", help="Canonical name or alias, with its children; repeat: all must take part.")]
TypeOpt = Annotated[Optional[list[str]], typer.Option("--type", "-t", metavar="TYPE", help="Event type or family (meeting, test...); repeat for any of several.")]
StatusOpt = Annotated[Optional[list[str]], typer.Option("--status", "-s", metavar="STATUS", help="occurred, expected or forecast; repeatable.")]
PlaceOpt = Annotated[Optional[list[str]], typer.Option("--place", metavar="PLACE", help="Place name (case-insensitive); repeatable.")]
TextOpt = Annotated[Optional[str], typer.Option("--text", metavar="WORDS", help="Case-insensitive substring of the title or a quote.")]
SourceOpt = Annotated[Optional[str], typer.Option("--source", metavar="SLUG", help="Only events mentioned by this source (see `kpolicy sources`).")]
ReviewOpt = Annotated[Optional[str], typer.Option("--review", metavar="STATE", help="reviewed (curated or accepted), extracted (machine output, not yet reviewed) or rejected (left out unless asked for).")]
LimitOpt = Annotated[Optional[int], typer.Option("--limit", "-n", metavar="N", help="At most N events.")]

# (parameter name, annotation, default, EventQuery field) in the order --help lists them
_FILTERS = (
    ("start", FromOpt, None, "start"),
    ("end", ToOpt, None, "end"),
    ("on", OnOpt, None, "on"),
    ("within", WithinOpt, False, "within"),
    ("actor", ActorOpt, None, "actors"),
    ("type_", TypeOpt, None, "types"),
    ("status", StatusOpt, None, "statuses"),
    ("place", PlaceOpt, None, "places"),
    ("text", TextOpt, None, "text"),
    ("source", SourceOpt, None, "source"),
    ("review", ReviewOpt, None, "review"),
    ("limit", LimitOpt, None, "limit"),
)
_LISTS = {"actors", "types", "statuses", "places"}


def filter_options(func=None, *, text: bool = True):
    """Give a command the timeline filters; it receives them as `query: EventQuery`.

    The options take the place of the command's `query` parameter (so they read the
    same, in the same order, in every command's --help). `text=False` leaves out --text
    (for `search`, whose argument is the text).
    """

    def decorate(func):
        filters = [f for f in _FILTERS if text or f[0] != "text"]
        signature = inspect.signature(func)
        added = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default, annotation=annotation)
                 for name, annotation, default, _ in filters]
        parameters = []
        for name, parameter in signature.parameters.items():
            if name == "query":
                parameters.extend(added)
            elif isinstance(parameter.annotation, str):  # postponed annotations: Typer needs the aliases themselves
                parameters.append(parameter.replace(annotation=eval(parameter.annotation, func.__globals__)))  # noqa: S307
            else:
                parameters.append(parameter)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            from kpolicy.query import EventQuery

            values = {field: kwargs.pop(name) for name, _, _, field in filters}
            for field in _LISTS & values.keys():
                values[field] = list(values[field] or [])
            return func(*args, query=EventQuery(**values), **kwargs)

        wrapper.__signature__ = signature.replace(parameters=parameters)
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        return wrapper

    return decorate(func) if func is not None else decorate
