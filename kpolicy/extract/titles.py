"""Event titles: a short title for each event (`event_title`); the quote is the mention's span
(kpolicy.extract.mentions.quote_span).

A title is "<states> <type>: <key phrase>", the key phrase being a verb's object or a
noun's own phrase.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from kpolicy.extract.triggers import MEETING_TYPES
from kpolicy.extract.triggers import VERB_TRIGGER as _VERB_TRIGGER
from kpolicy.vocabulary import EVENT_TYPES

if TYPE_CHECKING:  # pragma: no cover
    from kpolicy.extract.candidates import Candidate


_TITLE_STOP = re.compile(r"[,;:()\u2014\u201c\u201d\"]|(?<![A-Z])(?<!\b[A-Z][a-z])\.(?![A-Za-z]\.)|\s(?:on|in|at|from|into|toward|towards|over|near|since|after|before|during|with|by|for|to|that|which|who|and|but|as)\s", re.I)
_FUNCTION = {"the", "a", "an", "its", "his", "her", "their", "this", "that", "of", "in", "on", "at", "and", "to", "it", "he",
             "she", "they", "we", "was", "were", "is", "are", "has", "have", "had", "will", "would", "be", "been", "for", "with"}


def _key_phrase(e: Candidate, text: str) -> str:
    """The words that name the event: a verb's object ('fired | two short-range ballistic missiles'),
    or a noun's own phrase ('the | March-April joint U.S.-South Korea drills')."""
    t = e.trigger
    q0, q1 = e.quote
    if not t.text:  # a list item: its own words
        return re.split(r"[;:]", text[t.start:q1])[0]
    if _VERB_TRIGGER.match(t.text):
        rest = text[t.end:q1]
        stop = _TITLE_STOP.search(rest, 1 + len(rest) - len(rest.lstrip()) + 12 if len(rest.split()) > 3 else len(rest))
        phrase = rest[: stop.start()] if stop else rest
        if len(phrase.split()) >= 2 and not re.match(r"\s*(?:in|on|at|from|since|by|for|to|with)\b", phrase, re.I):
            return phrase
    before = text[max(q0, t.start - 60):t.start]
    words = before.split()
    keep: list[str] = []
    for w in reversed(words):
        if w.lower().strip(",;") in _FUNCTION or re.search(r"[,;:.]$", w) or (w.lower().endswith("ed") and keep) \
                or _LIGHT_VERB.fullmatch(w.lower()) or _VERB_TRIGGER.fullmatch(w):  # 'Trump held | talks': the verb ends the noun's phrase
            break
        keep.insert(0, w)
        if len(keep) == 4:
            break
    after = re.match(r"\s+of\s+(?:the\s+)?(?:[\w'\u2019-]+\s*){1,5}", text[t.end:q1])
    return " ".join([*keep, t.text]) + (after.group().rstrip() if after else "")


_LIGHT_VERB = re.compile(r"held|hold|holds|holding|met|meet|meets|had|has|have|began|begin|begins|opened|opens|convened|convenes|staged|stages|conducted|conducts|attended|attends"
                         r"|made|make|makes|paid|pay|pays|took|take|takes|gave|give|gives")  # ('Kim made his first visit')
# the verb a headline uses for an event named by a noun ('North Korea holds plenum')
_TYPE_VERB = {
    "plenum": "hold", "summit": "hold", "talks": "hold", "missile_test": "launch", "nuclear_test": "conduct",
    "weapon_test": "conduct", "weapon_display": "display", "military_drill": "hold", "election": "hold",
    "un_action": "issue", "sanctions": "impose", "statement": "issue", "policy_change": "adopt", "agreement": "sign",
    "incident": "report", "deadline": "set", "other": "report",
}
_IRREGULAR = {"hold": "holds", "do": "does", "have": "has", "be": "is", "go": "goes"}


def _third_person(verb: str) -> str:
    if verb in _IRREGULAR:
        return _IRREGULAR[verb]
    if re.search(r"(?:s|sh|ch|x|z|o)$", verb):
        return verb + "es"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ies"
    return verb + "s"


_ADVERB = re.compile(r"(?i)(?:later|then|also|again|officially|jointly|reportedly|finally|first|formally|\w+ly)$")


def _verbish(e: Candidate, text: str) -> bool:
    """Whether the trigger is a verb: a past form, or a word right after its subject or an adverb
    ('Russia invades', 'Shoigu, visits', 'later deny'), not after a determiner ('the talks')."""
    t = e.trigger.text
    if _VERB_TRIGGER.match(t.split()[0]):
        return True
    words = text[max(e.quote[0], e.trigger.start - 40):e.trigger.start].split()
    if not words:
        return False
    prev = words[-1].strip(",")
    if prev.endswith(("'s", "\u2019s")) or prev.lower() in _FUNCTION:
        return False
    word = t.split()[0]
    present = word.endswith("s") and not word.endswith("ss") and word.lower() not in _NOUN_PLURALS and word.islower()
    if not present and word.islower() and word not in _EVENT_NOUNS and not word.endswith("s") \
            and re.search(r"\band\s+(?:[\w.\u2019'-]+\s+){0,3}$", text[max(e.quote[0], e.trigger.start - 40):e.trigger.start]):
        present = True  # a plural subject's verb: 'Russia and China veto', 'Moscow and Pyongyang later deny'

    if not present and word.islower() and word not in _EVENT_NOUNS and not word.endswith("s"):
        from kpolicy.extract.triggers import lemma

        present = lemma(word) != word and not word.endswith("ing")  # an irregular past after its subject: 'North Korea blew up'
    return present and bool(re.fullmatch(r"[A-Z][\w.\u2019'-]*", prev) or _ADVERB.fullmatch(prev))


# plural nouns that name events (not present-tense verbs after a name: 'U.S.-South Korea drills')
_EVENT_NOUNS = {"summit", "plenum", "meeting", "session", "election", "test", "launch", "drill", "exercise", "parade", "deal",
                "treaty", "statement", "talks", "visit", "trip", "congress", "resolution", "declaration", "agreement", "speech"}
_NOUN_PLURALS = {"drills", "talks", "elections", "exercises", "sanctions", "tests", "launches", "plenums", "summits",
                 "meetings", "negotiations", "games", "resolutions", "statements", "parades", "sessions", "agreements",
                 "attacks", "clashes", "provocations", "messages", "polls", "firings", "accords"}


@functools.lru_cache(maxsize=4096)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern:
    """One compiled alternation per actor's names (compiling one pattern per name and call
    evicted the re module's cache and cost the extractors about 8 % of their time)."""
    return re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in names))


def _named_in(actor: str, span: str, gazetteer) -> bool:
    entry = gazetteer.actors.get(actor)
    names = tuple(n for n in (actor, *(getattr(entry, "aliases", None) or ()), *(getattr(entry, "adjectives", None) or ())) if n)
    low = span.replace("\u2019", "'")
    return bool(names) and _names_pattern(names).search(low) is not None


def _surname_in(actor: str, span: str) -> bool:
    """Whether a person's family or given-name part stands in `span` as a word ('met Kim', 'YOON Suk Yeol')."""
    parts = [p for p in re.split(r"[\s-]+", actor) if len(p) > 2]
    return len(parts) > 1 and any(re.search(rf"(?i)(?<!\w){re.escape(p)}(?!\w)", span) for p in parts)


def _dedupe_states(actors: list[str], gazetteer) -> list[str]:
    out = []
    for a in actors:
        s = a
        entry = gazetteer.actors.get(a)
        while entry is not None and entry.kind not in ("state", "international_organisation", "alliance") and entry.parent:
            s, entry = entry.parent, gazetteer.actors.get(entry.parent)
        if s not in out:
            out.append(s)
    return out


def _subject(actors: list[str], states: list[str], gazetteer) -> tuple[str, bool]:
    """Who the title names, and whether that is plural: the people the event names ('Putin and Kim'),
    else its states ('United States and South Korea')."""
    people = [a for a in actors if getattr(gazetteer.actors.get(a), "kind", None) == "person"] if gazetteer else []
    names = people[:2] if people else (states[:3] if len(states) == 3 else states[:2]) or actors[:2]
    return (", ".join(names[:-1]) + " and " + names[-1]) if len(names) > 1 else "".join(names), len(names) > 1  # ('China, Japan and South Korea')


def event_title(e: Candidate, states: list[str], text: str, gazetteer=None) -> str:
    """A headline a person would write: subject, verb, object ('North Korea fires two short-range
    ballistic missiles', 'Kim Jong-un and Donald Trump hold summit in Hanoi'), no template prefix."""
    lead = [a for a in e.actors if (getattr(e, "roles", None) or {}).get(a) != "target"]
    if gazetteer is not None and lead and len(lead) < len(e.actors):  # 'Japan imposes sanctions', not 'Japan and North Korea impose'
        who, plural = _subject(lead, _dedupe_states(lead, gazetteer), gazetteer)
    else:
        who, plural = _subject(e.actors, states, gazetteer)
    verbish = bool(e.trigger.text) and _verbish(e, text)
    if verbish and gazetteer is not None and not (e.type in MEETING_TYPES and len(states) > 1):
        # the subject: those named before the verb ('Russia invades Ukraine'); a meeting's subject is all its parties
        before = text[e.quote[0]:e.trigger.start]
        named = [a for a in e.actors if _named_in(a, before, gazetteer)]
        if named:
            who, plural = _subject(named, _dedupe_states(named, gazetteer), gazetteer)
    label = EVENT_TYPES[e.type][0]
    phrase = re.sub(r"\s+", " ", _key_phrase(e, text)).strip(" .,;:-\u2014\u201c\u201d\"")
    phrase = re.sub(r"^(?:(?:the|a|an|its|his|her|their|and|but|or|during|after|before|since|following|amid|despite|until)\s+)+", "",
                    phrase, flags=re.I)  # ('During negotiations with ...': the noun, not its preposition)
    day = re.match(r"(\d{1,2})\s+(?=\S)", phrase)
    if day and e.date_text and re.search(rf"(?<!\d){day.group(1)}(?!\d)", e.date_text):
        phrase = phrase[day.end():]  # 'An Oct. 16 statement': the day of the date, left when its month was cut
    if e.date_text and e.date_text in phrase and phrase.strip() != e.date_text:  # 'plenary meeting ... next month': the date is no object
        phrase = re.sub(r"\s+", " ", phrase.replace(e.date_text, " ")).strip()
    t = e.trigger.text
    if verbish:  # the verb in a headline's present, then its object: 'fires two short-range ballistic missiles'
        rest = text[e.trigger.end:e.quote[1]]
        said = e.type == "statement" and re.fullmatch(r"(?i)said|says|announced|announces|reported|reports|stated|states|told|tells", t.split()[0])
        after = text[e.trigger.end:e.trigger.end + 240]
        clause = _SAID_THAT.match(after) if said else None
        if clause:  # 'said Saturday that it has named Kim Jong Un ...': what was said is the title
            reported = after[clause.end():]
            stop = _CLAUSE_STOP.search(reported)
            obj = _clean_object(reported[: stop.start()] if stop else reported, e)
            obj = " ".join(obj.split()[:12])
            verb = "say" if plural else "says"
        if clause and obj:
            pass
        else:
            stop = _TITLE_STOP.search(rest, 1 + len(rest) - len(rest.lstrip()) + 8 if len(rest.split()) > 2 else len(rest))
            obj = _clean_object(rest[: stop.start()] if stop else rest, e)
            verb = _present(t, plural)
            if e.type in MEETING_TYPES and plural and gazetteer is not None and obj and any(
                    _named_in(a, obj, gazetteer) or _surname_in(a, obj) for a in [*e.actors, *states]):
                obj = ""  # 'Trump and Kim meet', not '... meet with North Korean leader Kim Jong Un': the party is in the subject
            if said and not obj:
                verb, obj = ("issue" if plural else "issues"), "statement"  # never a bare 'X said'
        body = " ".join(x for x in (verb, obj) if x)
    else:
        verb = "make" if (t.split() or [""])[-1].lower() in ("visit", "visits", "trip", "trips") else _TYPE_VERB.get(e.type, "report")  # ('makes first visit')
        obj = phrase if phrase and phrase.lower() != label.lower() else label.lower()
        body = f"{verb if plural else _third_person(verb)} {obj}"
    if who:  # the subject once: not again as the object's possessive ("Yoon adopts Yoon Suk Yeol's ...")
        parts = re.split(r", | and ", who)
        # (a surname stands first in Korean and Chinese order: 'Kim Jong-un holds | Kim's first visit')
        for name in sorted({who, *parts, *(n.split()[-1] for n in parts), *(n.split()[0] for n in parts), *states}, key=len, reverse=True):
            loose = r"[-\s]".join(re.escape(part) for part in re.split(r"[-\s]+", name))  # 'Suk-yeol' = 'Suk Yeol'
            body = re.sub(rf"(?i)(?<=\s){loose}(?:'s|\u2019s)\s+", "", body)
    if who and not verbish:  # nor as the noun phrase's first words ('UN Security Council issues | Nations Security Council Resolutions')
        verb_word, _, rest = body.partition(" ")
        for name in sorted({*re.split(r", | and ", who), *states}, key=len, reverse=True):
            words = name.split()
            tail = next((k for k in range(len(words) - 1) if rest.startswith(" ".join(words[k:]) + " ")), None)
            if tail is not None:
                rest = rest[len(" ".join(words[tail:])) + 1:]
                break
        body = f"{verb_word} {rest}" if rest else body
    title = f"{who} {body}" if who else body[:1].upper() + body[1:]
    title = _tidy(title)
    bare = re.fullmatch(r"(.+?)\s+(says|say|said|tells|told|adds|added)", title)
    if bare:  # never a bare 'X said'
        title = f"{bare.group(1)} {'issue' if plural else 'issues'} statement"
    if e.place and e.place.lower() not in title.lower():  # with the text's own preposition: 'at Vostochny Cosmodrome'
        prep = re.search(rf"\b(at|in|near)\s+(?:the\s+)?{re.escape(e.place)}", text[e.quote[0]:e.quote[1]], re.I)
        title += f" {prep.group(1).lower() if prep else 'in'} {e.place}"
    elif not e.place and e.type in _PLACED_TYPES:  # 'held a summit at the Vostochny Cosmodrome': a venue the gazetteer lacks
        venue = _VENUE.search(text, e.trigger.end, e.quote[1])
        if venue and venue.group(2) not in title and not _TIME_WORD.match(venue.group(2)):
            title += f" {venue.group(1).lower()} {venue.group(2)}"
    if len(title) > 90:
        title = _tidy(title[:90].rsplit(" ", 1)[0]) + "\u2026"
    return title[:1].upper() + title[1:]


# 'said (on) Saturday that ...', 'announced Thursday it will ...': the reported clause
_SAID_THAT = re.compile(r"\s+(?:(?:reporters|journalists|lawmakers|parliament|(?:a|the)\s+(?:news|press)\s+(?:conference|briefing)"
                        r"|in\s+(?:a|an|its|the)\s+(?:[\w-]+\s+)?(?:report|statement|commentary|readout|interview))\s+)?"
                        r"(?:(?:on\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|today|yesterday)\s+)?(?:that\s+)", re.I)
# ('told a news conference on Monday that ...': whom it was told to is no part of what was said)
_CLAUSE_STOP = re.compile(r"[;:()\u2014\u201c\u201d\"]|,\s+(?:and|but|which|who|while|as|after|saying)\b|(?<![A-Z])\.(?:\s|$)|,\s*$")
_LEAD_DETERMINER = re.compile(r"^(?:(?:the|a|an|its|his|her|their)\s+)+", re.I)


_PLACED_TYPES = {"summit", "talks", "plenum", "missile_test", "nuclear_test", "weapon_test", "weapon_display", "military_drill", "agreement"}
_VENUE = re.compile(r"\s(at|in)\s+(?:the\s+)?((?:[A-Z][\w'\u2019-]+)(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w'\u2019-]+){0,3})")  # ('in the Sea of Japan')
_TIME_WORD = re.compile(r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Monday|Tuesday|"
                        r"Wednesday|Thursday|Friday|Saturday|Sunday|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b")


def _present(verb_phrase: str, plural: bool) -> str:
    """A headline's present tense of a trigger verb: 'fired' -> 'fires', 'test-launched' -> 'test-launches',
    'blew up' -> 'blows up'; plural subjects keep the base form ('Putin and Kim meet')."""
    from kpolicy.extract.triggers import lemma

    words = verb_phrase.split()
    head = words[0]
    prefix, _, core = head.rpartition("-")
    if core.isalpha() and (core.istitle() or core.isupper()):  # a headline's capitalised verb: 'North Korea Fired ...'
        core = core.lower()
    base = lemma(core) if core.isalpha() and core.lower() == core else core
    if base == core and re.search(r"(?:ed|ing)$", core):  # a form the lemmatiser does not know: keep it, never 'Fireds'
        return " ".join([f"{prefix}-{core}" if prefix else core, *words[1:]])
    if not base or base == core:
        if core.endswith("s") and plural:
            base = lemma(core)
        else:
            return verb_phrase
    form = base if plural else _third_person(base)
    return " ".join([f"{prefix}-{form}" if prefix else form, *words[1:]])


def _clean_object(obj: str, e: Candidate) -> str:
    obj = re.sub(r"\s+", " ", obj).strip(" .,;:-\u2014\u201c\u201d\"")
    if e.date_text:
        obj = obj.replace(e.date_text, "").strip()
    obj = re.sub(r"(?i)^(?:on|in|at)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\s+", "", obj)
    obj = re.sub(r"(?i)^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\s+", "", obj)
    obj = re.sub(r"(?i)(?:^|\s+)(?:morning|afternoon|evening|night)$", "", obj)  # what the date text left ('on Tuesday | night')
    obj = _TRAILING.sub("", " " + _LEAD_DETERMINER.sub("", obj + " ")).strip()
    if len(obj.split()) >= 3:  # 'a Syrian depot allegedly stocked (with ...)': the object, not its reduced relative clause
        obj = _TRAILING_PARTICIPLE.sub("", obj)
    return "" if obj.lower() in ("the", "a", "an", "its", "his", "her", "their") else obj


_TRAILING_PARTICIPLE = re.compile(r"(?:\s+(?:allegedly|reportedly|apparently))?\s+(?:built|made|supplied|stocked|backed|funded|run|owned|operated|used)$")
_TRAILING = re.compile(r"(?i)(?:\s+(?:the|a|an|of|in|on|at|to|for|and|with|by|from|its|his|her|their|that|which|as|or|but|is|are|was|were))+$")


def _tidy(title: str) -> str:
    """No word twice in a row ('hold hold'), no dangling function words ('of the in', a title
    ending in 'of'), no abbreviation cut at its first full stop ('the U')."""
    title = re.sub(r"(?i)\b(\w+)(\s+\1\b)+", r"\1", title)
    title = re.sub(r"(?i)\s+(?:of|for|to|with|by|from)\s+(?:the\s+)?(?=(?:in|on|at)\s)", " ", title)
    title = re.sub(r"(?i)\s+(?:the|a|an)\s+(?=(?:in|on|at|of)\s)", " ", title)
    title = re.sub(r"\s+(?:the\s+)?[A-Z]$", "", title)  # 'vetoed the renewal of the U' (U.N. cut at its full stop)
    return _TRAILING.sub("", title).strip(" ,;:-")
