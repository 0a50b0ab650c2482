"""GDELT 2.0 events (61 tab-separated columns, no header) and mentions, streamed and filtered while read.

Minimum: the 61 columns of the GDELT 2.0 event codebook, in order (COLUMNS); a mentions
file has its 16. A row is kept when its Day is inside `--from/--to` and, with `--country
ISO3,...`, when an actor's CAMEO country code (Actor1/2CountryCode, ISO alpha-3) or a
geography's country (Actor1Geo, Actor2Geo, ActionGeo: FIPS 10-4, through
data/crosswalks/fips_iso.csv) is one of them. Both tests run on the raw bytes of each
line, before anything is decoded, so a 10^6-row file is read and filtered at the speed
docs/import.md reports, in memory that does not grow with the file (one block at a time).

- GlobalEventID is the external id, DATEADDED the version; Day the date (one day).
- CAMEO codes stay text ("042", never 42): EventCode gives the type through
  data/crosswalks/cameo.csv (the longest known prefix); a code that is not CAMEO ("13y")
  is a bad row, named with its column.
- Actor1 is the initiator, Actor2 the target: the state of its CAMEO country code when it
  has one, else its name through the actor registry (unknown names become proposals).
- The place is ActionGeo_FullName with its country (FIPS -> ISO) and coordinates; the
  mention's quote is the SOURCEURL.
- Every column but the id and DATEADDED (NumMentions, NumSources, NumArticles, the CAMEO
  codes, QuadClass, GoldsteinScale, AvgTone, the actor and geography codes...) is kept,
  when not empty, in events.external_data; each
  row of a mentions file (`--mentions FILE`) for a kept event becomes a further mention of
  it (its outlet and URL), so the event's sources are there to follow.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

from kpolicy.dates import parse_edtf
from kpolicy.imports import crosswalks
from kpolicy.imports.common import ImportRow, Problems, byte_lines, check_text_file, display

COLUMNS = (
    "GlobalEventID", "Day", "MonthYear", "Year", "FractionDate",
    "Actor1Code", "Actor1Name", "Actor1CountryCode", "Actor1KnownGroupCode", "Actor1EthnicCode", "Actor1Religion1Code",
    "Actor1Religion2Code", "Actor1Type1Code", "Actor1Type2Code", "Actor1Type3Code",
    "Actor2Code", "Actor2Name", "Actor2CountryCode", "Actor2KnownGroupCode", "Actor2EthnicCode", "Actor2Religion1Code",
    "Actor2Religion2Code", "Actor2Type1Code", "Actor2Type2Code", "Actor2Type3Code",
    "IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass", "GoldsteinScale", "NumMentions",
    "NumSources", "NumArticles", "AvgTone",
    "Actor1Geo_Type", "Actor1Geo_FullName", "Actor1Geo_CountryCode", "Actor1Geo_ADM1Code", "Actor1Geo_ADM2Code",
    "Actor1Geo_Lat", "Actor1Geo_Long", "Actor1Geo_FeatureID",
    "Actor2Geo_Type", "Actor2Geo_FullName", "Actor2Geo_CountryCode", "Actor2Geo_ADM1Code", "Actor2Geo_ADM2Code",
    "Actor2Geo_Lat", "Actor2Geo_Long", "Actor2Geo_FeatureID",
    "ActionGeo_Type", "ActionGeo_FullName", "ActionGeo_CountryCode", "ActionGeo_ADM1Code", "ActionGeo_ADM2Code",
    "ActionGeo_Lat", "ActionGeo_Long", "ActionGeo_FeatureID",
    "DATEADDED", "SOURCEURL",
)
MENTION_COLUMNS = (
    "GlobalEventID", "EventTimeDate", "MentionTimeDate", "MentionType", "MentionSourceName", "MentionIdentifier",
    "SentenceID", "Actor1CharOffset", "Actor2CharOffset", "ActionCharOffset", "InRawText", "Confidence",
    "MentionDocLen", "MentionDocTone", "MentionDocTranslationInfo", "Extras",
)
WIDTH = len(COLUMNS)  # 61
COL = {name: i for i, name in enumerate(COLUMNS)}
KEPT = tuple(c for c in COLUMNS if c not in ("GlobalEventID", "DATEADDED"))  # every other column, when not empty
_A1, _A2, _G1, _G2, _GA = (COL[c] for c in ("Actor1CountryCode", "Actor2CountryCode", "Actor1Geo_CountryCode",
                                            "Actor2Geo_CountryCode", "ActionGeo_CountryCode"))


class Filter:
    """The tests a line must pass, on bytes: the Day window and the countries."""

    def __init__(self, countries: list[str] | None = None, start: date | None = None, end: date | None = None) -> None:
        iso = {c.upper() for c in countries or ()}
        fips = {f for f, i in crosswalks.fips_to_iso().items() if i in iso}
        self.iso = {c.encode() for c in iso}
        self.fips = {f.encode() for f in fips}
        self.start = start.strftime("%Y%m%d").encode() if start else None
        self.end = end.strftime("%Y%m%d").encode() if end else None

    def keep(self, f: list[bytes]) -> bool:
        day = f[1]
        if self.start is not None and day < self.start:
            return False
        if self.end is not None and day > self.end:
            return False
        if self.iso or self.fips:
            return f[_A1] in self.iso or f[_A2] in self.iso or f[_GA] in self.fips or f[_G1] in self.fips or f[_G2] in self.fips
        return True


def lines(path: Path, problems: Problems, keep: Filter) -> Iterator[tuple[int, list[bytes]]]:
    """(row, fields as bytes) of the kept rows of a GDELT 2.0 events file: the fast, flat part."""
    name = display(path)
    check_text_file(path, "GDELT 2.0 events")
    first = True
    for number, line in byte_lines(path, problems):
        if not line:
            continue
        fields = line.split(b"\t")
        if len(fields) != WIDTH:
            hint = " (GDELT 1.0 events have 57 or 58: this reader reads 2.0's)" if len(fields) in (57, 58) else ""
            if first:
                problems.bad(name, number, None, f"{len(fields):,} tab-separated field(s), a GDELT 2.0 events file has {WIDTH}"
                             f"{hint}; is it a GDELT 2.0 .export.CSV file?", fatal=True)
            problems.bad(name, number, None, f"{len(fields):,} tab-separated field(s), GDELT 2.0 events have {WIDTH}{hint}")
            continue
        first = False
        if keep.keep(fields):
            yield number, fields


def _text(name: str, number: int, raw: list[bytes], problems: Problems) -> list[str] | None:
    try:
        return [b.decode("utf-8") for b in raw]
    except UnicodeDecodeError:
        for i, b in enumerate(raw):
            try:
                b.decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.bad(name, number, COLUMNS[i] if len(raw) == WIDTH else MENTION_COLUMNS[i],
                             f"byte 0x{b[exc.start]:02x} at character {exc.start + 1} is not UTF-8")
                return None
    return None


def _actor(code: str, name: str, country: str) -> str | None:
    """The actor as the store resolves it: 'cameo:CODE|COUNTRY|Name' (kpolicy.imports.actors.ActorResolver.coded)."""
    if not (code or name or country):
        return None
    return f"cameo:{code}|{country}|{name.title()}"


def _float(value: str) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def row(name: str, number: int, f: list[str], problems: Problems) -> ImportRow | None:
    c = COL
    day = f[c["Day"]]
    try:
        rng = parse_edtf(f"{day[:4]}-{day[4:6]}-{day[6:8]}") if len(day) == 8 and day.isdigit() else None
    except Exception:
        rng = None
    if rng is None:
        problems.bad(name, number, "Day", f"{day!r} is not a day (GDELT writes YYYYMMDD)")
        return None
    code = f[c["EventCode"]]
    mapped = crosswalks.cameo_row(code)
    if mapped is None:
        problems.bad(name, number, "EventCode", f"{code!r} is not a CAMEO event code (data/crosswalks/cameo.csv lists the roots)")
        return None
    ident = f[c["GlobalEventID"]]
    if not ident.isdigit():
        problems.bad(name, number, "GlobalEventID", f"{ident!r} is not a GDELT event id (a whole number)")
        return None
    actors = []
    a1 = _actor(f[c["Actor1Code"]], f[c["Actor1Name"]], f[c["Actor1CountryCode"]])
    a2 = _actor(f[c["Actor2Code"]], f[c["Actor2Name"]], f[c["Actor2CountryCode"]])
    if a1:
        actors.append((a1, "initiator"))
    if a2:
        actors.append((a2, "target"))
    geo = f[c["ActionGeo_CountryCode"]]
    place = f[c["ActionGeo_FullName"]] or None
    url = f[c["SOURCEURL"]]
    who = " → ".join(x for x in (f[c["Actor1Name"]].title(), f[c["Actor2Name"]].title()) if x) or "unnamed actors"
    title = f"{mapped['label']} (CAMEO {code}): {who}"
    data = {k: f[c[k]] for k in KEPT if f[c[k]]}
    return ImportRow(file=name, row=number, dataset="gdelt", type=mapped["kpolicy_type"], title=title, date=rng,
                     actors=actors, place=place, quote=url or title, date_text=day, external_id=ident,
                     external_version=f[c["DATEADDED"]] or None, references=[url] if url else [],
                     place_country=crosswalks.fips_to_iso().get(geo), latitude=_float(f[c["ActionGeo_Lat"]]),
                     longitude=_float(f[c["ActionGeo_Long"]]), data=data)


def read(path: Path, problems: Problems, keep: Filter) -> Iterator[ImportRow]:
    name = display(path)
    for number, raw in lines(path, problems, keep):
        text = _text(name, number, raw, problems)
        if text is None:
            continue
        found = row(name, number, text, problems)
        if found is not None:
            yield found


def read_all(files: list[Path], options, problems: Problems) -> Iterator[ImportRow]:
    keep = Filter(options.countries, options.start, options.end)
    for path in files:
        yield from read(path, problems, keep)


def mentions(files: list[Path], problems: Problems) -> Iterator[tuple[str, str, str]]:
    """(GlobalEventID, outlet, URL) of each row of GDELT 2.0 mentions files."""
    for path in files:
        name = display(path)
        check_text_file(path, "GDELT 2.0 mentions")
        for number, line in byte_lines(path, problems):
            if not line:
                continue
            raw = line.split(b"\t")
            if len(raw) != len(MENTION_COLUMNS):
                problems.bad(name, number, None, f"{len(raw):,} tab-separated field(s), GDELT 2.0 mentions have {len(MENTION_COLUMNS)}",
                             fatal=number == 1)
                continue
            text = _text(name, number, raw, problems)
            if text is None:
                continue
            yield text[0], text[4], text[5]
