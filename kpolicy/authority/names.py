"""Name forms every matcher shares: apostrophes folded, and the world's country names."""

from __future__ import annotations

from functools import lru_cache


def fold(text: str) -> str:
    """Typographic apostrophes and backticks to ' (length-preserving)."""
    return text.translate(_FOLD)


_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u02bc": "'"})

# Country names that would match ordinary words or are handled by context rules.
_SKIP_COUNTRY_NAMES = {"Korea", "Chad", "Jordan", "Georgia", "Turkey", "Guinea", "Niger", "Man", "Cuba"}


# English demonyms that no suffix rule gives (Israeli, not 'Israelian'; Polish; Dutch), by pycountry's common short name
_DEMONYMS = {
    "Israel": ("Israeli",), "Iraq": ("Iraqi",), "Yemen": ("Yemeni",), "Kuwait": ("Kuwaiti",), "Qatar": ("Qatari",),
    "Oman": ("Omani",), "Bangladesh": ("Bangladeshi",), "Afghanistan": ("Afghan",), "Saudi Arabia": ("Saudi",),
    "Thailand": ("Thai",), "Poland": ("Polish",), "Finland": ("Finnish",), "Ireland": ("Irish",), "Netherlands": ("Dutch",),
    "Denmark": ("Danish",), "France": ("French",), "Spain": ("Spanish",), "Portugal": ("Portuguese",), "Germany": ("German",),
    "Italy": ("Italian",), "Greece": ("Greek",), "United Kingdom": ("British",), "Philippines": ("Filipino", "Philippine"),
    "Lebanon": ("Lebanese",), "Sudan": ("Sudanese",), "Senegal": ("Senegalese",), "Nepal": ("Nepali", "Nepalese"),
    "Myanmar": ("Burmese",), "Laos": ("Laotian",), "Taiwan": ("Taiwanese",), "Mexico": ("Mexican",), "Chile": ("Chilean",),
    "Peru": ("Peruvian",), "Norway": ("Norwegian",), "Czechia": ("Czech",), "Azerbaijan": ("Azerbaijani",),
    "Kazakhstan": ("Kazakh",), "Uzbekistan": ("Uzbek",), "Jordan": ("Jordanian",), "Morocco": ("Moroccan",),
    "New Zealand": ("New Zealander",), "South Africa": ("South African",), "Egypt": ("Egyptian",), "Belgium": ("Belgian",),
    "Hungary": ("Hungarian",), "Malaysia": ("Malaysian",), "Indonesia": ("Indonesian",), "Cambodia": ("Cambodian",),
    "Mongolia": ("Mongolian",), "Iceland": ("Icelandic",),
}


def _demonym(name: str) -> str:
    """A cheap demonym for a one-word country name: Syria -> Syrian, Iran -> Iranian, Pakistan -> Pakistani;
    irregular ones are in _DEMONYMS."""
    if name.endswith("stan"):
        return name + "i"
    if name.endswith("a"):
        return name + "n"
    return name + "ian" if name[-1] not in "aeiouy" else name


def _country_names() -> dict[str, str]:
    """name -> common English short name for every country pycountry knows."""
    import pycountry

    names: dict[str, str] = {}
    for c in pycountry.countries:
        canonical = getattr(c, "common_name", None) or c.name
        if "," in canonical:  # "Korea, Republic of": leave to the gazetteer
            continue
        forms = {canonical, c.name}
        if getattr(c, "official_name", None):
            forms.add(c.official_name)
        for form in list(forms):
            if "," in form or "(" in form:
                forms.discard(form)
        for form in list(forms):
            if " " not in form and form[0].isupper() and canonical not in _DEMONYMS:
                forms.add(_demonym(form))
        forms.update(_DEMONYMS.get(canonical, ()))
        for form in forms:
            names.setdefault(form, canonical)
    for word in _SKIP_COUNTRY_NAMES:
        names.pop(word, None)
    names["Turkish"] = names.get("Türkiye", "Turkey")
    return names


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """Every country's names (short, official, a cheap demonym: Iran -> Iranian) -> its
    common English short name, from pycountry; the two Koreas are left to the gazetteer.
    Cached: callers must not change the dict."""
    return _country_names()
