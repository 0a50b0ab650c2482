"""A saved query written as text: the filter options of `kpolicy events` in one string.

A story's query block keeps what the analyst wrote ("--actor 'North Korea' --type test
--from 2019-05") and its parsed filters; this module parses, with no database (names are
validated when the query runs: kpolicy.query.query_of, count_matching). It sits below the
store, which parses the bundled stories' queries when it seeds them.
"""

from __future__ import annotations

from kpolicy.errors import BadInput

# The filter options of `kpolicy events` (kpolicy.cli.options: the same names, short forms and
# meaning; tests/test_stories.py checks the two lists agree), plus --story for a saved query.
FILTER_OPTIONS = (
    (("--from",), "start", "one"), (("--to",), "end", "one"), (("--on",), "on", "one"), (("--within",), "within", "flag"),
    (("--actor", "-a"), "actors", "many"), (("--type", "-t"), "types", "many"), (("--status", "-s"), "statuses", "many"),
    (("--place",), "places", "many"), (("--text",), "text", "one"), (("--source",), "source", "one"),
    (("--review",), "review", "one"), (("--limit", "-n"), "limit", "int"),
)
STORY_OPTION = "--story"  # a saved query may take in the events another story cites


def parse_filter_text(text: str) -> dict:
    """A saved query written as `kpolicy events` options ("--actor 'North Korea' --type test
    --from 2019-05") -> its filters as a plain dict: EventQuery's fields that are set, and
    "stories" (the --story slugs). Raises BadInput naming the option at fault."""
    import argparse
    import shlex

    class Parser(argparse.ArgumentParser):
        def error(self, message):  # argparse would print and exit
            raise BadInput(f"the saved query {text!r}: {message}; it takes the filter options of `kpolicy events` (see `kpolicy events --help`) and --story SLUG")

    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise BadInput(f"the saved query {text!r} cannot be read ({exc}); close its quotes") from None
    parser = Parser(prog="query", add_help=False, allow_abbrev=False, exit_on_error=False)
    for flags, dest, kind in FILTER_OPTIONS:
        if kind == "flag":
            parser.add_argument(*flags, dest=dest, action="store_true")
        elif kind == "many":
            parser.add_argument(*flags, dest=dest, action="append")
        elif kind == "int":
            parser.add_argument(*flags, dest=dest, type=int)
        else:
            parser.add_argument(*flags, dest=dest)
    parser.add_argument(STORY_OPTION, dest="stories", action="append")
    try:
        args, rest = parser.parse_known_args(words)
    except argparse.ArgumentError as exc:
        parser.error(str(exc))
    if rest:
        parser.error(f"{rest[0]!r} is not one of its options")
    found = {k: v for k, v in vars(args).items() if v not in (None, False, [])}
    if not found:
        raise BadInput(f"the saved query {text!r} has no filter; give at least one, e.g. --type missile_test --from 2019-05")
    if found.get("limit") is not None and found["limit"] < 1:
        raise BadInput(f"the saved query {text!r}: --limit {found['limit']} would match nothing; give 1 or more")
    return found


