"""The crosswalks between dataset codes and kpolicy's types, read from data/crosswalks/.

Each file is data an analyst can read and edit, one mapping per row, with an example
and a note where the mapping loses detail:

- acled.csv   ACLED event_type / sub_event_type <-> kpolicy type
- cameo.csv   CAMEO codes (roots 01-20, and the few 3-digit codes that map elsewhere) <-> kpolicy type
- plover.csv  PLOVER event_type / mode <-> kpolicy type
- fips_iso.csv  FIPS 10-4 country codes (GDELT's geography) -> ISO 3166-1 alpha-3

A row's `kpolicy_type` is the dataset -> kpolicy direction; its `from_kpolicy` lists the
kpolicy types exported as that row's code (the kpolicy -> dataset direction: each kpolicy
type is in exactly one row's list, tests/test_crosswalks.py checks it).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from kpolicy.vocabulary import EVENT_TYPES


def _rows(name: str) -> list[dict]:
    text = files("kpolicy.data").joinpath(f"crosswalks/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@dataclass(frozen=True)
class Crosswalk:
    name: str
    keys: tuple[str, ...]
    rows: tuple[dict, ...]

    def lookup(self, *codes: str | None) -> dict | None:
        """The row for these codes: the most specific first (all keys), then the first key alone."""
        codes = tuple((c or "").strip() for c in codes)
        for row in self.rows:
            if all(row[k] == c for k, c in zip(self.keys, codes)):
                return row
        for row in self.rows:
            if row[self.keys[0]] == codes[0] and all(not row[k] for k in self.keys[1:]):
                return row
        return None

    def export(self, kpolicy_type: str) -> dict:
        """The row a kpolicy type is exported as."""
        return self._exports()[kpolicy_type]

    def _exports(self) -> dict:
        out = {}
        for row in self.rows:
            for code in (row["from_kpolicy"] or "").split(","):
                if code.strip():
                    out[code.strip()] = row
        return out


@lru_cache(maxsize=None)
def acled() -> Crosswalk:
    return Crosswalk("acled", ("event_type", "sub_event_type"), tuple(_rows("acled.csv")))


@lru_cache(maxsize=None)
def plover() -> Crosswalk:
    return Crosswalk("plover", ("event_type", "mode"), tuple(_rows("plover.csv")))


@lru_cache(maxsize=None)
def cameo() -> Crosswalk:
    return Crosswalk("cameo", ("code",), tuple(_rows("cameo.csv")))


def cameo_row(code: str) -> dict | None:
    """The CAMEO row for an event code ('0874', '190'): its 4-, 3- and 2-digit prefixes in turn; None if not a code."""
    if not (code.isdigit() and 2 <= len(code) <= 4 and 1 <= int(code[:2]) <= 20):
        return None  # "13y", "" or "--": not a CAMEO code (the reader reports it)
    walk = cameo()
    for length in (4, 3, 2):
        if len(code) >= length:
            found = walk.lookup(code[:length])
            if found is not None:
                return found
    return None


@lru_cache(maxsize=None)
def fips_to_iso() -> dict[str, str]:
    return {r["fips"]: r["iso3"] for r in _rows("fips_iso.csv")}


def check() -> list[str]:
    """What is wrong with the shipped crosswalks (empty when all is well)."""
    problems = []
    for walk in (acled(), cameo(), plover()):
        exported: dict[str, int] = {}
        for row in walk.rows:
            if row["kpolicy_type"] not in EVENT_TYPES:
                problems.append(f"{walk.name}: {row} maps to an unknown type")
            if not row["example"].strip():
                problems.append(f"{walk.name}: {row} has no example")
            for code in (row["from_kpolicy"] or "").split(","):
                if code.strip():
                    exported[code.strip()] = exported.get(code.strip(), 0) + 1
        for code in EVENT_TYPES:
            if exported.get(code) != 1:
                problems.append(f"{walk.name}: kpolicy type {code} is exported by {exported.get(code, 0)} rows, not 1")
    return problems
