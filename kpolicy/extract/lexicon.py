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
