"""`kpolicy actors` and `kpolicy places`: list them, and the analyst's authority file in the database
(add, edit, alias, merge, office terms, export and import)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from kpolicy.cli.app import app, handle_errors, open_db
from kpolicy.cli.curate import ByOpt, ReasonOpt, say
from kpolicy.cli.options import DbOpt, FormatOpt, OutputOpt
from kpolicy.cli.output import check_format, emit, output_stream

actors_app = typer.Typer(invoke_without_command=True, no_args_is_help=False, rich_markup_mode=None)
app.add_typer(actors_app, name="actors")
places_app = typer.Typer(invoke_without_command=True, no_args_is_help=False, rich_markup_mode=None)
app.add_typer(places_app, name="places")

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="A name, alias, Wikidata id (Q423) or CAMEO code.")]
KindOpt = Annotated[Optional[str], typer.Option("--kind", metavar="KIND", help="state, person, party, organ, agency, armed_force (or \"armed force\"), media, international_organisation, alliance, group.")]
ParentOpt = Annotated[Optional[str], typer.Option("--parent", metavar="ACTOR", help="The actor it belongs to (a person's state, an organ's party).")]
WikidataOpt = Annotated[Optional[str], typer.Option("--wikidata", metavar="QID", help="Its Wikidata id, the citation for its facts (Q423).")]
CameoOpt = Annotated[Optional[str], typer.Option("--cameo", metavar="CODE", help="CAMEO actor code (PRKGOV, KORMIL).")]
IsoOpt = Annotated[Optional[str], typer.Option("--iso3", metavar="CODE", help="ISO 3166-1 alpha-3, for states.")]
NativeOpt = Annotated[Optional[str], typer.Option("--native", metavar="NAME", help="The name in Korean, Chinese or Japanese script.")]
BornOpt = Annotated[Optional[str], typer.Option("--born", metavar="YYYY-MM-DD", help="Date of birth (people).")]
DiedOpt = Annotated[Optional[str], typer.Option("--died", metavar="YYYY-MM-DD", help="Date of death (people).")]
AliasOpt = Annotated[Optional[list[str]], typer.Option("--alias", metavar="NAME", help="Another name texts use (repeatable).")]


@actors_app.callback()
@handle_errors
def actors(ctx: typer.Context, db: DbOpt = None, format: FormatOpt = "table", output: OutputOpt = None) -> None:
    """List actors with their kind, ISO code, parent, Wikidata id, CAMEO code, aliases, offices and event counts.

    `--format json` gives every field: aliases, the name in its own script, and the
    offices each actor held with their dated terms. The sub-commands change the
    authority file in the database; each is one change that `kpolicy undo` reverts.

    \b
    Examples:
      kpolicy actors --format json
      kpolicy actors add "Kim Myong-gil" --kind person --parent "North Korea" --alias "Kim Myong Gil"
      kpolicy actors term "President of South Korea" "Moon Jae-in" --from 2017-05-10 --to 2022-05-09
    """
    if ctx.invoked_subcommand is not None:
        return
    from kpolicy import query
    from kpolicy.views import render

    fmt = check_format(format)
    database = open_db(db)
    with database.reading() as conn:
        rows = query.list_actors(conn)
    if fmt in ("csv", "table"):  # one cell: 'President of South Korea 2017-05-10/2022-05-09; ...'
        rows = [{**r, "offices": "; ".join(f"{o['office']} {o['from']}/{o['to'] or '..'}{' (acting)' if o['acting'] else ''}"
                                           for o in r["offices"])} for r in rows]
    with output_stream(output) as out:
        emit(rows, fmt, out, render.ACTOR_COLUMNS)


def _fields(**values) -> dict:
    return {k: v for k, v in values.items() if v is not None}


@actors_app.command("add")
@handle_errors
def actors_add(name: Annotated[str, typer.Argument(metavar="NAME", help="The canonical name.")],
               kind: KindOpt = None, parent: ParentOpt = None, wikidata: WikidataOpt = None, cameo: CameoOpt = None,
               iso3: IsoOpt = None, native: NativeOpt = None, born: BornOpt = None, died: DiedOpt = None,
               alias: AliasOpt = None, reason: ReasonOpt = None, by: ByOpt = None, db: DbOpt = None) -> None:
    """Add an actor: the next ingest into this database finds it in articles.

    \b
    Example:
      kpolicy actors add "Kim Myong-gil" --kind person --parent "North Korea" --alias "Kim Myong Gil"
    """
    from kpolicy.curate import authority

    if kind is None:
        raise typer.BadParameter("give --kind (person, state, party, organ, agency, ...)", param_hint="--kind")
    database = open_db(db)
    with database.writing() as conn:
        change, _ = authority.add_actor(conn, name, kind=kind, aliases=alias or (), by=by, reason=reason,
                                        **_fields(parent=parent, wikidata=wikidata, cameo=cameo, iso3=iso3, native=native,
                                                  born=born, died=died))
    say(f"added actor {name.strip()} (change {change}; `kpolicy undo {change}` removes it)")


@actors_app.command("edit")
@handle_errors
def actors_edit(name: NameArg, kind: KindOpt = None, parent: ParentOpt = None, wikidata: WikidataOpt = None,
                cameo: CameoOpt = None, iso3: IsoOpt = None, native: NativeOpt = None, born: BornOpt = None,
                died: DiedOpt = None, reason: ReasonOpt = None, by: ByOpt = None, db: DbOpt = None) -> None:
    """Correct an actor's facts; `kpolicy init` never overwrites an actor an analyst changed.

    \b
    Example:
      kpolicy actors edit "Kim Yo-jong" --wikidata Q1234567 --native 김여정
    """
    from kpolicy.curate import authority

    database = open_db(db)
    with database.writing() as conn:
        change = authority.edit_actor(conn, name, _fields(kind=kind, parent=parent, wikidata=wikidata, cameo=cameo,
                                                          iso3=iso3, native=native, born=born, died=died), by=by, reason=reason)
    say(f"edited actor {name} (change {change})")


@actors_app.command("alias")
@handle_errors
def actors_alias(name: NameArg, alias: Annotated[list[str], typer.Argument(metavar="ALIAS...", help="Further names.")],
                 reason: ReasonOpt = None, by: ByOpt = None, db: DbOpt = None) -> None:
    """Give an actor further names (romanisations, word orders, titles): one actor per spelling.

    \b
    Example:
      kpolicy actors alias "John Kerry" "Secretary Kerry" "Kerry"
    """
    from kpolicy.curate import authority

    database = open_db(db)
    with database.writing() as conn:
        change = authority.add_aliases(conn, name, alias, by=by, reason=reason)
    say(f"added {len(alias)} alias(es) to {name} (change {change})")


@actors_app.command("merge")
@handle_errors
def actors_merge(name: NameArg, into: Annotated[str, typer.Argument(metavar="INTO", help="The actor that stays.")],
                 reason: ReasonOpt = None, by: ByOpt = None, db: DbOpt = None) -> None:
    """Join two entries for one actor: NAME's events, aliases and terms move to INTO.

    \b
    Example:
      kpolicy actors merge "Kim Jong Un (KCNA)" "Kim Jong-un" --reason "one person"
    """
    from kpolicy.curate import authority

    database = open_db(db)
    with database.writing() as conn:
        change = authority.merge_actors(conn, name, into, by=by, reason=reason)
    say(f"merged {name} into {into} (change {change}; `kpolicy undo {change}` separates them again)")


@actors_app.command("term")
@handle_errors
def actors_term(office: Annotated[str, typer.Argument(metavar="OFFICE", help="The office (an actor): 'President of South Korea'.")],
                holder: Annotated[str, typer.Argument(metavar="HOLDER", help="Who held it.")],
                start: Annotated[str, typer.Option("--from", metavar="YYYY-MM-DD", help="First day of the term.")],
                end: Annotated[Optional[str], typer.Option("--to", metavar="YYYY-MM-DD", help="Last day (none: in office).")] = None,
                acting: Annotated[bool, typer.Option("--acting", help="An acting holder.")] = False,
                state: Annotated[Optional[str], typer.Option("--state", metavar="ACTOR", help="Create the office as an organ of this state.")] = None,
                reason: ReasonOpt = None, by: ByOpt = None, db: DbOpt = None) -> None:
    """Record who held an office when: role words ('the South Korean president') in the next
    ingest name the holder at the event's date. Terms of one office never overlap.

    \b
    Example:
      kpolicy actors term "Unification Minister of South Korea" "Kim Yeon-chul" --from 2019-04-08 --to 2020-06-19 --state "South Korea"
    """
    from kpolicy.curate import authority

    database = open_db(db)
    with database.writing() as conn:
        change = authority.add_term(conn, office, holder, start, end, acting=acting, state=state, by=by, reason=reason)
    say(f"{holder} holds {office} from {start} (change {change})")


@actors_app.command("export")
@handle_errors
def actors_export(format: Annotated[str, typer.Option("--format", "-f", metavar="FMT", help="yaml or csv.")] = "yaml",
                  db: DbOpt = None, output: OutputOpt = None) -> None:
    """Write the database's authority file (actors with ids, codes, aliases and terms; places) as YAML or CSV.

    \b
    Examples:
      kpolicy actors export -o team.yaml
      kpolicy actors export --format csv -o actors.csv
    """
    from kpolicy.curate import exchange

    database = open_db(db)
    with database.reading() as conn:
        text = exchange.export_text(conn, format)
    with output_stream(output) as out:
        out.write(text)


@actors_app.command("import")
@handle_errors
def actors_import(path: Annotated[Path, typer.Argument(metavar="FILE", help="A file `kpolicy actors export` wrote (.yaml or .csv).")],
                  reason: ReasonOpt = None, by: ByOpt = None, db: DbOpt = None) -> None:
    """Add another team's authority file: new actors, aliases, facts and terms. All or nothing:
    one bad row and the database is unchanged.

    \b
    Example:
      kpolicy actors import team.yaml --reason "shared by the Seoul desk"
    """
    from kpolicy.curate import exchange

    database = open_db(db)
    with database.writing() as conn:
        counts = exchange.import_file(conn, path, by=by, reason=reason)
    say(f"imported {path}: {counts['added']} actor(s) added, {counts['changed']} changed, {counts['terms']} term(s), "
         f"{counts['places']} place(s)")


@places_app.callback()
@handle_errors
def places(ctx: typer.Context, db: DbOpt = None, format: FormatOpt = "table", output: OutputOpt = None) -> None:
    """List places with their state, coordinates, Wikidata id and aliases.

    \b
    Examples:
      kpolicy places
      kpolicy places add Osaka --country JPN --lat 34.6937 --lon 135.5023
    """
    if ctx.invoked_subcommand is not None:
        return
    from kpolicy import query

    fmt = check_format(format)
    database = open_db(db)
    with database.reading() as conn:
        rows = query.list_places(conn)
    with output_stream(output) as out:
        emit(rows, fmt, out, [("name", "name"), ("country", "country"), ("latitude", "lat"), ("longitude", "lon"),
                              ("wikidata", "wikidata"), ("aliases", "aliases"), ("events", "events")])


CountryOpt = Annotated[Optional[str], typer.Option("--country", metavar="ISO3", help="The state that holds it (PRK).")]
LatOpt = Annotated[Optional[float], typer.Option("--lat", metavar="DEG", help="Latitude.")]
LonOpt = Annotated[Optional[float], typer.Option("--lon", metavar="DEG", help="Longitude.")]


@places_app.command("add")
@handle_errors
def places_add(name: Annotated[str, typer.Argument(metavar="NAME", help="The canonical name.")], country: CountryOpt = None,
               lat: LatOpt = None, lon: LonOpt = None, wikidata: WikidataOpt = None, alias: AliasOpt = None,
               reason: ReasonOpt = None, by: ByOpt = None, db: DbOpt = None) -> None:
    """Add a place: `kpolicy add/edit --place` and the next ingest know it.

    \b
    Example:
      kpolicy places add Osaka --country JPN --lat 34.6937 --lon 135.5023 --wikidata Q35765
    """
    from kpolicy.curate import authority

    database = open_db(db)
    with database.writing() as conn:
        change, _ = authority.add_place(conn, name, aliases=alias or (), by=by, reason=reason,
                                        **_fields(country=country, lat=lat, lon=lon, wikidata=wikidata))
    say(f"added place {name.strip()} (change {change}; `kpolicy undo {change}` removes it)")


@places_app.command("edit")
@handle_errors
def places_edit(name: Annotated[str, typer.Argument(metavar="NAME", help="A place name or alias.")], country: CountryOpt = None,
                lat: LatOpt = None, lon: LonOpt = None, wikidata: WikidataOpt = None,
                reason: ReasonOpt = None, by: ByOpt = None, db: DbOpt = None) -> None:
    """Correct a place's state, coordinates or Wikidata id.

    \b
    Example:
      kpolicy places edit Panmunjom --lat 37.9559 --lon 126.677
    """
    from kpolicy.curate import authority

    database = open_db(db)
    with database.writing() as conn:
        change = authority.edit_place(conn, name, _fields(country=country, lat=lat, lon=lon, wikidata=wikidata), by=by, reason=reason)
    say(f"edited place {name} (change {change})")


@places_app.command("alias")
@handle_errors
def places_alias(name: Annotated[str, typer.Argument(metavar="NAME", help="A place name or alias.")],
                 alias: Annotated[list[str], typer.Argument(metavar="ALIAS...", help="Further names.")],
                 reason: ReasonOpt = None, by: ByOpt = None, db: DbOpt = None) -> None:
    """Give a place further names: one place per spelling.

    \b
    Example:
      kpolicy places alias Panmunjom "the truce village"
    """
    from kpolicy.curate import authority

    database = open_db(db)
    with database.writing() as conn:
        change = authority.add_place_aliases(conn, name, alias, by=by, reason=reason)
    say(f"added {len(alias)} alias(es) to {name} (change {change})")
