"""Event triggers: words that state an event, typed by the words around them.

`find_triggers(sentence)` returns Trigger(start, end, text, type, confidence) for every
trigger in a sentence. A trigger is a word or phrase (plenum, summit, launched,
drills, said...) checked against its context: a 'test' needs a weapon next to it (a
test of patience is no event), a 'summit' needs a meeting sense, a 'resolution' needs
the UN, 'launched' needs a missile, rocket or satellite (not a campaign). Nouns named
as the object of a moratorium, ban or halt ('a moratorium on nuclear tests') and
negated mentions ('did not hold talks', 'skipped his address') state no event.
Confidence reflects how unambiguous the trigger is.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

from kpolicy.extract.lexicon import MISSILE_NOUN, WEAPON

# the types a launch or test trigger gets, and those of a meeting (what happens at one takes its date)
TEST_FAMILY = {"missile_test", "nuclear_test", "weapon_test"}
MEETING_TYPES = {"plenum", "summit", "talks"}


@dataclass(frozen=True)
class Trigger:
    start: int
    end: int
    text: str
    type: str
    confidence: float
    rule: str = ""  # the id of the rule (data/triggers.yaml, or a structural rule of candidates.py) that found it


_WEAPON = WEAPON
_MISSILE_NOUN = MISSILE_NOUN



@dataclass(frozen=True)
class TriggerRule:
    """One rule of data/triggers.yaml: id, the type it states ('plenum?' = decided from context),
    its pattern, confidence and example sentences (positive and negative)."""

    id: str
    type: str
    pattern: str
    confidence: float
    examples: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()
    lemmas: frozenset[str] = frozenset()  # a lexicon rule: any inflection of these words (simplemma decides)
    requires: tuple[str, ...] = ()  # lower-case strings one of which a sentence must contain (a speed gate)


def _stem(lemma: str) -> str:
    """The prefix every inflection of a lemma starts with ('invade' -> 'invad', 'veto' -> 'veto')."""
    if lemma.endswith("y") and len(lemma) > 3:
        return lemma[:-1]  # deploy(ed) but also carry/carried
    return lemma[:-1] if lemma.endswith("e") else lemma


def lemma_pattern(lemmas) -> str:
    """A prefilter for the words whose lemma may be one of `lemmas`: each stem plus a suffix."""
    stems = sorted({re.escape(_stem(w)) for w in lemmas}, key=len, reverse=True)
    return r"\b(?:" + "|".join(stems) + r")[a-z]{0,5}\b"


@functools.cache
def lemma(word: str) -> str:
    """The dictionary form of an English word (simplemma ships its data; no network)."""
    import simplemma

    low = word.lower()
    return simplemma.lemmatize(low, lang="en")


_SUB = re.compile(r"\{\{(\w+)\}\}")


def _rules_path():
    from importlib.resources import files

    return files("kpolicy.data") / "triggers.yaml"


@functools.cache
def trigger_rules() -> tuple[TriggerRule, ...]:
    """The trigger rules of data/triggers.yaml, loaded once, sub-patterns ({{NAME}}) filled in."""
    import yaml

    from kpolicy.extract import lexicon

    doc = yaml.safe_load(_rules_path().read_text(encoding="utf-8"))
    shared = dict(doc.get("patterns") or {})

    def fill(pattern: str) -> str:
        return _SUB.sub(lambda m: fill(shared[m.group(1)]) if m.group(1) in shared else getattr(lexicon, m.group(1)), pattern)

    rules = []
    for r in doc["rules"]:
        lemmas = frozenset(r.get("lemmas") or ())
        pattern = fill(r["pattern"]) if r.get("pattern") else lemma_pattern(lemmas)
        requires = tuple(r.get("requires") or ()) or tuple(sorted({_stem(w) for w in lemmas}))
        rules.append(TriggerRule(r["id"], r["type"], pattern, float(r["confidence"]),
                                 tuple(r.get("examples") or ()), tuple(r.get("negative") or ()), lemmas, requires))
    if len({r.id for r in rules}) != len(rules):
        raise ValueError("data/triggers.yaml: rule ids must be unique")
    return tuple(rules)


@functools.cache
def _compiled() -> list[tuple[TriggerRule, re.Pattern]]:
    return [(r, re.compile(r.pattern, 0 if r.pattern.startswith("(?-i") else re.I)) for r in trigger_rules()]


# a trigger that is a verb form ('met', 'fired', 'test-launched'): it states its own event, never refers back
VERB_TRIGGER = re.compile(r"(?i)(?:met|meet|meets|said|says|told|fired|flew|held|hold|holds|signed|agreed|convene|convenes|\w+ed|\w+-\w+ed)$")

POLICY_OBJECT = re.compile(
    r"\b(?:polic(?:y|ies)|line|strategy|moratorium|plan|doctrine|law|measures?|reforms?|approach|course|programme|program|byungjin|byongjin|principle|constitution|ban)\b",
    re.I,
)
_LEADERS = re.compile(
    r"\b(?:leaders?|presidents?|heads?\s+of\s+state|prime\s+ministers?|chairman|premier|king|Kim|Trump|Moon|Xi|Putin|Biden|Yoon|Abe|Obama|Kishida|Suga|Lee)\b"
)
_PLENUM_CONTEXT = re.compile(r"\bplenary\b|\bplenums?\b|\bcongress\b|\bcentral\s+committee\b|\bassembly\b|\bpolitburo\b|\bparty\b|\bWPK\b|\bSPA\b|\bparliament\b", re.I)
_TEST_WEAPON = re.compile(r"\b(?:" + _MISSILE_NOUN + r"|engines?|weapons?|artillery|launchers?|bombs?|devices?|nuclear|SLBM|ICBM)\b", re.I)
_OBJECT_OF = re.compile(
    r"\b(?:moratorium|ban|halt|freeze|suspension|resumption|end|stop|prohibition|pause|cessation)\s+(?:on|of|to)\s+[\w\s(),'-]{0,70}$|\b(?:capable\s+of|for\s+use\s+in)\s+(?:[\w-]+\s+){0,4}$",
    re.I,
)
_NON_EVENT_TEST = re.compile(r"\btests?\s+of\s+(?:patience|will|wills|resolve|strength|loyalty|character|nerves|time)\b|\bput\s+(?:\w+\s+){0,2}to\s+the\s+test\b|\btest\s+(?:case|scores?|results?)\b", re.I)
_NON_EVENT = re.compile(
    r"\bthird[- ]part(?:y|ies)\b(?!\s+(?:[Cc]ongress|[Cc]onference|[Pp]lenum|[Cc]entral))|\bdrill\s+down\b|\bsummit\s+of\s+(?:the\s+)?(?:mountain|peak|hill|his|her|their|its)\b|\bresolution\s+(?:of|to)\s+(?:the\s+)?(?:problem|issue|conflict|crisis|dispute|question|situation)\b|\bpeaceful\s+resolution\b|\bresolutions?\s+for\s+the\s+new\s+year\b|\bnew\s+year'?s?\s+resolutions?\b",
    re.I,
)


# 'the 60th anniversary of their friendship treaty': a commemoration, not the event itself
_ANNIVERSARY = re.compile(r"\b(?:anniversary|anniversaries|commemoration)\s+of\s+[\w\s'\u2019,-]{0,60}$", re.I)


class _Spans:
    """Disjoint spans kept sorted: an overlap test is two neighbours, not a scan of every span."""

    def __init__(self, spans=()) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for span in sorted(spans):
            if self.ends and span[0] < self.ends[-1]:  # overlapping input: keep the union
                self.ends[-1] = max(self.ends[-1], span[1])
            else:
                self.starts.append(span[0])
                self.ends.append(span[1])

    def overlaps(self, a: tuple[int, int]) -> bool:
        k = bisect.bisect_left(self.starts, a[1])  # spans starting before a ends: only the last can reach a
        return k > 0 and self.ends[k - 1] > a[0]

    def add(self, a: tuple[int, int]) -> None:
        k = bisect.bisect_left(self.starts, a[0])
        self.starts.insert(k, a[0])
        self.ends.insert(k, a[1])


@functools.lru_cache(maxsize=256)
def _in(pattern: str, flags: int, text: str) -> bool:
    """Whether `pattern` occurs anywhere in `text`, asked once per sentence, not once per trigger
    (a str caches its hash, so the lookup does not rescan a long sentence)."""
    return re.search(pattern, text, flags) is not None


@functools.lru_cache(maxsize=64)
def _mask_national_councils(sentence: str) -> str:
    """'South Korea's National Security Council': a state's council, not the UN's."""
    if "Council" not in sentence and "NSC" not in sentence:
        return sentence
    return _NATIONAL_COUNCIL.sub(lambda x: "#" * len(x.group()), sentence)


def find_triggers(sentence: str, context: str = "") -> list[Trigger]:
    """The event triggers of one sentence. `context` (the paragraph or article) licenses
    weak triggers: a bare 'session' is a plenum only where plenums are being discussed."""
    found: list[Trigger] = []
    spans = _Spans()
    blocked = _Spans([m.span() for m in _NON_EVENT.finditer(sentence)] + [m.span() for m in _NON_EVENT_TEST.finditer(sentence)])
    low = sentence.lower()
    for rule, pattern in _compiled():
        if rule.requires and not any(w in low for w in rule.requires):
            continue
        etype, confidence = rule.type, rule.confidence
        for m in pattern.finditer(sentence):
            span = m.span()
            if spans.overlaps(span) or blocked.overlaps(span):
                continue
            if rule.lemmas and (m.group().lower().endswith("ing") or (m.group().lower() not in rule.lemmas and lemma(m.group()) not in rule.lemmas)):
                continue  # a lexicon rule: an inflection of its words ('-ing' forms are clause openers: 'warning that')
            resolved = _resolve(etype, sentence, m, context)
            if resolved is None:
                continue
            etype2, conf = resolved
            found.append(Trigger(span[0], span[1], m.group(), etype2, round(min(confidence, conf) if conf else confidence, 2), rule.id))
            spans.add(span)
    found = [t for t in found if not _negated(sentence, t) and not _ANNIVERSARY.search(sentence[max(0, t.start - 70):t.start])]
    found.sort(key=lambda t: t.start)
    return found


_NEGATOR = re.compile(
    r"\b(?:not|never|no(?!-)|without|n't|skipped|skip|skipping|forgo(?:ing|ne)?|cancel(?:l?ed|s)?|refused?\s+to|failed\s+to|instead\s+of|in\s+place\s+of|rather\s+than|replaced)\b((?:\s+[\w'\u2019-]+){0,5}?)\s+$",
    re.I,
)


_CONDITIONAL = re.compile(r"\b(?:if|unless|in\s+case\s+of|in\s+the\s+event\s+of|should\s+(?:it|they|either|one)\s+(?:\w+\s+)?be)\s+(?:[\w-]+\s+){0,2}$", re.I)
_COUNTERFACTUAL = re.compile(r"\b(?:would|could|might)\s+have\s+(?:[\w-]+\s+){0,3}$", re.I)
# 'a film which depicts an assassination attempt', 'a novel about a nuclear test': fiction or a portrayal, no event
_DEPICTED = re.compile(r"\b(?:depict\w*|portray\w*|dramati[sz]\w*|(?:film|movie|novel|comedy|documentary|series|play|game)\s+about)\s+(?:[\w'\u2019-]+\s+){0,3}$", re.I)
_READY_TO = re.compile(r"\b(?:ready|willing|prepared|open|eager)\s+to\s+(?:\w+\s+)?$", re.I)


def _negated(sentence: str, t: Trigger) -> bool:
    left = sentence[max(0, t.start - 40):t.start]
    if (_CONDITIONAL.search(left) and not re.search(r"\b(?:unclear|unknown|asked|whether|see|know|knows|wonder|wondered)\s+if\b", left, re.I)) or _READY_TO.search(left) or (_COUNTERFACTUAL.search(left) and not re.search(r"[,;]", left.split("have")[-1])):
        return True  # 'help the other if attacked', 'ready to meet ... at any time': hypothetical, no event
    if _DEPICTED.search(left):
        return True
    if _OBJECT_OF.search(sentence[max(0, t.start - 90):t.start]) and t.type in ("missile_test", "nuclear_test", "weapon_test"):
        return True
    m = _NEGATOR.search(sentence[max(0, t.start - 60):t.start] + " ")
    if not m:
        return False
    if t.type in ("missile_test", "nuclear_test", "weapon_test") and re.match(r"failed", m.group(), re.I):
        return False  # 'failed to put a satellite into orbit': a failed launch is a launch
    # a negation reaches the trigger only within its own phrase: no preposition, clause word or comma between
    between = m.group(1)
    return not re.search(r"\b(?:with|to|on|of|for|in|at|from|by|and|but|which|that|when|since|after|before)\b|[,;:]", between, re.I)


def _window(sentence: str, m: re.Match, before: int = 60, after: int = 60) -> tuple[str, str]:
    return sentence[max(0, m.start() - before):m.start()], sentence[m.end():m.end() + after]


_NATIONAL_COUNCIL = re.compile(r"\b(?:National|Japan's|Japanese|Korean|American|Russian|Chinese)\s+Security\s+Council\b|\bNSC\b")


# a sentence opening with a bare plural of common nouns ('Investors', 'Many economists'): nobody in particular
_GENERIC_SUBJECT = re.compile(r"\W*(?:(?:some|many|most|several|other|foreign|local|global)\s+)?(?:[a-z]+\s+)?[A-Z]?[a-z]{3,}s\s+(?:[a-z]+ly\s+)?", re.I)
_ELECTION_BODY = re.compile(r"\s+(?:offices?|commissions?|officials?|officers?|workers?|laws?|systems?|boards?|committees?|servers?|equipment|watchdog|authorit(?:y|ies))\b", re.I)
# an incident someone aimed at, not one that happened
_AIM = re.compile(r"\b(?:bids?|attempt\w*|plot\w*|plan\w*|scheme\w*|efforts?|tried|try|trying|sought|seek\w*|aim\w*|conspir\w+)\s+to\s+(?:[\w'-]+\s+){0,8}?(?:and\s+)?$", re.I)
# the trigger is what someone calls for, not what happened ('urged a moratorium')
_CALL_FOR = re.compile(r"\b(?:call\w*\s+for|urg\w*|propos\w*|demand\w*|seek\w*|sought|push\w*\s+for|appeal\w*\s+for)\s+(?:an?|the)\s+(?:[\w-]+\s+){0,3}$", re.I)
# what was requested or offered is not done: 'made the request to send the delegation', 'offered to hold talks'
_REQUESTED = re.compile(r"\b(?:request\w*|offer\w*|propos\w*|asked|asks|invit\w*)\s+(?:\w+\s+)?to\s+(?:[\w-]+\s+){0,4}$", re.I)
# a deadline someone set: 'Kim's year-end deadline', 'its deadline', 'set a deadline', 'issued an ultimatum'
_SETTER = re.compile(r"(?:'s|\u2019s|\b(?:his|her|its|their))\s+(?:[\w-]+\s+){0,2}$")
_SET_VERB = re.compile(r"\b(?:set|sets|setting|issu\w+|gave|give[sn]?|impos\w+|announc\w+|extend\w*|declar\w+|offer\w*)\b", re.I)


# the Security Council as the subject right before a statement verb ('The U.N. Security Council on Monday
# unanimously condemned'); `pre` is the word before it ('an envoy to the Security Council said' is the envoy's)
_COUNCIL_SUBJECT = re.compile(
    r"(?:^|\b(?P<pre>[\w'\u2019]+)\s+)(?:the\s+)?(?:(?:U\.\s?N\.|UN|United\s+Nations)\s+)?(?:Security\s+Council|UNSC)(?:\s+members)?"
    r"(?:\s+(?:on\s+)?(?:[A-Z][a-z]+day|\w+ly|also|again|later|then|jointly))*\s+$")


# a ship launched (from a shipyard, not at a target): 'launch of the second ... guided missile destroyer'
_SHIP_LAUNCHED = re.compile(r"\s+of\s+(?:the|a|an|its|their|North\s+Korea['\u2019]s)\s+(?:[\w()'\u2019-]+\s+){0,6}?"
                            r"(?:destroyers?|frigates?|warships?|vessels?|ships?|corvettes?|submarines?|aircraft\s+carriers?)\b", re.I)


def _resolve(etype: str, sentence: str, m: re.Match, context: str) -> tuple[str, float | None] | None:
    """Decide a trigger's type from its context; None when it is no event."""
    word = m.group().lower()
    # 'South Korea's National Security Council': a state's council, not the UN's
    sentence = _mask_national_councils(sentence)
    left, right = _window(sentence, m)
    if etype == "plenum?":
        if word.startswith("conven"):
            near = sentence[max(0, m.start() - 60):m.end() + 80]
            if re.search(r"\bplenary\b|\bplenum\b|\bcongress\b|\bcentral\s+committee\b|\bpolitburo\b|\bpolitical\s+bureau\b|\bSupreme\s+People's\s+Assembly\b|\bSPA\b|\bparty\b|\bWPK\b|\bsession\b|\bparliament\b|\blegislature\b|\bassembly\b", near, re.I):
                return "plenum", 0.7
            return None
        if word == "congress" and re.search(r"(?:U\.S\.|US|American|United\s+States)\s*$|\bmembers?\s+of\s*$", left, re.I):
            return None
        if re.search(r"\b(?:photo|question|Q&A|training|study|briefing)\s*$", left, re.I):
            return None
        if _in(_PLENUM_CONTEXT.pattern, re.I, context or sentence):
            return "plenum", 0.6
        return None
    if etype == "meeting?":
        near = sentence[max(0, m.start() - 80):m.end() + 100]
        national = _NATIONAL_COUNCIL.search(m.string) and not re.search(r"\bU\.?N\.?\b|United\s+Nations|UNSC", m.string)
        if not national and re.search(r"\bSecurity\s+Council\b|\bUNSC\b", sentence[max(0, m.start() - 80):m.end() + 40]) and (word.startswith("meeting") or (
                word in ("meet", "meets", "met") and re.search(r"\bSecurity\s+Council\b|\bUNSC\b", sentence[max(0, m.start() - 60):m.start()]))):
            return "un_action", 0.7
        # 'a meeting of the Political Bureau', 'a meeting Friday of the Politburo' (a day between)
        if re.search(r"\bmeeting\s+(?:(?:on\s+|last\s+|this\s+)?[A-Z]\w+day\s+)?of\s+(?:the|its|his|their)\s+(?:[\w']+\s+){0,3}(?:committee|politburo|bureau|assembly|congress|commission|cabinet)",
                     sentence[m.start():m.end() + 70], re.I):
            return "plenum", 0.8
        # 'a Supreme People's Assembly (SPA) meeting', 'the second SPA meeting', 'a party meeting'
        if re.search(r"(?:\bparty|\bWPK|Workers['\u2019]? Party(?: of Korea)?|\bcommittee|\bpolitburo|\bassembly|\bplenary|(?-i:\bSPA))(?:\s*\([A-Z]{2,6}\))?\s*$", left, re.I):
            return "plenum", 0.75
        if word == "met" and re.search(r"\b(?:SPA|Supreme\s+People's\s+Assembly|parliament|legislature|assembly|politburo|central\s+committee|congress|commission|bureau)\s+(?:\w+\s+)?$", left, re.I):
            return "plenum", 0.7  # 'the SPA last met in December 2019'
        if re.match(r"\s+(?:with|of|between\s+(?:[\w'\u2019-]+\s+){1,3}?and)\s+(?:the\s+|his\s+|her\s+|their\s+|some\s+)?(?:[\w-]+\s+){0,2}?(?:famil(?:y|ies)|relatives|victims|students|residents|workers|voters|supporters|fans|veterans|generals|commanders|officers|soldiers|troops|staff|employees|reporters|journalists)\b",
                    sentence[m.end():m.end() + 60], re.I):
            return None  # 'met with family members of abduction victims', 'a meeting of senior generals': no summit, no talks
        officials = r"\b(?:(?<!prime\s)ministers?|officials?(?!\s+(?:trip|visit|tour|ceremony|residence|welcome))|envoys?|delegations?|delegates|negotiators?|diplomats?|representatives?|[Ss]ecretar(?:y|ies)\s+of\s+State|counterparts?)\b"
        if re.search(officials, left[-50:], re.I):
            return "talks", 0.6
        if _LEADERS.search(near) or re.search(r"\b(?:\w+)-(?:Trump|Kim|Moon|Xi|Putin|Biden|Abe|Yoon)\b", left[-30:]) \
                or re.search(r"\b(?:President|Prime\s+Minister|Premier|Chancellor)\b", near, re.I):
            return "summit", 0.7
        if re.search(r"\b(?:(?<!prime\s)ministers?|officials?|envoys?|delegations?|negotiators?|diplomats?|[Ss]ecretary\s+of\s+State|counterparts?)\b", near, re.I):
            return "talks", 0.6
        return None
    if etype == "summit?":  # 'President Putin arrived ... for his first visit to North Korea': a leader's visit
        if re.search(r"\b(?:site|factory|plant|farm|school|museum|mausoleum|unit|base|troops|DMZ|border|front|frontline|demilitarized|region|area|province|city|town"
                     r"|agency|institute|academy|cent(?:re|er)|station|shipyard|complex|headquarters|hospital|company|university|exhibition)\b", right[:45], re.I):
            return None
        before = sentence[max(0, m.start() - 110):m.start()]
        by = re.match(r"\s+(?:by|of)\s+(?:the\s+)?(?:[\w'\u2019.-]+\s+){0,4}?(?:President|Prime\s+Minister|Premier|Chairman|[Ll]eader|[Mm]inister|[Ss]ecretary|[Ee]nvoy|[Dd]elegation)\b", right)
        if re.search(r"\b(?:[Mm]inister|[Ss]ecretary\s+of\s+State|[Ee]nvoys?|[Dd]elegations?|officials?|[Dd]iplomats?)\b[^.;]{0,60}$", before[-70:]) or (by and re.search(r"[Mm]inister|[Ss]ecretary|[Ee]nvoy|[Dd]elegation", by.group())):
            return "talks", 0.55  # 'defence minister, Sergei Shoigu, visits Pyongyang', 'a visit by Foreign Minister Choe'
        if re.search(r"\b(?:President|Prime\s+Minister|Premier|Chairman|General\s+Secretary|[Ll]eader)\s+(?:[A-Z][\w'\u2019-]+\s+){0,3}(?:[\w'\u2019-]+\s+){0,10}$", before) or by \
                or re.search(r"(?-i:\b(?:Kim|Trump|Moon|Xi|Putin|Biden|Yoon|Abe|Kishida|Lee)\b)(?:['\u2019]s)?\s+(?:[\w-]+\s+){0,6}$", before[-60:]):
            return "summit", 0.6
        return None
    if etype == "summit":
        if re.search(r"\b(?:mountain|peak)\b", right[:30], re.I):
            return None
        return "summit", None
    if etype == "talks" and _REQUESTED.search(left):
        return None
    if etype == "talks":
        if word == "talks" and re.search(_LEADERS.pattern + r"[\w\s.'-]{0,40}\band\s+(?:[\w.'-]+\s+){0,3}?" + _LEADERS.pattern, left[-90:]) \
                and not re.search(r"\b(?:working-level|ministerial|vice|officials?|envoys?|delegat\w+|military|high-level)\b", left[-90:] + right[:20], re.I):
            return "summit", 0.65  # 'Yoon and Kishida are scheduled to hold talks'
        if word == "talks" and len(re.findall(r"\b(?:President|Prime\s+Minister|Premier|Chancellor)\b", sentence)) >= 2 \
                and not re.search(r"\b(?:working-level|ministerial|vice|officials?|envoys?|delegat\w+|military|high-level|[Ff]oreign\s+[Mm]inisters?|[Ss]ecretar(?:y|ies))\b", left[-90:] + right[:40]):
            return "summit", 0.65  # 'Mr. A, Prime Minister of X, held talks by telephone with Ms. B, President of Y'
        if word.startswith("envoy") and not _in(r"\b(?:visit|arriv|travel|met|meet|trip)", re.I, sentence):
            return None
        return "talks", None
    if etype == "missile_test" and re.fullmatch(r"launch\w*|fir\w*|test-\w+", word):
        if sentence[m.start() - 1:m.start()] == "-":  # 'submarine-launched': an adjective, not a launch
            return None
        if word.startswith("launch") and _SHIP_LAUNCHED.match(right):
            return "weapon_display", 0.6  # 'the launch of the second Choe Hyon-class guided missile destroyer': a ship unveiled
        # a launch or firing needs a missile, rocket or satellite nearby (not a campaign, not a person)
        if re.search(r"^\s*(?:(?:an?|the|its|their|two|three|several|\w+)\s+){0,5}" + _MISSILE_NOUN, right, re.I) or (
            word.startswith("test-") and True
        ):
            return "missile_test", 0.8
        if re.search(_MISSILE_NOUN + r"\s+(?:\w+\s+){0,3}(?:was|were|had\s+been|have\s+been)?\s*$", left, re.I) and re.search(r"(?:was|were|been|submarine-|-)\s*$", left, re.I):
            return "missile_test", 0.7
        if re.fullmatch(r"launch(?:es)?", word) and re.search(r"\b(?:failed|successful|latest|first|last|previous|recent|test|missile|rocket|satellite|ICBM|another|such)\s*$", left, re.I) \
                and _in(_MISSILE_NOUN, re.I, context or sentence):
            return "missile_test", 0.6  # 'the latest launch' in a text about missiles
        if re.fullmatch(r"launch(?:es)?", word) and re.match(r"\s+(?:\([^)]{0,20}\)\s+)?by\s+(?:the\s+)?(?-i:[A-Z])", right) \
                and re.search(r"\b(?:the|its|their|a)\s+(?:[\w()-]+\s+){0,5}$", left, re.I) and _in(_MISSILE_NOUN, re.I, context or sentence):
            return "missile_test", 0.6  # 'condemns the 13 April launch by the DPRK' in a text about missiles
        return None
    if etype == "test?":
        if _NON_EVENT_TEST.search(sentence[m.start():m.end() + 40]):
            return None
        near = sentence[max(0, m.start() - 50):m.end() + 60]
        if re.search(r"\bengines?\b", near, re.I):
            return "weapon_test", 0.75
        if re.search(r"\b(?:nuclear)\b", left[-25:] + right[:25], re.I) and not re.search(_MISSILE_NOUN, near, re.I):
            return "nuclear_test", 0.75
        if re.search(_MISSILE_NOUN, near, re.I):
            return "missile_test", 0.75
        if _TEST_WEAPON.search(near):
            return "weapon_test", 0.6
        if re.fullmatch(r"tested|tests|test-fired", word) and re.search(r"(?-i:\b(?:Pyongyang|North\s+Korea|the\s+North|DPRK))\s+(?:has\s+|had\s+)?$", left) \
                and _in(_MISSILE_NOUN, re.I, context or ""):
            return "missile_test", 0.55  # 'The systems Pyongyang tested on 12 July, 13 April ...' in a text about missiles
        return None
    if etype == "missile_test?":  # 'the two earlier attempts ... the rocket', 'first launch attempt fails'
        if word.startswith("launch") or re.search(_MISSILE_NOUN + r"|\blaunch", sentence[max(0, m.start() - 100):m.end() + 100], re.I):
            return "missile_test", 0.65
        return None
    if etype == "nuclear_test?":
        if re.search(r"\b(?:nuclear|atomic|hydrogen|H-bomb|thermonuclear)\b", sentence[max(0, m.start() - 60):m.end() + 60], re.I):
            return "nuclear_test", 0.75
        return None
    if etype == "weapon_display":
        if word.startswith("unveil"):
            if re.search(r"^\s*(?:\w+\s+){0,6}?" + _MISSILE_NOUN + r"|\bweapons?\b", right, re.I):
                return "weapon_display", 0.7
            return None  # an unveiled plan or policy: see policy_change?
        if word.startswith("showcas") and not _TEST_WEAPON.search(right):
            return None
        return "weapon_display", None
    if etype == "military_drill":
        if word in ("exercises", "exercise") and not _in(r"\b(?:military|joint|naval|army|troops|forces|allies|war|drills?)\b", re.I, sentence):
            return None
        return "military_drill", None
    if etype == "election" and word.startswith("election") and _ELECTION_BODY.match(right):
        return None  # 'the election offices', 'the National Election Commission': a body, not a vote
    if etype == "election":
        if word.startswith("vot") and _in(r"\b(?:lawmakers|legislators|parliament\w*|MPs|deputies|National\s+Assembly|the\s+Assembly)\b", re.I, sentence) \
                and not _in(r"\b(?:elections?|ballots?|voters|polls|referendum|resolutions?|Security\s+Council)\b", re.I, sentence):
            return "plenum", 0.6  # 'lawmakers voted against the decree': a session of the legislature
        if word.startswith("vot") and _in(r"\b(?:resolutions?|draft|Security\s+Council|UNSC|General\s+Assembly)\b", 0, sentence):
            return "un_action", 0.65  # 'the vote on the UN Security Council draft resolution ... was postponed'
        if word.startswith("vote") and not _in(r"\b(?:parliament|assembly|council|referendum|voters|ballot)\b", re.I, sentence):
            return None
        return "election", None
    if etype == "un_action":
        if not _in(r"\bUN\b|\bU\.N\.|\b(?:United\s+Nations|Security\s+Council|UNSC|sanctions?|draft)\b", 0, sentence) and not (
                re.match(r"Resolution\s+\d{3,4}", sentence[m.start():m.end() + 6]) and _in(r"Security\s+Council|UNSC|U\.?N\.?\b", 0, context or "")):
            return None
        return "un_action", 0.8
    if etype == "sanctions?":  # 'OFAC today announced the designations of 17 officials'
        if _in(r"\b(?:OFAC|Treasury|Office\s+of\s+Foreign\s+Assets\s+Control|sanction\w*|Executive\s+Order|E\.O\.|blacklist\w*|asset\s+freeze|SDN)\b", re.I, sentence) \
                or _in(r"\b(?:OFAC|Treasury|Office\s+of\s+Foreign\s+Assets\s+Control|Executive\s+Order)\b", 0, context or ""):
            return "sanctions", 0.6
        return None
    if etype == "sanctions" and word == "sanction" and re.match(r"\s+(?:the\s+|two\s+|three\s+|several\s+|\d+\s+)?[\w-]+", right) \
            and not re.search(r"\b(?:a|the|an|UN|U\.N\.|any|new)\s+$", left, re.I):
        return "sanctions", 0.6  # the verb: 'the allies sanction individuals tied to ...'
    if etype == "sanctions":
        if word in ("sanctioned", "blacklisted", "blacklist") or re.search(r"\b(?:list|blacklist)$", word):
            return "sanctions", 0.6
        # an event only when sanctions are imposed, lifted, tightened or announced
        if re.search(r"\b(?:impos\w+|lift\w*|slapp\w+|announc\w+|tighten\w*|eas\w+|expand\w*|extend\w*|renew\w*|blacklist\w*|new|add\w*|designat\w*|freez\w*)\b", sentence[max(0, m.start() - 40):m.end() + 40], re.I):
            return "sanctions", 0.6
        return None
    if etype == "statement":
        if word == "address" and not re.search(r"\b(?:new\s+year'?s?|speech|policy|national|televised|annual|keynote|his|her|the\s+\w+'s)\b", left[-40:], re.I):
            return None
        if word in ("report", "reported") and re.search(r"\b(?:media|news)\s+reports?\b", sentence[max(0, m.start() - 12):m.end()], re.I) and re.search(r"\bbased\s+on\s*$|\baccording\s+to\s*$", left, re.I):
            return None
        if word in ("declaration", "statement") and re.search(r"\b(?:signed|sign|signing|joint|adopted)\b(?:\s+[\w'-]+){0,4}\s*$", left, re.I):
            return "agreement", 0.7
        if word in ("report", "reported", "statement") and (re.search(
                r"\b(?:U\.?N\.?|United\s+Nations|Security\s+Council|UNSC|[Pp]anel(?:\s+of\s+experts)?)\s+(?:[\w-]+\s+){0,2}$", left[-60:])
                or re.match(r"\s+(?:by|of|from)\s+(?:the\s+)?(?:U\.?N\.?|United\s+Nations|Security\s+Council|UNSC)", right)):
            return "un_action", 0.65  # 'a report by the U.N. panel of experts', 'a Security Council statement'
        if word in ("accused",) and re.match(r"\s+of\b", right) and re.search(r"\b(?:it|they|he|she|which|that|whom|who)\s+$", left):
            return None  # 'companies it accused of buying equipment': a description, not a statement
        if word == "declared" and POLICY_OBJECT.search(right[:40]):
            return "policy_change", 0.55
        council = _COUNCIL_SUBJECT.search(left)
        if re.search(r",?\s+and\s+$", left) and re.search(
                r"(?:Security\s+Council|UNSC)\s+(?:[\w,]+\s+){0,4}?(?:condemn|denounc|deplor|demand|urg|welcom|reaffirm|express)\w*\b[^;.]{0,160}$", sentence[:m.start()]):
            return "un_action", 0.65  # 'the Security Council condemned the launch, and announced ...': the Council's act too
        if council and (council.group("pre") or "").lower() not in ("to", "of", "at", "before", "with", "in", "on", "for") \
                and word not in ("told", "interview", "briefing", "speech", "address", "press conference"):
            return "un_action", 0.7  # 'The Security Council on Monday unanimously condemned ...': the Council's own act
        if _GENERIC_SUBJECT.fullmatch(sentence[:m.start()]) and word not in ("said", "says", "statement", "address", "speech"):
            return None  # 'Investors demand higher yields', 'Many economists warn of a slowdown': no one's statement
        return "statement", None
    if etype == "policy_change" and re.search(r"\s(?:them|it)\b", word) and not _in(r"hotline|communication|lines|channels", re.I, context or sentence):
        return None  # 'cut them off', 'restored them' are about communication lines only where those are the topic
    if etype == "policy_change?":
        if lemma(word) in ("launch", "declare", "pass", "enact", "amend", "revise") and not POLICY_OBJECT.search(right[:25]):
            return None
        if POLICY_OBJECT.search(sentence[max(0, m.start() - 130):m.start()]) or POLICY_OBJECT.search(right[:50]):
            return "policy_change", 0.6
        return None
    if etype == "policy_change" and word.startswith("morator") and _CALL_FOR.search(left):
        return None  # 'Activists called for a moratorium on executions': a demand, not a moratorium
    if etype == "deadline" and word == "deadline" and not (
            _SETTER.search(left) or _SET_VERB.search(sentence) or re.match(r"\s+for\s+(?:the\s+)?[A-Z]", right)):
        return None  # 'The deadline for tax returns passed': nobody's deadline to anybody
    if etype == "agreement":
        if word == "deal" and not _in(r"\b(?:sign|reach|strik|agree|nuclear\s+deal)", re.I, sentence):
            return None
        return "agreement", None
    if etype == "incident" and _AIM.search(left):
        return None  # 'a bid to seize the legislature', 'a plot to attack the embassy': what was aimed at
    if etype == "incident":
        if word == "executed" and not _in(r"\b(?:officials?|uncle|was|were|been|publicly|by\s+firing)\b", re.I, sentence):
            return None
        return "incident", None
    return etype, None
