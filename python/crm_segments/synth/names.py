# ruff: noqa: RUF001  (Cyrillic text is intended, not a confusable)
"""Reference lists for the synthetic data generator: names, places, streets, e-mail domains.

The lists are package data (``names.json`` beside this module); this module reads them once and
gives them their Python types.

Romanian names carry their diacritics (ă â î ș ț, comma-below forms), Russian names are in
Cyrillic (with the patronymic of every male first name), Chinese names are Han characters with
their toneless pinyin. Every list is ordered roughly from common to rare: the generator draws
with Zipf-like weights, so the first entries produce namesakes.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any, NamedTuple


class City(NamedTuple):
    """A city: spellings, postal code prefix, landline area code and national-id region codes."""

    name: str
    variants: tuple[str, ...]
    postal_prefix: str
    area_code: str
    region_codes: tuple[str, ...]
    weight: float
    districts: tuple[str, ...] = ()


def _typed(value: Any) -> Any:
    """JSON lists become tuples, objects with a city's fields become City."""
    if isinstance(value, list):
        return tuple(_typed(item) for item in value)
    if isinstance(value, dict):
        if set(value) == set(City._fields):
            return City(**{key: _typed(item) for key, item in value.items()})
        return {key: _typed(item) for key, item in value.items()}
    return value


_DATA: dict[str, Any] = {
    key: _typed(value)
    for key, value in json.loads(
        files("crm_segments.synth").joinpath("names.json").read_text(encoding="utf-8")
    ).items()
}

RO_MALE_FIRST: tuple[str, ...] = _DATA["RO_MALE_FIRST"]
RO_FEMALE_FIRST: tuple[str, ...] = _DATA["RO_FEMALE_FIRST"]
RO_LAST: tuple[str, ...] = _DATA["RO_LAST"]
# Russian: male first name -> male patronymic; the female patronymic is derived
RU_MALE_FIRST: tuple[tuple[str, str], ...] = _DATA["RU_MALE_FIRST"]
RU_FEMALE_FIRST: tuple[str, ...] = _DATA["RU_FEMALE_FIRST"]
RU_LAST: tuple[str, ...] = _DATA["RU_LAST"]
KZ_MALE_FIRST: tuple[tuple[str, str], ...] = _DATA["KZ_MALE_FIRST"]
KZ_FEMALE_FIRST: tuple[str, ...] = _DATA["KZ_FEMALE_FIRST"]
KZ_LAST: tuple[str, ...] = _DATA["KZ_LAST"]
# Chinese: Han, pinyin without tones
CN_FAMILY: tuple[tuple[str, str], ...] = _DATA["CN_FAMILY"]
CN_MALE_GIVEN: tuple[tuple[str, str], ...] = _DATA["CN_MALE_GIVEN"]
CN_FEMALE_GIVEN: tuple[tuple[str, str], ...] = _DATA["CN_FEMALE_GIVEN"]
# Han characters typed wrongly (same pinyin, other character): the "one edit" of Han names
CN_HOMOPHONES: dict[str, str] = _DATA["CN_HOMOPHONES"]
RO_CITIES: tuple[City, ...] = _DATA["RO_CITIES"]
# CNP county codes (01-46, 51, 52); Bucharest sectors are 41-46
RO_COUNTY_CODES: tuple[str, ...] = _DATA["RO_COUNTY_CODES"]
RU_CITIES: tuple[City, ...] = _DATA["RU_CITIES"]
CN_CITIES: tuple[City, ...] = _DATA["CN_CITIES"]
KZ_CITIES: tuple[City, ...] = _DATA["KZ_CITIES"]
ABROAD_CITIES: dict[str, tuple[City, ...]] = _DATA["ABROAD_CITIES"]
ABROAD_STREETS: dict[str, tuple[str, ...]] = _DATA["ABROAD_STREETS"]
RO_STREET_NAMES: tuple[str, ...] = _DATA["RO_STREET_NAMES"]
RO_STREET_TYPES: tuple[tuple[str, str], ...] = _DATA["RO_STREET_TYPES"]
RU_STREET_NAMES: tuple[str, ...] = _DATA["RU_STREET_NAMES"]
RU_STREET_TYPES: tuple[tuple[str, str], ...] = _DATA["RU_STREET_TYPES"]
CN_STREET_NAMES: tuple[str, ...] = _DATA["CN_STREET_NAMES"]
COUNTRY_SPELLINGS: dict[str, tuple[str, ...]] = _DATA["COUNTRY_SPELLINGS"]
EMAIL_DOMAINS: dict[str, tuple[tuple[str, float], ...]] = _DATA["EMAIL_DOMAINS"]
PLACEHOLDER_EMAILS: tuple[str, ...] = _DATA["PLACEHOLDER_EMAILS"]
PLACEHOLDER_PHONES: tuple[str, ...] = _DATA["PLACEHOLDER_PHONES"]
# Cyrillic -> Latin (a simple passport-style transliteration, for e-mails and web names)
CYRILLIC_TO_LATIN: dict[str, str] = _DATA["CYRILLIC_TO_LATIN"]
ROMANIAN_ASCII: dict[str, str] = _DATA["ROMANIAN_ASCII"]


def transliterate(text: str) -> str:
    """Latin rendering of a Romanian or Cyrillic string (diacritics dropped, Cyrillic romanised)."""
    out: list[str] = []
    for ch in text:
        low = ch.lower()
        if low in CYRILLIC_TO_LATIN:
            lat = CYRILLIC_TO_LATIN[low]
            out.append(lat.capitalize() if ch != low and lat else lat)
        else:
            out.append(ROMANIAN_ASCII.get(ch, ch))
    return "".join(out)


def russian_female_surname(male: str) -> str:
    """Feminine form of a Russian surname (Иванов -> Иванова, Островский -> Островская)."""
    for suffix, female in (("ский", "ская"), ("цкий", "цкая"), ("ой", "ая"), ("ый", "ая")):
        if male.endswith(suffix):
            return male[: -len(suffix)] + female
    if male.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return male + "а"
    return male


def russian_female_patronymic(male_patronymic: str) -> str:
    """Feminine patronymic from the masculine one (Иванович -> Ивановна, Ильич -> Ильинична)."""
    special = {"Ильич": "Ильинична", "Никитич": "Никитична"}
    if male_patronymic in special:
        return special[male_patronymic]
    if male_patronymic.endswith("ич"):
        return male_patronymic[:-2] + "на"
    return male_patronymic
