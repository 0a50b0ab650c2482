"""The controlled vocabularies: event types with their families, statuses, review states, roles.

Event types and families follow ../shared/eval/GUIDELINES.md; the families are how a
user asks for a group (`--type meeting` is summits and talks) and how events from
different articles are recognised as the same event.
"""

from __future__ import annotations

# code -> (label, family, what it covers)
EVENT_TYPES: dict[str, tuple[str, str, str]] = {
    "plenum": ("Plenum", "plenum", "party congress, plenary meeting, politburo or legislature session"),
    "summit": ("Summit", "meeting", "heads of state or government meet"),
    "talks": ("Talks", "meeting", "negotiations or official meetings below leader level, envoy visits"),
    "missile_test": ("Missile test", "test", "ballistic or cruise missile, rocket, SLBM or satellite launch"),
    "nuclear_test": ("Nuclear test", "test", "nuclear explosive test"),
    "weapon_test": ("Weapon test", "test", "engine or other weapons tests"),
    "weapon_display": ("Weapon display", "military", "parade, unveiling of a weapon"),
    "military_drill": ("Military drill", "military", "exercises and drills"),
    "election": ("Election", "election", "elections and referendums"),
    "un_action": ("UN action", "un", "UNSC resolution, draft resolution, statement, panel report"),
    "sanctions": ("Sanctions", "un", "unilateral sanctions imposed, lifted or enforced"),
    "statement": ("Statement", "political", "speech, report, declaration, announcement, letter"),
    "policy_change": ("Policy change", "political", "a decision that changes a policy (moratorium adopted or dropped)"),
    "agreement": ("Agreement", "political", "signed agreement or joint declaration"),
    "deadline": ("Deadline", "political", "a stated deadline"),
    "incident": ("Incident", "incident", "clash, attack, seizure, demolition, defection, detention"),
    "other": ("Other", "other", "visits, office openings, deployments, non-events"),
}

FAMILIES: dict[str, str] = {code: family for code, (_, family, _) in EVENT_TYPES.items()}

STATUSES: dict[str, str] = {
    "occurred": "happened before the source's publication date",
    "expected": "scheduled or announced for the future",
    "forecast": "the author's speculation about what may happen",
}

REVIEW_STATES = ("reviewed", "extracted", "rejected", "imported")  # imported: as a dataset gave it (kpolicy import)
ROLES = ("initiator", "target", "participant")
# An actor's "state" (DESIGN.md's `states`) is its nearest ancestor-or-self of these kinds:
# Kim Jong-un -> North Korea, the UN Panel of Experts -> the UN Security Council.
STATE_KINDS = ("state", "international_organisation")

ACTOR_KINDS = (
    "state",
    "person",
    "party",
    "organ",
    "agency",
    "armed_force",  # a state's military: the Korean People's Army, the ROK Armed Forces, USFK, the JSDF
    "media",
    "international_organisation",
    "alliance",
    "group",
)


def kind_key(name: str) -> str:
    """An actor kind as a user writes it -> its code: 'armed force', 'Armed-Force' -> 'armed_force'."""
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def types_for(name: str) -> list[str] | None:
    """The type codes a user means by `name`: a type itself or every type of a family."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key in EVENT_TYPES:
        return [key]
    members = [code for code, family in FAMILIES.items() if family == key]
    return members or None
