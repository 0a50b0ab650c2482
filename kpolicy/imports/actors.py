"""Names in a file -> actors of the registry, and the names it does not know.

Datasets write actors their own way ("Military Forces of South Korea (2022-)",
"Government of North Korea (2011-)", a CAMEO code "PRK", a country "South Korea"). A
name is looked up as written, case-insensitively, among the actors' names and aliases;
then without a trailing "(...)" period or country; then the state of "Military/Police
Forces of X" and "Government of X" (the forces or government are folded into the state:
a loss of detail docs/import.md names). A name that still matches nothing is returned as
unknown: the store keeps it as a proposal on the event, never drops it.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.authority import fold
from kpolicy.store import schema

_PERIOD = re.compile(r"\s*\((?:\d{4}-?\d{0,4}|[^()]*)\)\s*$")
_OF_STATE = re.compile(r"^(?:military|police|naval|air|armed|security)\s+forces\s+of\s+(?:the\s+)?(.+)$|"
                       r"^(?:government|ministry of [a-z ]+|navy|army|air force|coast guard)\s+of\s+(?:the\s+)?(.+)$", re.I)


class ActorResolver:
    """Alias -> canonical actor name for one database, read once per import."""

    def __init__(self, conn: Connection) -> None:
        a, al = schema.actors, schema.actor_aliases
        self.names = {r.id: r.name for r in conn.execute(sa.select(a.c.id, a.c.name))}
        self.by_key = {fold(r.alias_key): self.names[r.actor_id] for r in conn.execute(sa.select(al.c.alias_key, al.c.actor_id))
                       if r.actor_id in self.names}
        for name in self.names.values():
            self.by_key.setdefault(fold(name).lower(), name)
        self.by_iso3 = {r.iso3.upper(): r.name for r in conn.execute(sa.select(a.c.iso3, a.c.name).where(
            a.c.iso3.is_not(None), a.c.kind == "state"))}
        # the authority file's CAMEO actor codes (PRK, PRKGOV...), when the schema has them (migration 0013)
        self.by_cameo = {r.cameo.upper(): r.name for r in conn.execute(sa.select(a.c.cameo, a.c.name).where(a.c.cameo.is_not(None)))} \
            if "cameo" in a.c else {}
        self._cache: dict[str, str | None] = {}

    def resolve(self, name: str) -> str | None:
        """The canonical name of `name`, or None when the registry does not know it."""
        key = fold(" ".join(name.split())).lower()
        if key in self._cache:
            return self._cache[key]
        found = self.by_key.get(key)
        if found is None:
            bare = _PERIOD.sub("", key)
            found = self.by_key.get(bare)
            if found is None:
                m = _OF_STATE.match(bare)
                if m:
                    found = self.by_key.get((m.group(1) or m.group(2)).strip())
        self._cache[key] = found
        return found

    def coded(self, code: str, country: str, name: str) -> tuple[str | None, str]:
        """A dataset actor given by its CAMEO code (PRKGOV), country (PRK) and name: the registry's
        actor with that CAMEO code, else the state of that country, else the name resolved.
        Returns (canonical name or None, the name to propose when None)."""
        for key in (code, country):
            found = self.by_cameo.get((key or "").upper())
            if found:
                return found, name
        found = self.country(country) if country else None
        if found:
            return found, name
        found = self.resolve(name) if name else None
        return found, name or code or country

    def country(self, iso3: str) -> str | None:
        """The state with this ISO 3166-1 alpha-3 code (CAMEO's country codes are ISO alpha-3)."""
        return self.by_iso3.get((iso3 or "").upper())
