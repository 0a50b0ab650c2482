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


@dataclass(frozen=True)
class Trigger:
    start: int
    end: int
    text: str
    type: str
    confidence: float


_WEAPON = r"(?:missiles?|rockets?|ICBMs?|IRBMs?|SLBMs?|MRBMs?|SRBMs?|projectiles?|satellites?|launch vehicles?|Hwasong[-\w]*|KN-\d+|Pukguksong[-\w]*|Taepodong[-\w]*|warheads?)"
_MISSILE_NOUN = r"(?:(?:ballistic|cruise|hypersonic|short-range|long-range|medium-range|intermediate-range|intercontinental|submarine-launched|anti-ship|ground-to-air)\s+)*" + _WEAPON

# (type, pattern, confidence). Patterns are case-insensitive unless they start with (?-i).
_RULES: list[tuple[str, str, float]] = [
    # --- plenums and sessions
    ("plenum", r"\bplenary\s+(?:meeting|session)s?\b|\bplenums?\b|\bplenum\b", 0.9),
    ("plenum", r"(?-i:\b(?:[Pp]arty|WPK|Workers['`\u2019]? Party(?: of Korea)?)\s+[Cc]ongress(?:es)?\b)|\b(?:\d+(?:st|nd|rd|th)|[Ff]irst|[Ss]econd|[Tt]hird|[Ff]ourth|[Ff]ifth|[Ss]ixth|[Ss]eventh|[Ee]ighth|[Nn]inth|[Tt]enth)\s+(?:\w+\s+){0,2}[Cc]ongress\b|\b[Cc]ongress\s+of\s+the\s+(?:Workers|WPK|Korean\s+Workers|[Pp]arty|Communist)", 0.85),
    ("plenum", r"\bpolitburo\s+meeting\b|\bpolitical\s+bureau\s+meeting\b|\b(?:enlarged\s+)?(?:meeting|session)\s+of\s+the\s+(?:\w+\s+){0,3}(?:politburo|political bureau|central committee|supreme people's assembly)\b", 0.85),
    ("plenum", r"\bparliamentary\s+session\b|\bsession\s+of\s+the\s+(?:\w+\s+){0,2}(?:assembly|parliament|legislature)\b", 0.75),
    # a bare "session": only with a plenum context, checked in find_triggers
    ("plenum?", r"\bsession\b|\bcongress\b", 0.6),
    # --- meetings between leaders and talks
    ("summit", r"\bsummits?\b", 0.85),
    ("summit?", r"\b(?:state\s+|official\s+)?visits?\b", 0.6),
    ("meeting?", r"\bmeetings?\b|\bmet\b|\bmeets?\b|\bmeeting\b", 0.6),
    ("talks", r"(?<!summit )\btalks\b|\bnegotiations?\b|\bdialogue\s+(?:was|were)\s+held\b|\benvoys?\b", 0.7),
    ("meeting?", r"\b(?:phone|telephone)\s+(?:call|conversation|talks)\b|\bvideo\s+(?:call|conference)\b|(?<=held\s)(?:an?\s+)?(?:\w+\s+)?call\b", 0.6),
    ("plenum?", r"\bconven(?:e|ed|es|ing)\b", 0.6),
    # --- tests
    ("missile_test", r"\b(?:launch(?:ed|es|ing)?|fir(?:ed|es|ing)|test-fir(?:ed|es|ing)|test-launch(?:ed|es|ing)?)\b", 0.6),
    ("missile_test", r"\b(?:missile|rocket|ICBM|SLBM|SRBM|IRBM)\s+(?:tests?|testing|launch(?:es)?|firings?)\b|\blaunch(?:es)?\s+of\s+(?:an?\s+|the\s+|its\s+)?(?:\w+\s+){0,3}" + _WEAPON, 0.85),
    # satellite launches: 'put its first reconnaissance satellite, X, into orbit', 'the second launch attempt'
    ("missile_test", r"\b(?:put|puts|putting|place[sd]?|placing|sen[dt]|sending|inject(?:ed|s)?)\s+[^.;:!?]{0,70}?\binto\s+(?:an?\s+)?orbit\b|\b(?:satellite|space)\s+launch(?:es)?\b|\b(?:reach(?:ed|es)?|enter(?:ed|s)?)\s+(?:an?\s+)?orbit\b", 0.8),
    ("missile_test?", r"\b(?:launch\s+)?attempts?\b", 0.6),
    ("test?", r"\btest(?:s|ed|ing)?\b", 0.5),
    ("nuclear_test", r"\b(?:nuclear|atomic|hydrogen\s+bomb|H-bomb)\s+(?:weapons?\s+)?(?:tests?|detonations?|explosions?)\b", 0.9),
    ("nuclear_test?", r"\bdetonat(?:ed|es|ing|ion)\b", 0.7),
    ("weapon_display", r"\b(?:military\s+)?parades?\b|\bunveil(?:ed|s|ing)?\b|\bshowcas(?:ed|es|ing)\b", 0.6),
    ("military_drill", r"\bdrills?\b|\b(?:military|joint|naval|air|live-fire|combined)\s+(?:\w+\s+)?exercises?\b|\bwar\s*games?\b|\bexercises\b|\b(?:command[- ]post|field|computer-simulated|tabletop|annual|allied|trilateral|bilateral|summertime|springtime)\s+(?:[\w-]+\s+){0,2}exercises?\b|\bexercise\b(?!\s+(?:restraint|caution|its|their|his|her|the\s+right|power|control|influence|leverage))|(?-i:\b(?:[A-Z][\w-]+\s+){2,8}+[Ee]xercises?\b)", 0.75),
    ("election", r"\belections?\b|\bvoted?\b|\bre-election\b|\bpolls\b", 0.7),
    ("un_action", r"\bresolutions?\b|\bpanel\s+of\s+experts\b|\bpanel\s+report\b|\bpresidential\s+statement\b", 0.55),
    ("sanctions", r"\bimpos(?:ed|es|e|ing)\s+(?:[\w-]+\s+){0,2}?(?:bans?|embargo(?:es)?|export\s+controls|asset\s+freezes?|travel\s+bans?)\b|\bsanctions?\s+(?:list|blacklist)\b|\bsanctions?\b|\bsanctioned\b|\bblacklisted\b|\bblacklist\b", 0.5),
    ("policy_change", r"\b(?:suspend(?:ed|s|ing)?|scrap(?:ped|s|ping)?|abandon(?:ed|s|ing)?|nullif(?:ied|ies|y|ying)|abrogat(?:ed|es|e|ing)|tore\s+up|tear(?:s|ing)?\s+up|withdr(?:ew|awn|aws?|awing)\s+from|pull(?:ed|s|ing)?\s+out\s+of|no\s+longer\s+(?:be\s+)?(?:bound|abide)\s+by)\s+(?:\w+\s+){0,2}?(?:of\s+)?(?:the|its|their|a|an|this|that)\s+(?:[\w'\u2019-]+\s+){0,5}?(?:agreements?|accords?|deal|treaty|declaration|pact|moratorium)\b", 0.75),
    # communication lines restored or cut: 'restored inter-Korean communication lines', 'cut them off'
    ("policy_change", r"\b(?:restor(?:ed|es|ing|e)|reconnect(?:ed|s|ing)?|sever(?:ed|s|ing)?|reopen(?:ed|s|ing)?|cut(?:s|ting)?(?:\s+off)?|shut(?:s|ting)?\s+down)\s+(?:the\s+|its\s+|their\s+|all\s+)?(?:[\w-]+\s+){0,2}?(?:hotlines?|communication\s+(?:lines?|channels?)|liaison\s+(?:office|channels?)|(?:military\s+)?communication\s+links?)\b"
     r"|\bcut(?:s|ting)?\s+(?:them|it)\s+off\b(?=[^.]{0,0})", 0.7),
    ("statement", r"\b(?:said|says|announced|announces|announcement|declared|declares|declaration|stated|statement|speech|address|report(?:ed)?|readout|letter|vowed|pledged|warned|criticized|criticised|condemned|blasted|slammed|accused|urged|called\s+for|called(?=\s+(?:[\w'\u2019-]+\s+){1,5}[\x22\u201c])|reaffirmed|reiterated|disclosed|revealed|proposed|told|noted|stressed|rejected|dismissed|denounced|welcomed|praised|interview|press\s+conference|briefing|commentary|editorial|messages?)\b", 0.6),
    ("policy_change", r"\bmoratorium\b", 0.75),
    ("policy_change?", r"\b(?:adopted|abandoned|scrapped|dropped|introduced|unveiled|launched|suspended|resumed|lifted|ended|declared|passed|enacted|amended|revised)\b", 0.5),
    ("agreement", r"\bagreed\b|\bagreements?\b|\bsigned\b|\bjoint\s+(?:declaration|statement|communiqu[eé])\b|\baccords?\b|\btreaty\b|\bdeal\b", 0.6),
    ("deadline", r"\bdeadline\b|\bby\s+the\s+end\s+of\b|\bultimatum\b", 0.6),
    ("incident", r"\bclash(?:ed|es)?\b|\battack(?:ed|s)?\b|\bseized?\b|\bdefect(?:ed|ion|ors?)\b|\bdetain(?:ed|s)?\b|\bdetention\b|\bdemolish(?:ed|es)?\b|\bdemolition\b|\bshelling\b|\bprovocations?\b|\bexecuted\b|\bshot\s+down\b|\bsank\b|\bsinking\b|\bincursion\b|\bblew\s+up\b|\bblown\s+up\b|\barrested\b|\bhack(?:ed|ing)\b(?!\s+(?:group|unit|network|organi[sz]ation|team))|\bcyber-?attacks?\b|\bcross(?:ed|es|ing)?\s+(?:the\s+(?:\w+\s+){0,3}(?:border|line|MDL|demarcation\s+line)|into\s+(?:the\s+)?(?:North|South))\b", 0.5),
]
_COMPILED = [(t, re.compile(p if p.startswith("(?-i") else p, 0 if p.startswith("(?-i") else re.I), c) for t, p, c in _RULES]

_POLICY_OBJECT = re.compile(
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
    r"\bthird[- ]part(?:y|ies)\b|\bdrill\s+down\b|\bsummit\s+of\s+(?:the\s+)?(?:mountain|peak|hill|his|her|their|its)\b|\bresolution\s+(?:of|to)\s+(?:the\s+)?(?:problem|issue|conflict|crisis|dispute|question|situation)\b|\bpeaceful\s+resolution\b|\bresolutions?\s+for\s+the\s+new\s+year\b|\bnew\s+year'?s?\s+resolutions?\b",
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
    if "Council" not in sentence and "NSC" not in sentence:
        return sentence
    return _NATIONAL_COUNCIL.sub(lambda x: "#" * len(x.group()), sentence)


def find_triggers(sentence: str, context: str = "") -> list[Trigger]:
    """The event triggers of one sentence. `context` (the paragraph or article) licenses
    weak triggers: a bare 'session' is a plenum only where plenums are being discussed."""
    found: list[Trigger] = []
    spans = _Spans()
    blocked = _Spans([m.span() for m in _NON_EVENT.finditer(sentence)] + [m.span() for m in _NON_EVENT_TEST.finditer(sentence)])
    for etype, pattern, confidence in _COMPILED:
        for m in pattern.finditer(sentence):
            span = m.span()
            if spans.overlaps(span) or blocked.overlaps(span):
                continue
            resolved = _resolve(etype, sentence, m, context)
            if resolved is None:
                continue
            etype2, conf = resolved
            found.append(Trigger(span[0], span[1], m.group(), etype2, round(min(confidence, conf) if conf else confidence, 2)))
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
_READY_TO = re.compile(r"\b(?:ready|willing|prepared|open|eager)\s+to\s+(?:\w+\s+)?$", re.I)


def _negated(sentence: str, t: Trigger) -> bool:
    left = sentence[max(0, t.start - 40):t.start]
    if (_CONDITIONAL.search(left) and not re.search(r"\b(?:unclear|unknown|asked|whether|see|know|knows|wonder|wondered)\s+if\b", left, re.I)) or _READY_TO.search(left) or (_COUNTERFACTUAL.search(left) and not re.search(r"[,;]", left.split("have")[-1])):
        return True  # 'help the other if attacked', 'ready to meet ... at any time': hypothetical, no event
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
        if re.search(r"\bSecurity\s+Council\b|\bUNSC\b", sentence[max(0, m.start() - 80):m.end() + 40]) and (word.startswith("meeting") or (
                word in ("meet", "meets", "met") and re.search(r"\bSecurity\s+Council\b|\bUNSC\b", sentence[max(0, m.start() - 60):m.start()]))):
            return "un_action", 0.7
        if re.search(r"\bmeeting\s+of\s+(?:the|its|his|their)\s+(?:[\w']+\s+){0,3}(?:committee|politburo|bureau|assembly|congress|commission|cabinet)", sentence[m.start():m.end() + 60], re.I):
            return "plenum", 0.8
        if re.search(r"(?:\bparty|\bWPK|Workers['\u2019]? Party(?: of Korea)?|\bcommittee|\bpolitburo|\bassembly|\bplenary)\s*$", left, re.I):
            return "plenum", 0.75
        if word == "met" and re.search(r"\b(?:SPA|Supreme\s+People's\s+Assembly|parliament|legislature|assembly|politburo|central\s+committee|congress|commission|bureau)\s+(?:\w+\s+)?$", left, re.I):
            return "plenum", 0.7  # 'the SPA last met in December 2019'
        officials = r"\b(?:ministers?|officials?|envoys?|delegations?|delegates|negotiators?|diplomats?|representatives?)\b"
        if re.search(officials, left[-50:], re.I):
            return "talks", 0.6
        if _LEADERS.search(near) or re.search(r"\b(?:\w+)-(?:Trump|Kim|Moon|Xi|Putin|Biden|Abe|Yoon)\b", left[-30:]):
            return "summit", 0.7
        if re.search(r"\b(?:ministers?|officials?|envoys?|delegations?|negotiators?|diplomats?)\b", near, re.I):
            return "talks", 0.6
        return None
    if etype == "summit?":  # 'President Putin arrived ... for his first visit to North Korea': a leader's visit
        if re.search(r"\b(?:President|Prime\s+Minister|Premier|Chairman|General\s+Secretary|[Ll]eader)\s+(?:[A-Z][\w-]+\s+){0,3}(?:[\w-]+\s+){0,10}$", sentence[max(0, m.start() - 110):m.start()]) \
                and not re.search(r"\b(?:site|factory|plant|farm|school|museum|mausoleum|unit|base|troops|DMZ|border|front|frontline|demilitarized)\b", right[:30], re.I):
            return "summit", 0.6
        return None
    if etype == "summit":
        if re.search(r"\b(?:mountain|peak)\b", right[:30], re.I):
            return None
        return "summit", None
    if etype == "talks":
        if word == "talks" and re.search(_LEADERS.pattern + r"[\w\s.'-]{0,40}\band\s+(?:[\w.'-]+\s+){0,3}?" + _LEADERS.pattern, left[-90:]) \
                and not re.search(r"\b(?:working-level|ministerial|vice|officials?|envoys?|delegat\w+|military|high-level)\b", left[-90:] + right[:20], re.I):
            return "summit", 0.65  # 'Yoon and Kishida are scheduled to hold talks'
        if word.startswith("envoy") and not _in(r"\b(?:visit|arriv|travel|met|meet|trip)", re.I, sentence):
            return None
        return "talks", None
    if etype == "missile_test" and re.fullmatch(r"launch\w*|fir\w*|test-\w+", word):
        if sentence[m.start() - 1:m.start()] == "-":  # 'submarine-launched': an adjective, not a launch
            return None
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
    if etype == "election":
        if word.startswith("vote") and not _in(r"\b(?:parliament|assembly|council|referendum|voters|ballot)\b", re.I, sentence):
            return None
        return "election", None
    if etype == "un_action":
        if not _in(r"\bUN\b|\bU\.N\.|\b(?:United\s+Nations|Security\s+Council|UNSC|sanctions?|draft)\b", 0, sentence) and not (
                re.match(r"Resolution\s+\d{3,4}", sentence[m.start():m.end() + 6]) and _in(r"Security\s+Council|UNSC|U\.?N\.?\b", 0, context or "")):
            return None
        return "un_action", 0.8
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
        if word == "declared" and _POLICY_OBJECT.search(right[:40]):
            return "policy_change", 0.55
        return "statement", None
    if etype == "policy_change" and re.match(r"cut\w*\s+(?:them|it)\s+off", word) and not _in(r"hotline|communication|lines|channels", re.I, context or sentence):
        return None  # 'cut them off' is about communication lines only where those are the topic
    if etype == "policy_change?":
        if word in ("launched", "declared", "passed", "enacted", "amended", "revised") and not _POLICY_OBJECT.search(right[:25]):
            return None
        if _POLICY_OBJECT.search(sentence[max(0, m.start() - 130):m.start()]) or _POLICY_OBJECT.search(right[:50]):
            return "policy_change", 0.6
        return None
    if etype == "agreement":
        if word == "deal" and not _in(r"\b(?:sign|reach|strik|agree|nuclear\s+deal)", re.I, sentence):
            return None
        return "agreement", None
    if etype == "incident":
        if word == "executed" and not _in(r"\b(?:officials?|uncle|was|were|been|publicly|by\s+firing)\b", re.I, sentence):
            return None
        return "incident", None
    return etype, None
