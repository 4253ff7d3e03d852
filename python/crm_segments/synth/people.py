"""Persons, households and their contact records (``crm_contacts``) for one chunk.

Everything here is per person or per record, so it is plain Python driven by one
``random.Random``; the bulky activity tables are vectorised in ``synth.activity``.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from crm_segments.contract import SOURCE_SYSTEMS
from crm_segments.synth import config as cfg
from crm_segments.synth import names
from crm_segments.synth.ids import (
    corrupt_check_digit,
    e164,
    format_phone,
    injective_code,
    landline_capacity,
    landline_nsn,
    make_cn_id,
    make_cnp,
    mobile_nsn,
)
from crm_segments.synth.text import drop_diacritics as _drop_diacritics
from crm_segments.synth.text import (
    format_birth_date,
    format_timestamp,
    has_comma_below,
    impossible_birth_date,
    recase,
    stray_spaces,
    to_cedilla,
    typo,
)

MSISDN_SLOTS = 8  # mobile numbers per person: slot 0 is the person's own, 1..7 extra SIMs

PERSON_TRUTH_COLUMNS: tuple[str, ...] = (
    "person_id",
    "household_id",
    "household_role",
    "country",
    "sex",
    "first_name",
    "last_name",
    "patronymic",
    "first_name_latin",
    "last_name_latin",
    "birth_date",
    "national_id",
    "national_id_type",
    "email",
    "alt_email",
    "family_email",
    "mobile",
    "landline",
    "address_line",
    "city",
    "postal_code",
    "is_prospect",
    "account_ids",
    "twin_of",
    "contact_records",
)
RECORD_TRUTH_COLUMNS: tuple[str, ...] = (
    "source_system",
    "source_record_id",
    "person_id",
    "household_id",
    "is_garbage",
    "account_id",
    "defects",
)


@dataclass(slots=True)
class System:
    """How a source system captures a person (field coverage and habits)."""

    split_names: bool
    full_name_rate: float
    birth_rate: float
    nid_rate: float
    email_rate: float
    phone_rate: float
    address_rate: float
    upper_rate: float
    lower_rate: float
    no_diacritics_rate: float
    normalised_phone: bool = False


SYSTEMS: dict[str, System] = {
    "crm": System(True, 0.5, 0.9, 0.75, 0.75, 0.95, 0.9, 0.05, 0.01, 0.08),
    "billing": System(False, 1.0, 0.8, 0.85, 0.55, 0.9, 0.98, 0.45, 0.0, 0.15),
    "web": System(True, 0.0, 0.45, 0.03, 0.99, 0.85, 0.3, 0.02, 0.15, 0.45, True),
    "retail": System(False, 1.0, 0.6, 0.5, 0.35, 0.97, 0.6, 0.15, 0.03, 0.5),
    "call_center": System(False, 1.0, 0.35, 0.15, 0.4, 0.99, 0.4, 0.05, 0.02, 0.3),
}

KEY_PREFIX = {"crm": "CRM-", "billing": "B", "web": "w-", "retail": "RT", "call_center": "CC"}


def record_key(system: str, n: int) -> str:
    """Source record id ``n`` of a system, in that system's own style."""
    if system == "crm":
        return f"CRM-{n:07d}"
    if system == "billing":
        return f"B{7_700_000_000 + n}"
    if system == "web":
        return f"w-{(n * 2_654_435_761 + 0x5BD1E995) % 2**32:08x}"
    if system == "retail":
        return f"RT{n % 97:02d}-{n:07d}"
    return f"CC{n:09d}"


def _zipf_cum(n: int, shift: float = 4.0) -> list[float]:
    return list(itertools.accumulate(1.0 / (i + shift) for i in range(n)))


@dataclass(slots=True)
class NamePool:
    """Names of one culture with cumulative Zipf-like weights (first entries are common)."""

    male: list[str]
    male_patronymic: list[str]
    female: list[str]
    last: list[str]
    male_latin: list[str]
    female_latin: list[str]
    last_latin: list[str]
    cum_male: list[float] = field(default_factory=list)
    cum_female: list[float] = field(default_factory=list)
    cum_last: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cum_male = _zipf_cum(len(self.male))
        self.cum_female = _zipf_cum(len(self.female))
        self.cum_last = _zipf_cum(len(self.last), shift=3.0)


def _pool_ru(
    male: tuple[tuple[str, str], ...], female: tuple[str, ...], last: tuple[str, ...]
) -> NamePool:
    return NamePool(
        male=[m for m, _ in male],
        male_patronymic=[p for _, p in male],
        female=list(female),
        last=list(last),
        male_latin=[names.transliterate(m) for m, _ in male],
        female_latin=[names.transliterate(f) for f in female],
        last_latin=[names.transliterate(s) for s in last],
    )


POOLS: dict[str, NamePool] = {
    "RO": NamePool(
        male=list(names.RO_MALE_FIRST),
        male_patronymic=[""] * len(names.RO_MALE_FIRST),
        female=list(names.RO_FEMALE_FIRST),
        last=list(names.RO_LAST),
        male_latin=[names.transliterate(x) for x in names.RO_MALE_FIRST],
        female_latin=[names.transliterate(x) for x in names.RO_FEMALE_FIRST],
        last_latin=[names.transliterate(x) for x in names.RO_LAST],
    ),
    "RU": _pool_ru(names.RU_MALE_FIRST, names.RU_FEMALE_FIRST, names.RU_LAST),
    "KZ": _pool_ru(
        names.KZ_MALE_FIRST + names.RU_MALE_FIRST[:20],
        names.KZ_FEMALE_FIRST + names.RU_FEMALE_FIRST[:20],
        names.KZ_LAST + names.RU_LAST[:20],
    ),
    "CN": NamePool(
        male=[h for h, _ in names.CN_MALE_GIVEN],
        male_patronymic=[""] * len(names.CN_MALE_GIVEN),
        female=[h for h, _ in names.CN_FEMALE_GIVEN],
        last=[h for h, _ in names.CN_FAMILY],
        male_latin=[p for _, p in names.CN_MALE_GIVEN],
        female_latin=[p for _, p in names.CN_FEMALE_GIVEN],
        last_latin=[p for _, p in names.CN_FAMILY],
    ),
}

_CITY_CUM: dict[str, list[float]] = {
    "RO": list(itertools.accumulate(c.weight for c in names.RO_CITIES)),
    "RU": list(itertools.accumulate(c.weight for c in names.RU_CITIES)),
    "CN": list(itertools.accumulate(c.weight for c in names.CN_CITIES)),
    "KZ": list(itertools.accumulate(c.weight for c in names.KZ_CITIES)),
}
_CITIES: dict[str, tuple[names.City, ...]] = {
    "RO": names.RO_CITIES,
    "RU": names.RU_CITIES,
    "CN": names.CN_CITIES,
    "KZ": names.KZ_CITIES,
    **names.ABROAD_CITIES,
}


@dataclass(slots=True)
class Address:
    """A household's address, kept in parts so that records can spell it differently."""

    culture: str
    street_type: int
    street: str
    number: int
    block: str
    entrance: int
    apartment: int
    district: str

    def canonical(self) -> str:
        """The address as the post office would write it."""
        return self.render(0)

    def render(self, style: int) -> str:
        """Address line in style 0 (canonical), 1 (long words) or 2 (terse)."""
        if self.culture == "RO":
            full, abbr = names.RO_STREET_TYPES[self.street_type]
            if style == 0:
                line = f"{abbr} {self.street} nr. {self.number}"
                if self.apartment:
                    line += f", bl. {self.block}, sc. {self.entrance}, ap. {self.apartment}"
                return line
            if style == 1:
                line = f"{full} {self.street} {self.number}"
                return line + (f", ap. {self.apartment}" if self.apartment else "")
            line = f"{self.street} {self.number}"
            return line + (f" bl.{self.block} ap.{self.apartment}" if self.apartment else "")
        if self.culture == "RU":
            full, abbr = names.RU_STREET_TYPES[self.street_type]
            if style == 0:
                line = f"{abbr} {self.street}, д. {self.number}"
                return line + (f", кв. {self.apartment}" if self.apartment else "")
            if style == 1:
                line = f"{full} {self.street} {self.number}"
                return line + (f"-{self.apartment}" if self.apartment else "")
            line = f"{self.street} {abbr} д.{self.number}"
            return line + (f" кв.{self.apartment}" if self.apartment else "")
        if self.culture == "CN":
            unit = f"{self.entrance}栋{self.apartment // 100 % 4 + 1}单元{self.apartment}室"
            if style == 0:
                return f"{self.district}{self.street}{self.number}号{unit}"
            if style == 1:
                return f"{self.street}{self.number}号{self.entrance}-{self.apartment}"
            return f"{self.district} {self.street} {self.number}号"
        # abroad (IT/ES/DE): "Via Roma 12"
        if style == 2 or not self.apartment:
            return f"{self.street} {self.number}"
        return f"{self.street} {self.number}, int. {self.apartment}"


@dataclass(slots=True)
class Household:
    """What members of a household share."""

    household_id: str
    country: str
    culture: str
    city: names.City
    postal: str
    address: Address
    landline: str
    family_email: str


@dataclass(slots=True)
class Person:
    """One true person (the ground truth behind the contact records)."""

    gid: int
    person_id: str
    household: Household
    role: str
    sex: str
    first: str
    last: str
    patronymic: str
    first_latin: str
    last_latin: str
    birth: date
    national_id: str
    national_id_type: str
    email: str
    alt_email: str
    mobile: str  # NSN, in the household country's numbering plan
    is_prospect: bool = False
    accounts: list[str] = field(default_factory=list)
    twin_of: str = ""
    n_records: int = 0

    @property
    def country(self) -> str:
        """ISO country of residence."""
        return self.household.country

    def truth_row(self) -> list[str]:
        """The row of ``truth/persons.csv``."""
        h = self.household
        return [
            self.person_id,
            h.household_id,
            self.role,
            h.country,
            self.sex,
            self.first,
            self.last,
            self.patronymic,
            self.first_latin,
            self.last_latin,
            self.birth.isoformat(),
            self.national_id,
            self.national_id_type,
            self.email,
            self.alt_email,
            h.family_email,
            e164(h.country, self.mobile),
            e164(h.country, h.landline) if h.landline else "",
            h.address.canonical(),
            h.city.name,
            h.postal,
            "true" if self.is_prospect else "false",
            ";".join(self.accounts),
            self.twin_of,
            str(self.n_records),
        ]


@dataclass(slots=True)
class World:
    """What all chunks share: the reference date, the scale and the shops' own phones."""

    customers: int
    as_of: date
    shop_phones: dict[str, list[tuple[str, str]]]  # city name -> [(country, nsn)]
    email_digits: int
    chunks: int


def make_shop_phones(customers: int, rnd: random.Random) -> dict[str, list[tuple[str, str]]]:
    """Each big city's shop numbers (typed into walk-in records).

    Household landlines use indices below ``customers``; the shops take indices from the top of
    the area's number space, so they stay apart from households up to ~1M customers.
    """
    per_city = max(1, customers // cfg.CUSTOMERS_PER_SHOP)
    out: dict[str, list[tuple[str, str]]] = {}
    for country, cities in (
        ("RO", names.RO_CITIES),
        ("RU", names.RU_CITIES),
        ("CN", names.CN_CITIES),
    ):
        for city in cities[: cfg.SHOP_CITIES_PER_COUNTRY]:
            top = landline_capacity(country, city.area_code) - 1
            offsets = rnd.sample(range(min(top, 50_000)), per_city)
            out[city.name] = [
                (country, landline_nsn(country, city.area_code, top - k)) for k in offsets
            ]
    return out


class PeopleGenerator:
    """Generates persons (grouped in households) and their contact records for one chunk."""

    def __init__(
        self, world: World, rnd: random.Random, chunk_index: int, chunk_start: int, n_persons: int
    ) -> None:
        self.world = world
        self.rnd = rnd
        self.chunk_start = chunk_start
        self.n_persons = n_persons
        self.as_of = world.as_of
        self._key_counters = dict.fromkeys(SOURCE_SYSTEMS, chunk_start * 4)
        self.chunk_index = chunk_index
        self._cells: dict[tuple[str, ...], int] = {}
        self.persons: list[Person] = []

    # -- persons --------------------------------------------------------------------------

    def _pick_name(self, culture: str, sex: str) -> tuple[str, str]:
        pool = POOLS[culture]
        if sex == "M":
            i = self.rnd.choices(range(len(pool.male)), cum_weights=pool.cum_male)[0]
            return pool.male[i], pool.male_latin[i]
        i = self.rnd.choices(range(len(pool.female)), cum_weights=pool.cum_female)[0]
        return pool.female[i], pool.female_latin[i]

    def _pick_last(self, culture: str) -> int:
        pool = POOLS[culture]
        return self.rnd.choices(range(len(pool.last)), cum_weights=pool.cum_last)[0]

    def _last_for(self, culture: str, last_index: int, sex: str) -> tuple[str, str]:
        pool = POOLS[culture]
        last = pool.last[last_index]
        if culture in ("RU", "KZ") and sex == "F":
            last = names.russian_female_surname(last)
            return last, names.transliterate(last)
        return last, pool.last_latin[last_index]

    def _birth(self, age_low: float, age_high: float, mode: float) -> date:
        age = self.rnd.triangular(age_low, age_high, mode)
        return self.as_of - timedelta(days=int(age * 365.25) + self.rnd.randrange(365))

    def _new_household(self, head_gid: int) -> Household:
        rnd = self.rnd
        r = rnd.random()
        acc = 0.0
        country = "RO"
        for c, share in cfg.COUNTRY_SHARES.items():
            acc += share
            if r < acc:
                country = c
                break
        culture = country
        if country == "RU" and rnd.random() < cfg.KAZAKH_RATE:
            country = culture = "KZ"
        elif country == "RO" and rnd.random() < cfg.ABROAD_RATE:
            country = rnd.choice(("IT", "ES", "DE"))
        if country in _CITY_CUM:
            city = rnd.choices(_CITIES[country], cum_weights=_CITY_CUM[country])[0]
        else:
            city = rnd.choice(_CITIES[country])
        if city.name == "București":
            postal = f"0{rnd.randint(1, 6)}{rnd.randrange(10_000):04d}"
        else:
            width = (6 if country in ("RO", "RU", "CN", "KZ") else 5) - len(city.postal_prefix)
            postal = f"{city.postal_prefix}{rnd.randrange(10**width):0{width}d}"
        apartment = rnd.random() < 0.65
        if culture == "RO" and country == "RO":
            address = Address(
                "RO",
                rnd.choices(range(5), weights=(0.7, 0.12, 0.08, 0.06, 0.04))[0],
                rnd.choice(names.RO_STREET_NAMES),
                rnd.randint(1, 180),
                f"{rnd.choice('ABCDEFGHM')}{rnd.randint(1, 30)}",
                rnd.randint(1, 4),
                rnd.randint(1, 120) if apartment else 0,
                "",
            )
        elif culture in ("RU", "KZ"):
            address = Address(
                "RU",
                rnd.choices(range(4), weights=(0.75, 0.12, 0.08, 0.05))[0],
                rnd.choice(names.RU_STREET_NAMES),
                rnd.randint(1, 150),
                "",
                0,
                rnd.randint(1, 400) if rnd.random() < 0.85 else 0,
                "",
            )
        elif culture == "CN":
            address = Address(
                "CN",
                0,
                rnd.choice(names.CN_STREET_NAMES),
                rnd.randint(1, 999),
                "",
                rnd.randint(1, 30),
                rnd.randint(1, 30) * 100 + rnd.randint(1, 6),
                rnd.choice(city.districts),
            )
        else:
            address = Address(
                country,
                0,
                rnd.choice(names.ABROAD_STREETS[country]),
                rnd.randint(1, 120),
                "",
                0,
                rnd.randint(1, 30) if apartment else 0,
                "",
            )
        landline = ""
        landline_rate = cfg.HOUSEHOLD_LANDLINE_RATE * (0.5 if culture == "CN" else 1.0)
        if country in ("RO", "RU", "CN") and rnd.random() < landline_rate:
            landline = landline_nsn(country, city.area_code, head_gid)
        return Household(
            f"H{head_gid + 1:08d}", country, culture, city, postal, address, landline, ""
        )

    def _email(self, culture: str, first_latin: str, last_latin: str, code: int) -> str:
        """A personal address derived from the (romanised) name, unique through ``code``."""
        rnd = self.rnd
        domains = names.EMAIL_DOMAINS.get(culture, names.EMAIL_DOMAINS["RO"])
        domain = rnd.choices([d for d, _ in domains], weights=[w for _, w in domains])[0]
        if domain == "qq.com" and rnd.random() < 0.6:
            return f"{100_000 + code}@qq.com"
        f = first_latin.lower().replace(" ", "").replace("-", "").replace("'", "")
        s = last_latin.lower().replace(" ", "").replace("-", "").replace("'", "")
        pattern = rnd.randrange(7)
        if pattern == 0:
            local = f"{f}.{s}"
        elif pattern == 1:
            local = f"{f}{s}"
        elif pattern == 2:
            local = f"{f[0]}.{s}"
        elif pattern == 3:
            local = f"{s}.{f}"
        elif pattern == 4:
            local = f"{f}_{s}"
        elif pattern == 5:
            local = f"{s}{f[0]}"
        else:
            local = f"{f}{s[0]}"
        return f"{local}{code}@{domain}"

    def _serial(self, cell: tuple[str, ...], space: int, multiplier: int) -> int | None:
        """A serial number in ``[0, space)`` for a national-id cell (sex, birth date, region).

        Each chunk owns a disjoint block of serials and hands them out in turn, so two persons
        never share an id (up to ``space`` chunks). None when the block is used up.
        """
        per_chunk = max(1, space // self.world.chunks)
        j = self._cells.get(cell, 0)
        if j >= per_chunk:
            return None
        self._cells[cell] = j + 1
        return ((self.chunk_index * per_chunk + j) * multiplier + 17) % space

    def _national_id(
        self, culture: str, gid: int, sex: str, birth: date, city: names.City
    ) -> tuple[str, str]:
        rnd = self.rnd
        if culture == "RO":
            for _ in range(20):
                county = (
                    rnd.choice(city.region_codes)
                    if city.region_codes and rnd.random() < 0.5
                    else rnd.choice(names.RO_COUNTY_CODES)
                )
                serial = self._serial(("RO", sex, birth.isoformat(), county), 999, 500)
                if serial is not None:
                    return make_cnp(sex, birth, county, serial + 1), "cnp"
            return make_cnp(sex, birth, county, rnd.randint(1, 999)), "cnp"
        if culture == "CN":
            for _ in range(20):
                region = (
                    rnd.choice(city.region_codes)
                    if rnd.random() < 0.7
                    else rnd.choice(rnd.choice(names.CN_CITIES).region_codes)
                )
                serial = self._serial(("CN", sex, birth.isoformat(), region), 500, 7)
                if serial is not None:
                    return make_cn_id(sex, birth, region, serial), "cn_resident_id"
            return make_cn_id(sex, birth, region, rnd.randrange(500)), "cn_resident_id"
        if culture == "RU" and rnd.random() < cfg.RU_PASSPORT_RATE:
            series = f"{rnd.randint(1, 99):02d}{rnd.randint(0, 24):02d}"
            return f"{series}{injective_code(gid, 6):06d}", "ru_passport"
        return "", ""

    def _person(
        self,
        gid: int,
        household: Household,
        role: str,
        sex: str,
        birth: date,
        last_index: int,
        used_first: set[str],
    ) -> Person:
        culture = household.culture
        for _ in range(20):
            first, first_latin = self._pick_name(culture, sex)
            if first not in used_first:
                break
        used_first.add(first)
        patronymic = ""
        if culture in ("RU", "KZ"):
            pool = POOLS[culture]
            father = self.rnd.randrange(len(pool.male_patronymic))
            patronymic = pool.male_patronymic[father]
            if sex == "F":
                patronymic = names.russian_female_patronymic(patronymic)
        last, last_latin = self._last_for(culture, last_index, sex)
        national_id, nid_type = self._national_id(culture, gid, sex, birth, household.city)
        code = injective_code(gid, self.world.email_digits)
        email = ""
        alt_email = ""
        if self.rnd.random() < cfg.PERSON_EMAIL_RATE:
            email = self._email(culture, first_latin, last_latin, code)
            if self.rnd.random() < cfg.ALT_EMAIL_RATE:
                local = email.split("@")[0]
                alt = self._email(culture, first_latin, last_latin, code).split("@")[1]
                alt_email = f"{local}@{alt}" if alt != email.split("@")[1] else ""
        mobile_country = household.country
        return Person(
            gid=gid,
            person_id=f"P{gid + 1:08d}",
            household=household,
            role=role,
            sex=sex,
            first=first,
            last=last,
            patronymic=patronymic,
            first_latin=first_latin,
            last_latin=last_latin,
            birth=birth,
            national_id=national_id,
            national_id_type=nid_type,
            email=email,
            alt_email=alt_email,
            mobile=mobile_nsn(mobile_country, gid * MSISDN_SLOTS),
        )

    def generate_persons(self) -> list[Person]:
        """All persons of the chunk, household by household."""
        rnd = self.rnd
        gid = self.chunk_start
        end = self.chunk_start + self.n_persons
        sizes = range(1, len(cfg.HOUSEHOLD_SIZE_WEIGHTS) + 1)
        persons = self.persons
        while gid < end:
            size = min(rnd.choices(sizes, weights=cfg.HOUSEHOLD_SIZE_WEIGHTS)[0], end - gid)
            household = self._new_household(gid)
            culture = household.culture
            used: set[str] = set()
            family_last = self._pick_last(culture)
            if size == 1:
                sex = rnd.choice("MF")
                birth = self._birth(18, 92, 38)
                persons.append(
                    self._person(gid, household, "single", sex, birth, family_last, used)
                )
                gid += 1
                continue
            head_sex = "M" if rnd.random() < 0.7 else "F"
            head_birth = self._birth(24, 88, 45)
            head = self._person(gid, household, "head", head_sex, head_birth, family_last, used)
            members = [head]
            # second member: spouse or parent
            if rnd.random() < cfg.SPOUSE_RATE:
                sex = "F" if head_sex == "M" else "M"
                birth = head_birth + timedelta(days=rnd.randint(-6 * 365, 6 * 365))
                birth = min(birth, self.as_of - timedelta(days=18 * 366))
                own_last = culture == "CN" or rnd.random() < cfg.SPOUSE_KEEPS_NAME_RATE
                last = self._pick_last(culture) if own_last else family_last
                members.append(self._person(gid + 1, household, "spouse", sex, birth, last, used))
            else:
                birth = head_birth - timedelta(days=rnd.randint(20 * 365, 35 * 365))
                birth = max(birth, self.as_of - timedelta(days=99 * 365))
                sex = rnd.choice("MF")
                last = family_last if sex == "M" or culture != "CN" else self._pick_last(culture)
                members.append(self._person(gid + 1, household, "parent", sex, birth, last, used))
            # children (or siblings when the head is too young to have adult children)
            father_last = family_last
            if culture == "CN" and head_sex == "F" and members[1].role == "spouse":
                father_last = POOLS["CN"].last.index(members[1].last)
            n_children = size - 2
            twins = n_children >= 2 and rnd.random() < cfg.TWIN_RATE
            child_birth: date | None = None
            for k in range(n_children):
                latest = self.as_of - timedelta(days=16 * 366)
                earliest = head_birth + timedelta(days=19 * 365)
                if earliest < latest:
                    role = "child"
                    if twins and k == 1 and child_birth is not None:
                        role = "twin"
                        birth = child_birth
                    else:
                        span = (latest - earliest).days
                        birth = earliest + timedelta(days=rnd.randrange(min(span, 22 * 365)))
                else:
                    role = "sibling"
                    birth = head_birth + timedelta(days=rnd.randint(-8 * 365, 8 * 365))
                    birth = min(birth, latest)
                child_birth = birth if k == 0 else child_birth
                sex = rnd.choice("MF")
                child = self._person(gid + 2 + k, household, role, sex, birth, father_last, used)
                if role == "twin":
                    child.twin_of = members[2].person_id
                    members[2].twin_of = child.person_id
                members.append(child)
            if rnd.random() < cfg.FAMILY_EMAIL_RATE and culture in names.EMAIL_DOMAINS:
                word = {"RO": "familia", "RU": "semya", "KZ": "semya", "CN": "jia"}[culture]
                last_latin = POOLS[culture].last_latin[family_last].lower().replace(" ", "")
                domain = names.EMAIL_DOMAINS[culture][0][0]
                code = injective_code(gid, self.world.email_digits)
                household.family_email = f"{word}.{last_latin}{code}@{domain}"
            persons.extend(members)
            gid += size
        return persons

    # -- contact records ------------------------------------------------------------------

    def next_key(self, system: str) -> str:
        """A fresh source_record_id in ``system`` (unique across chunks)."""
        n = self._key_counters[system]
        self._key_counters[system] = n + 1
        return record_key(system, n)

    def plan_records(self, person: Person) -> list[tuple[str, str]]:
        """The (source_system, account_id) of each contact record of a person."""
        rnd = self.rnd
        if rnd.random() < cfg.PROSPECT_RATE:
            person.is_prospect = True
            return [("web", "")] * (2 if rnd.random() < 0.1 else 1)
        n_accounts = 2 if rnd.random() < cfg.SECOND_ACCOUNT_RATE else 1
        person.accounts = [f"A{2 * person.gid + k + 1:07d}" for k in range(n_accounts)]
        systems = list(cfg.PRIMARY_SYSTEM_WEIGHTS)
        weights = list(cfg.PRIMARY_SYSTEM_WEIGHTS.values())
        plan = [(rnd.choices(systems, weights=weights)[0], person.accounts[0])]
        if n_accounts == 2:
            plan.append((rnd.choice(("billing", "billing", "crm")), person.accounts[1]))
        if n_accounts == 2 or rnd.random() < cfg.DUPLICATE_PERSON_RATE:
            extra = 1 if rnd.random() < 0.75 else 2
            extra_systems = list(cfg.EXTRA_SYSTEM_WEIGHTS)
            extra_weights = list(cfg.EXTRA_SYSTEM_WEIGHTS.values())
            for _ in range(extra):
                if len(plan) >= cfg.MAX_RECORDS_PER_PERSON:
                    break
                system = rnd.choices(extra_systems, weights=extra_weights)[0]
                account = "" if system == "web" else rnd.choice(person.accounts)
                plan.append((system, account))
        return plan

    def _names_for(
        self, p: Person, system: str, prof: System, defects: list[str]
    ) -> tuple[str, str, str]:
        rnd = self.rnd
        culture = p.household.culture
        first, last, patronymic = p.first, p.last, p.patronymic
        latin = False
        if system == "web" and culture in ("RU", "KZ") and rnd.random() < cfg.TRANSLITERATED_RATE:
            first, last, patronymic = p.first_latin, p.last_latin, ""
            latin = True
            defects.append("transliterated")
        elif culture == "CN" and (
            (system == "web" and rnd.random() < cfg.PINYIN_RATE)
            or (system == "billing" and rnd.random() < 0.15)
        ):
            first, last = p.first_latin, p.last_latin
            latin = True
            defects.append("pinyin")
        if rnd.random() < cfg.TYPO_RATE:
            if rnd.random() < 0.5:
                new = typo(first, rnd)
                if new != first:
                    defects.append("typo")
                first = new
            else:
                new = typo(last, rnd)
                if new != last:
                    defects.append("typo")
                last = new
        if culture != "CN" and rnd.random() < prof.no_diacritics_rate:
            stripped = (
                _drop_diacritics(first),
                _drop_diacritics(last),
                _drop_diacritics(patronymic),
            )
            if stripped != (first, last, patronymic):
                defects.append("no_diacritics")
            first, last, patronymic = stripped
        elif culture == "RO":
            rate = cfg.CEDILLA_RATE * (3 if system == "billing" else 1)
            if (has_comma_below(first) or has_comma_below(last)) and rnd.random() < rate:
                first, last = to_cedilla(first), to_cedilla(last)
                defects.append("cedilla")
        surname_rate = cfg.SURNAME_FIRST_RATE * (3 if system == "billing" else 1)
        surname_first = rnd.random() < surname_rate
        if culture == "CN" and not latin:
            full = f"{last} {first}" if rnd.random() < 0.1 else f"{last}{first}"
        elif culture == "CN":
            full = f"{last} {first}" if rnd.random() < 0.7 else f"{first} {last}"
            if full.startswith(last):
                defects.append("surname_first")
        else:
            with_patronymic = (
                bool(patronymic)
                and system in ("call_center", "billing", "crm")
                and rnd.random() < cfg.PATRONYMIC_RATE
            )
            if with_patronymic:
                defects.append("patronymic")
                full = (
                    f"{last} {first} {patronymic}"
                    if rnd.random() < 0.6
                    else f"{first} {patronymic} {last}"
                )
            elif surname_first:
                defects.append("surname_first")
                full = f"{last} {first}"
            else:
                full = f"{first} {last}"
        if prof.split_names:
            full_name = full if rnd.random() < prof.full_name_rate else ""
            first_name, last_name = first, last
            if culture == "CN" and rnd.random() < 0.05:
                first_name, last_name = last, first
                defects.append("name_fields_swapped")
        else:
            full_name, first_name, last_name = full, "", ""
        if not full_name:
            defects[:] = [d for d in defects if d not in ("patronymic", "surname_first")]
        upper = prof.upper_rate
        full_name, d1 = recase(full_name, rnd, upper, prof.lower_rate)
        if d1:
            defects.append(d1)
            first_name = first_name.upper() if d1 == "upper" else first_name.lower()
            last_name = last_name.upper() if d1 == "upper" else last_name.lower()
        elif prof.split_names:
            first_name, d2 = recase(first_name, rnd, upper, prof.lower_rate)
            if d2:
                defects.append(d2)
                last_name = last_name.upper() if d2 == "upper" else last_name.lower()
        if rnd.random() < cfg.STRAY_SPACE_RATE:
            defects.append("stray_spaces")
            if full_name:
                full_name = stray_spaces(full_name, rnd)
            else:
                first_name = stray_spaces(first_name, rnd)
        return full_name, first_name, last_name

    def _birth_text(self, p: Person, defects: list[str]) -> str:
        rnd = self.rnd
        culture = p.household.culture
        r = rnd.random()
        if r < cfg.BIRTH_DATE_INVALID_RATE:
            defects.append("invalid_birth_date")
            return impossible_birth_date(self.as_of, rnd)
        if culture == "CN":
            weights = (0.5, 0.05, 0.15, 0.3)
        elif culture in ("RU", "KZ"):
            weights = (0.3, 0.5, 0.1, 0.1)
        else:
            weights = (0.35, 0.35, 0.15, 0.15)
        style = rnd.choices(("iso", "dotted", "slashed", "compact"), weights=weights)[0]
        b = p.birth
        if (
            r < cfg.BIRTH_DATE_INVALID_RATE + cfg.BIRTH_DATE_SWAPPED_RATE
            and b.day <= 12
            and (b.day != b.month)
        ):
            defects.append("swapped_birth_date")
            return f"{b.month:02d}/{b.day:02d}/{b.year:04d}"
        return format_birth_date(b, style)

    def _national_id_text(self, p: Person, defects: list[str]) -> str:
        rnd = self.rnd
        nid = p.national_id
        if not nid:
            return ""
        if p.national_id_type == "ru_passport":
            r = rnd.random()
            if r < 0.4:
                return f"{nid[:2]} {nid[2:4]} {nid[4:]}"
            return f"{nid[:4]} {nid[4:]}" if r < 0.8 else nid
        if rnd.random() < cfg.NATIONAL_ID_INVALID_RATE:
            defects.append("invalid_national_id")
            return corrupt_check_digit(nid, rnd)
        if nid.endswith("X") and rnd.random() < 0.2:
            return nid[:-1] + "x"
        if rnd.random() < 0.02:
            defects.append("stray_spaces")
            return f" {nid}"
        return nid

    def _email_text(self, p: Person, system: str, prof: System, defects: list[str]) -> str:
        rnd = self.rnd
        placeholder_rate = cfg.EMAIL_PLACEHOLDER_RATE * (3 if system == "retail" else 1)
        if rnd.random() < placeholder_rate:
            defects.append("placeholder_email")
            return rnd.choice(names.PLACEHOLDER_EMAILS)
        if rnd.random() >= prof.email_rate:
            return ""
        family = p.household.family_email
        if family and (not p.email or rnd.random() < cfg.FAMILY_EMAIL_USE_RATE):
            email = family
            defects.append("family_email")
        elif p.email:
            email = p.email
            if p.alt_email and rnd.random() < 0.4:
                email = p.alt_email
                defects.append("alt_email")
        else:
            return ""
        r = rnd.random()
        if r < cfg.EMAIL_INVALID_RATE:
            defects.append("invalid_email")
            local, domain = email.split("@")
            kind = rnd.randrange(4)
            if kind == 0:
                return f"{local}{domain}"
            if kind == 1:
                return f"{local}@@{domain}"
            if kind == 2:
                return f"{email}."
            return f"{local}@{domain.split('.')[0]}"
        if rnd.random() < cfg.EMAIL_UPPER_RATE:
            defects.append("upper_email")
            email = email.upper() if rnd.random() < 0.5 else email[0].upper() + email[1:]
        if rnd.random() < cfg.EMAIL_SPACE_RATE:
            defects.append("stray_spaces")
            email = stray_spaces(email, rnd)
        return email

    def _phone_text(self, p: Person, system: str, prof: System, defects: list[str]) -> str:
        rnd = self.rnd
        h = p.household
        if rnd.random() < cfg.PHONE_PLACEHOLDER_RATE:
            defects.append("placeholder_phone")
            return rnd.choice(names.PLACEHOLDER_PHONES)
        if (
            system == "retail"
            and h.city.name in self.world.shop_phones
            and rnd.random() < cfg.SHOP_PHONE_RATE
        ):
            defects.append("shop_phone")
            country, nsn = rnd.choice(self.world.shop_phones[h.city.name])
            return format_phone(country, nsn, rnd)
        if rnd.random() >= prof.phone_rate:
            return ""
        if h.landline and rnd.random() < cfg.LANDLINE_USE_RATE:
            defects.append("landline")
            text = format_phone(h.country, h.landline, rnd, normalised=prof.normalised_phone)
        else:
            text = format_phone(h.country, p.mobile, rnd, normalised=prof.normalised_phone)
        if text.startswith("00"):
            defects.append("00_prefix")
        if rnd.random() < cfg.PHONE_SHORT_RATE:
            defects.append("short_phone")
            return text[: max(3, len(text) - rnd.randint(3, 5))]
        return text

    def _address_fields(
        self, p: Person, prof: System, defects: list[str]
    ) -> tuple[str, str, str, str]:
        rnd = self.rnd
        h = p.household
        if rnd.random() >= prof.address_rate:
            address = ""
        else:
            address = h.address.render(rnd.choices((0, 1, 2), weights=(0.6, 0.25, 0.15))[0])
            if h.culture == "CN" and rnd.random() < 0.2:
                address = f"{h.city.variants[0]}{address}"
            if rnd.random() < prof.no_diacritics_rate:
                address = _drop_diacritics(address)
            if rnd.random() < prof.upper_rate:
                address = address.upper()
        r = rnd.random()
        city = h.city.name if r < 0.7 else rnd.choice(h.city.variants)
        if rnd.random() < 0.05:
            city = ""
        postal = h.postal
        if rnd.random() < cfg.POSTAL_MISSING_RATE:
            postal = ""
        elif postal.startswith("0") and rnd.random() < cfg.POSTAL_LEADING_ZERO_DROPPED_RATE:
            postal = postal.lstrip("0")
            defects.append("postal_leading_zero_dropped")
        if rnd.random() < cfg.COUNTRY_MISSING_RATE:
            country = ""
        else:
            country = rnd.choice(names.COUNTRY_SPELLINGS[h.country])
        return address, city, postal, country

    def contact_row(
        self, p: Person, system: str, account_id: str, key: str, defects: list[str]
    ) -> list[str]:
        """One crm_contacts row (contract column order) for person ``p`` in ``system``."""
        rnd = self.rnd
        prof = SYSTEMS[system]
        full_name, first_name, last_name = self._names_for(p, system, prof, defects)
        birth = self._birth_text(p, defects) if rnd.random() < prof.birth_rate else ""
        nid = self._national_id_text(p, defects) if rnd.random() < prof.nid_rate else ""
        email = self._email_text(p, system, prof, defects)
        phone = self._phone_text(p, system, prof, defects)
        address, city, postal, country = self._address_fields(p, prof, defects)
        seconds = (self.as_of - date(1970, 1, 1)).days * 86_400 - rnd.randrange(3 * 365 * 86_400)
        updated_at = format_timestamp(seconds, rnd.choices((0, 1, 2), weights=(6, 2.5, 1.5))[0])
        return [
            system,
            key,
            account_id,
            full_name,
            first_name,
            last_name,
            birth,
            nid,
            email,
            phone,
            address,
            city,
            postal,
            country,
            updated_at,
        ]


@dataclass(slots=True)
class ContactRecord:
    """A valid contact record, for the tables that refer to records (consent, preferences)."""

    person: int  # index into the chunk's persons
    system: str
    key: str
    account_id: str
    email: str
    phone: str


@dataclass(slots=True)
class ContactChunk:
    """The chunk's crm_contacts rows (output order), their truth rows and the valid records."""

    rows: list[list[str]]
    truth: list[list[str]]
    records: list[ContactRecord]


_JUNK_NAMES: tuple[tuple[str, str, str], ...] = (
    ("test test", "test", "test"),
    ("TEST", "", ""),
    ("asdf", "asdf", "asdf"),
    ("x", "", ""),
    ("Client Necunoscut", "", ""),
    ("Тест Тестов", "Тест", "Тестов"),
    ("测试", "", ""),
    ("", "", ""),
    ("-", "-", "-"),
    ("Walk-in customer", "", ""),
)


def _junk_row(gen: PeopleGenerator, system: str, key: str) -> list[str]:
    rnd = gen.rnd
    full, first, last = rnd.choice(_JUNK_NAMES)
    if SYSTEMS[system].split_names:
        full = ""
    else:
        first = last = ""
    return [
        system,
        key,
        "",
        full,
        first,
        last,
        rnd.choice(("", "01.01.1900", "1900-01-01")),
        rnd.choice(("", "0000000000000", "1234567890123")),
        rnd.choice(("test@test.com", "noemail@noemail.com", "", "a@a")),
        rnd.choice(("123456", "0000000000", "", "-")),
        rnd.choice(("", "-", "n/a")),
        "",
        "",
        rnd.choice(("", "RO", "XX")),
        format_timestamp((gen.as_of - date(1970, 1, 1)).days * 86_400 - rnd.randrange(10**7), 0),
    ]


def build_contacts(gen: PeopleGenerator, persons: list[Person]) -> ContactChunk:
    """All crm_contacts rows of the chunk, with the deliberate duplicates and garbage rows.

    Rows of real records keep their person in the truth (``is_garbage=false``), also when the
    row is an exact copy or a second version of the same key. Junk rows (test data) and rows
    without a key are ``is_garbage=true`` with an empty person_id.
    """
    rnd = gen.rnd
    rows: list[list[str]] = []
    truth: list[list[str]] = []
    records: list[ContactRecord] = []
    for index, p in enumerate(persons):
        plan = gen.plan_records(p)
        p.n_records = len(plan)
        h = p.household
        for system, account in plan:
            key = gen.next_key(system)
            defects: list[str] = []
            row = gen.contact_row(p, system, account, key, defects)
            rows.append(row)
            truth.append(
                [system, key, p.person_id, h.household_id, "false", account, ";".join(defects)]
            )
            records.append(ContactRecord(index, system, key, account, row[8], row[9]))
    n = len(rows)
    # extra rows appended at the end, then each moved next to its original
    sort_keys = [2.0 * i for i in range(n)]

    def add(row: list[str], truth_row: list[str], near: int) -> None:
        rows.append(row)
        truth.append(truth_row)
        sort_keys.append(2.0 * min(n - 1, near + rnd.randrange(40)) + 1.0 + rnd.random() * 0.5)

    for _ in range(_count(n, cfg.EXACT_DUPLICATE_RATE, rnd)):
        i = rnd.randrange(n)
        t = list(truth[i])
        t[6] = ";".join(filter(None, (t[6], "exact_duplicate")))
        add(list(rows[i]), t, i)
    for _ in range(_count(n, cfg.KEY_CONFLICT_RATE, rnd)):
        i = rnd.randrange(n)
        p = persons[records[i].person]
        defects = ["key_conflict"]
        row = gen.contact_row(p, rows[i][0], rows[i][2], rows[i][1], defects)
        t = list(truth[i])
        t[6] = ";".join(defects)
        add(row, t, i)
    for _ in range(_count(n, cfg.EMPTY_KEY_RATE, rnd)):
        i = rnd.randrange(n)
        p = persons[records[i].person]
        defects = ["empty_key"]
        row = gen.contact_row(p, rows[i][0], rows[i][2], "", defects)
        if rnd.random() < 0.3:
            row[0] = ""
        add(row, [row[0], "", "", "", "true", row[2], ";".join(defects)], i)
    for _ in range(_count(n, cfg.JUNK_RECORD_RATE, rnd)):
        system = rnd.choice(SOURCE_SYSTEMS)
        key = gen.next_key(system)
        add(
            _junk_row(gen, system, key), [system, key, "", "", "true", "", "junk"], rnd.randrange(n)
        )
    order = sorted(range(len(rows)), key=sort_keys.__getitem__)
    return ContactChunk([rows[i] for i in order], [truth[i] for i in order], records)


def _count(n: int, rate: float, rnd: random.Random) -> int:
    """How many of ``n`` items get a defect of ``rate``: floor plus a random remainder."""
    expected = n * rate
    whole = int(expected)
    return whole + (1 if rnd.random() < expected - whole else 0)
