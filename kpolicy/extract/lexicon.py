"""The extractor's shared word lists: the one public home of month names, weekday and
season words, abbreviations and weapon nouns. Every stage (sentences, temporal, triggers,
candidates) imports them from here instead of keeping its own copy.

Two abbreviation lists are kept on purpose, with different jobs:
`ABBREVIATIONS` (lower case, without the period) tells the sentence splitter that a
period closes an abbreviation; `CLAUSE_ABBREVIATIONS` (as written) tells the temporal
layer's clause splitter the same inside one sentence, where 'No.' or 'Co.' also occur.
"""

from __future__ import annotations

# ---- months, weekdays, seasons ----------------------------------------------------------
MONTH_NAMES: dict[str, int] = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
MONTHS_FULL = "January|February|March|April|May|June|July|August|September|October|November|December"
MONTHS_ABBR = r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
# a month written any way, loosely ('Jan.', 'Sept', 'March'): for line and entry shapes
MONTH_LOOSE = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
# a month word, case-sensitive ('May' the month, not 'may' the verb)
MONTH_WORD = r"(?-i:(?:" + MONTHS_FULL + r"|(?:" + MONTHS_ABBR + r")\b\.?)(?![\w-]))"
WEEKDAYS: dict[str, int] = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
SEASONS: dict[str, int] = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}

# ---- abbreviations ----------------------------------------------------------------------
# words whose trailing period is not a sentence end (lower case, without the period)
ABBREVIATIONS = frozenset(
    """
    jan feb mar apr jun jul aug sep sept oct nov dec
    mr mrs ms dr prof gen lt col maj capt cmdr adm sgt sen rep gov pres amb rev hon
    st no nos vol vols vs etc approx est dept univ corp inc ltd co jr sr fig cf al
    e.g i.e a.m p.m
    """.split()
)
# the same inside a sentence, as written: a full stop after these ends no clause
CLAUSE_ABBREVIATIONS = ("Mr", "Ms", "Mrs", "Dr", "St", "Jr", "Sr", "No", "Gen", "Col", "Lt", "Sgt", "Gov", "Sen", "Rep",
                        "Prof", "vs", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
                        "Co", "Corp", "Inc", "Ltd", "Adm", "Maj", "Capt", "Amb", "approx", "etc", "e.g", "i.e")

# ---- weapons ----------------------------------------------------------------------------
WEAPON = (r"(?:missiles?|rockets?|ICBMs?|IRBMs?|SLBMs?|MRBMs?|SRBMs?|projectiles?|satellites?|launch vehicles?"
          r"|Hwasong[-\w]*|KN-\d+|Pukguksong[-\w]*|Taepodong[-\w]*|warheads?)")
MISSILE_NOUN = (r"(?:(?:ballistic|cruise|hypersonic|short-range|long-range|medium-range|intermediate-range|intercontinental"
                r"|submarine-launched|anti-ship|ground-to-air)\s+)*" + WEAPON)

# ---- event predicates (the learned extractor's candidate lexicon) -------------------------
# lemma (simplemma's dictionary form, lower case) -> the event types it may state; verbs and
# their nominalisations both ('launch'/'launching', 'impose'/'imposition'). A clause holding one
# of these becomes a candidate of the learned extractor; its models decide the rest.
EVENT_PREDICATES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys("summit meet meeting visit trip host welcome tour summitry".split(), ("summit", "talks")),
    **dict.fromkeys("talk talks negotiate negotiation dialogue consult consultation discuss discussion envoy"
                    " parley".split(), ("talks",)),
    **dict.fromkeys("launch fire test-fire test-launch shoot missile rocket satellite icbm srbm slbm irbm mrbm"
                    " projectile hwasong flight-test".split(), ("missile_test",)),
    **dict.fromkeys("detonate detonation explosion nuclear".split(), ("nuclear_test",)),
    **dict.fromkeys("test testing engine".split(), ("weapon_test", "missile_test", "nuclear_test")),
    **dict.fromkeys("parade unveil display showcase exhibit exhibition reveal".split(), ("weapon_display",)),
    **dict.fromkeys("drill exercise maneuver manoeuvre wargame war-game".split(), ("military_drill",)),
    **dict.fromkeys("elect election re-elect vote ballot poll inaugurate inauguration win defeat impeach"
                    " impeachment".split(), ("election", "plenum")),
    **dict.fromkeys("plenum plenary congress session convene politburo conference assembly legislature"
                    " parliament".split(), ("plenum",)),
    **dict.fromkeys("resolution veto council adopt".split(), ("un_action", "sanctions")),
    **dict.fromkeys("sanction impose imposition designate designation embargo blacklist ban freeze"
                    " penalty".split(), ("sanctions",)),
    **dict.fromkeys("say state statement announce announcement declare warn accuse deny urge speech address"
                    " letter report claim vow pledge threaten criticize criticise condemn condemnation denounce"
                    " reject praise express tell confirm publish release readout protest remark comment"
                    " insist stress".split(), ("statement",)),
    **dict.fromkeys("suspend suspension resume resumption halt scrap abandon withdraw withdrawal restore cut"
                    " sever close closure reopen lift end moratorium abolish dismantle terminate revoke"
                    " decide decision order law martial".split(), ("policy_change",)),
    **dict.fromkeys("sign agreement agree treaty accord deal pact declaration ratify ratification"
                    " communique".split(), ("agreement",)),
    **dict.fromkeys("attack kill assassinate assassination stab stabbing seize seizure arrest detain detention"
                    " defect defection defector clash shell shelling bomb bombing strike capture execute"
                    " execution purge abduct abduction kidnap invade invasion riot murder crash cross sink"
                    " demolish demolition blow hack cyberattack ambush raid shootout".split(), ("incident",)),
    **dict.fromkeys("resign resignation appoint appointment dismiss dismissal deploy deployment open opening"
                    " send dispatch".split(), ("other", "policy_change")),
    "deadline": ("deadline",),
}
