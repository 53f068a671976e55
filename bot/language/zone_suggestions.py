"""The zones to suggest to a customer who speaks one of meetergo's languages.

The countries come from CLDR's territory data (where a language is official, and how many
speak it there); the zones of each from zone_tables.py.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from functools import cache
from typing import Final

from babel.core import get_global

from bot.language.i18n import locale_for, negotiate_language
from bot.language.zone_labels import ZoneChoice, canonical_zone_label
from bot.language.zone_tables import zone_tables

__all__ = ["zones_for_language"]

# Approximate populations in millions (2024, rounded), used only to rank countries for
# zones_for_language: CLDR gives the share of a country that speaks a language but babel does
# not ship the countries' populations. Territories not listed count as 0.05 million.
_POPULATION_MILLIONS: Final[Mapping[str, float]] = {
    # English
    "US": 335,
    "IN": 1430,
    "PK": 240,
    "NG": 225,
    "PH": 115,
    "GB": 68,
    "TZ": 67,
    "ZA": 62,
    "KE": 55,
    "SD": 48,
    "UG": 48,
    "CA": 40,
    "GH": 34,
    "MG": 30,
    "AU": 27,
    "MW": 21,
    "ZM": 20.5,
    "ZW": 16.5,
    "RW": 14,
    "SS": 11,
    "PG": 10,
    "SL": 8.6,
    "HK": 7.5,
    "SG": 5.9,
    "LR": 5.4,
    "IE": 5.3,
    "NZ": 5.2,
    "ER": 3.7,
    "PR": 3.2,
    "GM": 2.8,
    "JM": 2.8,
    "BW": 2.6,
    "NA": 2.6,
    "LS": 2.3,
    "TT": 1.5,
    "MU": 1.3,
    "SZ": 1.2,
    "FJ": 0.93,
    "GY": 0.81,
    "SB": 0.74,
    "MT": 0.54,
    "BS": 0.41,
    "BZ": 0.41,
    "VU": 0.33,
    "BB": 0.28,
    "WS": 0.22,
    "GU": 0.17,
    "LC": 0.18,
    "GD": 0.13,
    "KI": 0.13,
    "FM": 0.11,
    "VC": 0.1,
    "TO": 0.1,
    "VI": 0.1,
    # French
    "FR": 68,
    "CD": 105,
    "DZ": 46,
    "MA": 37,
    "CI": 29,
    "CM": 29,
    "NE": 27,
    "BF": 23,
    "ML": 23,
    "SN": 18,
    "TD": 18,
    "BJ": 14,
    "GN": 14,
    "BI": 13,
    "TN": 12.4,
    "BE": 11.8,
    "HT": 11.7,
    "TG": 9,
    "CH": 8.9,
    "CG": 6.1,
    "CF": 5.7,
    "GA": 2.5,
    "GQ": 1.8,
    "DJ": 1.1,
    "RE": 0.87,
    "KM": 0.85,
    "LU": 0.67,
    "GP": 0.38,
    "MQ": 0.35,
    "YT": 0.32,
    "GF": 0.3,
    "PF": 0.28,
    "NC": 0.27,
    # Spanish
    "MX": 129,
    "CO": 52,
    "ES": 48,
    "AR": 46,
    "PE": 34,
    "VE": 28,
    "CL": 19.6,
    "EC": 18,
    "GT": 18,
    "BO": 12,
    "CU": 11,
    "DO": 11.3,
    "HN": 10.6,
    "NI": 7,
    "PY": 6.9,
    "SV": 6.3,
    "CR": 5.2,
    "PA": 4.5,
    "UY": 3.4,
    "IC": 2.2,
    "EA": 0.17,
    # the other languages
    "DE": 84,
    "TR": 85,
    "IT": 59,
    "PL": 37.5,
    "NL": 18,
    "SE": 10.5,
    "AT": 9.1,
    "DK": 5.9,
    "FI": 5.6,
    "NO": 5.5,
    "HR": 3.9,
    "CY": 1.3,
    "SR": 0.62,
    "CW": 0.19,
    "AW": 0.11,
}
_DEFAULT_POPULATION: Final = 0.05
# official_status values in CLDR's territory data, and how much each counts.
_STATUS_WEIGHT: Final[Mapping[str, float]] = {
    "official": 1.0,
    "de_facto_official": 1.0,
    "official_regional": 0.1,
}


def zones_for_language(language: str, *, limit: int = 12) -> list[ZoneChoice]:
    """Zones to suggest to a customer who speaks a meetergo language, most relevant first.

    The zones are those of the countries where CLDR lists the language as official: the
    language's home country first (US for en, DE for de, NO for no), then the others by
    population x (share of speakers)^4, so that countries where most people speak the language
    come before larger ones where a minority does, and countries where it is only official in
    a region (German in Denmark) last. The places are shared out among the countries like seats
    (D'Hondt with squared divisors), none taking more than a third of them; a country's zones
    are one per distinct clock, best known first. Unknown languages get the English list.
    """
    if limit <= 0:
        return []
    code = negotiate_language(language, "en")
    ranked = _ranked_territories(code)
    tables = zone_tables()
    quotients: list[tuple[float, int, int, str]] = []
    per_country = max(1, math.ceil(limit / 3))
    for order, (territory, weight) in enumerate(ranked):
        zones = tables.choices_by_country.get(territory, ())
        for index in range(min(per_country, len(zones))):
            quotient = math.inf if order == 0 and index == 0 else weight / (index + 1) ** 2
            quotients.append((-quotient, order, index, territory))
    quotients.sort()
    granted: dict[str, int] = defaultdict(int)
    for _, _, _, territory in quotients[:limit]:
        granted[territory] += 1
    seen: set[str] = set()
    result: list[ZoneChoice] = []
    for territory, _ in ranked:
        for zone in tables.choices_by_country.get(territory, ())[: granted[territory]]:
            if zone not in seen:
                seen.add(zone)
                result.append(ZoneChoice(zone, canonical_zone_label(zone, code)))
    return result[:limit]


@cache
def _ranked_territories(code: str) -> tuple[tuple[str, float], ...]:
    """(territory, weight) where the language is official: home first, regional ones last."""
    cldr_language = locale_for(code).language
    weights: dict[str, float] = {}
    regional: dict[str, bool] = {}
    territory_languages: Mapping[str, Mapping[str, Mapping[str, object]]] = get_global(
        "territory_languages"
    )
    for territory, languages in territory_languages.items():
        info = languages.get(cldr_language)
        if info is None:
            continue
        status = info.get("official_status")
        share = info.get("population_percent")
        if not isinstance(status, str) or status not in _STATUS_WEIGHT:
            continue
        if not isinstance(share, int | float):
            continue
        population = _POPULATION_MILLIONS.get(territory, _DEFAULT_POPULATION)
        weights[territory] = population * (share / 100) ** 4 * _STATUS_WEIGHT[status]
        regional[territory] = status == "official_regional"
    likely: Mapping[str, str] = get_global("likely_subtags")
    home = likely.get(cldr_language, "").rsplit("_", 1)[-1]
    return tuple(
        sorted(
            weights.items(),
            key=lambda item: (item[0] != home, regional[item[0]], -item[1], item[0]),
        )
    )
