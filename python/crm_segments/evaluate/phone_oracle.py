"""Check the dbt phone standardization against Google's libphonenumber (PyPI ``phonenumbers``).

``messy_numbers`` writes deterministic messy phone numbers for Romania, Russia, Kazakhstan and
China (the generator's number ranges and formats, plus corruptions and forms the generator
never writes), ``contacts_csv`` turns them into a raw ``crm_contacts.csv``, and ``compare``
reads what the model ``int_contacts_standardized`` made of them and compares E.164, validity,
type and country with libphonenumber, classifying every disagreement.

``phonenumbers`` is a development dependency only: it is imported inside ``oracle``.
"""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from crm_segments.contract import RAW_TABLES
from crm_segments.synth.ids import format_phone, landline_nsn, mobile_nsn
from crm_segments.synth.names import CN_CITIES, KZ_CITIES, RO_CITIES, RU_CITIES

#: The region libphonenumber reads a number in when the record has no country: the dbt var
#: ``default_country`` (dbt_project.yml).
DEFAULT_REGION = "RO"

#: Ways the record's country is typed, per ISO code (all mapped by the country_codes seed).
COUNTRY_SPELLINGS: dict[str, tuple[str, ...]] = {
    "RO": ("RO", "ROU", "Romania", "România", "Румыния"),
    "RU": ("RU", "RUS", "Russia", "Россия", "РФ"),
    "KZ": ("KZ", "KAZ", "Kazakhstan", "Казахстан"),
    "CN": ("CN", "CHN", "China", "中国", "PRC"),
}

_CALLING = {"RO": "40", "RU": "7", "KZ": "7", "CN": "86"}
_TRUNK = {"RO": "0", "RU": "8", "KZ": "8", "CN": "0"}
_AREAS = {
    "RO": sorted({c.area_code for c in RO_CITIES}),
    "RU": sorted({c.area_code for c in RU_CITIES}),
    "KZ": sorted({c.area_code for c in KZ_CITIES}),
    "CN": sorted({c.area_code for c in CN_CITIES}),
}
_NSN_LENGTH = {"RO": 9, "RU": 10, "KZ": 10, "CN": 11}
GENERIC = "generic plan (country without a numbering plan)"
#: Regions with a numbering plan in macros/standardize/phone.sql (phone_plans).
PLANNED = frozenset({"RO", "RU", "KZ", "CN", "MD", "UA", "IT", "ES", "DE", "FR", "GB", "US"})


@dataclass(frozen=True)
class Case:
    """One messy number: its record id, the text as typed and the record's country."""

    record_id: str
    phone: str
    country: str  # as typed on the record ('' when absent)
    region: str  # ISO code of the record's country ('' when absent)
    kind: str  # how it was made: mobile, fixed, random, corrupt, junk
    origin: str = ""  # the country whose number it was made from


def _group(digits: str, rnd: random.Random) -> str:
    """Digits split into random groups joined by one random separator."""
    sep = rnd.choice((" ", "-", ".", " ", ""))
    out, i = [], 0
    while i < len(digits):
        step = rnd.choice((2, 3, 3, 4))
        out.append(digits[i : i + step])
        i += step
    return sep.join(out)


def _extra_form(country: str, nsn: str, rnd: random.Random) -> str:
    """Forms the generator does not write: brackets, dots, (0) after the code, labels, lists."""
    cc, trunk = _CALLING[country], _TRUNK[country]
    r = rnd.randrange(12)
    if r == 0:
        return f"+{cc} (0) {_group(nsn, rnd)}" if trunk == "0" else f"+{cc} (8) {_group(nsn, rnd)}"
    if r == 1:
        return f"(+{cc}) {_group(nsn, rnd)}"
    if r == 2:
        return f"{trunk}{_group(nsn, rnd)}"
    if r == 3:
        return f"+{cc}.{_group(nsn, rnd).replace(' ', '.')}"
    if r == 4:
        return f"tel: {trunk}{nsn}"
    if r == 5:
        return f"{trunk}{nsn} (mama)" if country == "RO" else f"{trunk}{nsn} доб. 12"
    if r == 6:
        return f"+{cc} {nsn} ext. 123"
    if r == 7:
        other = mobile_nsn(country if country != "CN" else "CN", rnd.randrange(10**6))
        return f"{trunk}{nsn}, {trunk}{other}"
    if r == 8:
        return f"00 {cc} {_group(nsn, rnd)}"
    if r == 9:
        return f"{cc}{trunk}{nsn}" if trunk == "0" else f"{cc} {nsn}"
    if r == 10 and country in ("RU", "KZ"):
        return f"8 10 {rnd.choice(('40', '86'))} {_group(nsn, rnd)}"  # dialled from Russia
    return f"  {trunk}{nsn}  "


def _corrupt(text: str, rnd: random.Random) -> str:
    """One digit dropped, added or replaced (the last keeps the length, changes the range)."""
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    i = rnd.choice(positions[-9:])
    r = rnd.random()
    if r < 0.35:
        return text[:i] + text[i + 1 :]
    if r < 0.7:
        return text[:i] + str(rnd.randrange(10)) + text[i:]
    j = positions[-9] if len(positions) >= 9 else positions[0]  # near the range prefix
    return text[:j] + str(rnd.randrange(10)) + text[j + 1 :]


def _random_nsn(country: str, rnd: random.Random) -> str:
    """A national number of the usual length with random digits (any range, valid or not)."""
    length = _NSN_LENGTH[country] + rnd.choice((0, 0, 0, -1, -3, 1))
    if country == "CN" and rnd.random() < 0.4:
        length = 10
    return str(rnd.randrange(1, 10)) + "".join(str(rnd.randrange(10)) for _ in range(length - 1))


def _junk(rnd: random.Random) -> str:
    return rnd.choice(
        (
            "0000000000",
            "123456",
            "n/a",
            "-",
            "0722 12E 456",
            "+40 722",
            "12",
            "+999 123 4567",
            "0" * rnd.randrange(5, 12),
            str(rnd.randrange(10)) * rnd.randrange(6, 12),
        )
    )


def messy_numbers(n: int, seed: int = 20261124) -> list[Case]:
    """``n`` messy numbers, deterministic for ``seed``: RO 40%, RU 30%, CN 25%, KZ 5%."""
    rnd = random.Random(seed)
    cases: list[Case] = []
    for k in range(n):
        country = rnd.choices(("RO", "RU", "CN", "KZ"), (0.40, 0.30, 0.25, 0.05))[0]
        r = rnd.random()
        if r < 0.45:
            kind, nsn = "mobile", mobile_nsn(country, rnd.randrange(10**7))
        elif r < 0.70:
            area = rnd.choice(_AREAS[country])
            kind, nsn = "fixed", landline_nsn(country, area, rnd.randrange(10**6))
        else:
            kind, nsn = "random", _random_nsn(country, rnd)
        form = rnd.random()
        if form < 0.55:
            text = format_phone(country, nsn, rnd, normalised=rnd.random() < 0.2)
        else:
            text = _extra_form(country, nsn, rnd)
        if rnd.random() < 0.15:
            kind, text = "corrupt", _corrupt(text, rnd)
        if rnd.random() < 0.03:
            kind, text = "junk", _junk(rnd)
        c = rnd.random()
        if c < 0.70:
            region, typed = country, country
        elif c < 0.85:
            region, typed = country, rnd.choice(COUNTRY_SPELLINGS[country])
        else:
            region, typed = "", ""
        cases.append(Case(f"P{k:07d}", text, typed, region, kind, country))
    return cases


def contacts_csv(cases: Iterable[Case], path: Path) -> None:
    """A raw ``crm_contacts.csv`` (the contract's header) with one record per case: the phone
    and the country, no name, id or e-mail (so the number is read in the record's country or
    the default country, as libphonenumber is)."""
    header = RAW_TABLES["crm_contacts"]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(header))
        writer.writeheader()
        for case in cases:
            row = dict.fromkeys(header, "")
            row.update(
                source_system="crm",
                source_record_id=case.record_id,
                account_id="A1",
                phone=case.phone,
                country=case.country,
                updated_at="2025-01-01 00:00:00",
            )
            writer.writerow(row)


@dataclass(frozen=True)
class Reading:
    """What one side made of a number: E.164 when valid, its type and country."""

    e164: str | None
    type: str | None
    country: str | None


def oracle(case: Case) -> Reading:
    """libphonenumber's reading, in the record's country (else DEFAULT_REGION).

    A value with letters or a list separator (a label, an extension, a second number) goes
    through libphonenumber's own extractor (PhoneNumberMatcher, first number found) rather
    than ``parse``, which would read letters as keypad digits ("mama" -> 6262).
    """
    import phonenumbers

    kinds = phonenumbers.PhoneNumberType
    region = case.region or DEFAULT_REGION
    number = None
    if any(ch.isalpha() or ch in ",;/" for ch in case.phone):
        leniency = phonenumbers.Leniency.POSSIBLE
        found = list(phonenumbers.PhoneNumberMatcher(case.phone, region, leniency=leniency))
        number = found[0].number if found else None
    if number is None:
        try:
            number = phonenumbers.parse(case.phone, region)
        except phonenumbers.NumberParseException:
            return Reading(None, None, None)
    if not phonenumbers.is_valid_number(number):
        return Reading(None, None, phonenumbers.region_code_for_number(number))
    t = phonenumbers.number_type(number)
    label = {kinds.MOBILE: "mobile", kinds.FIXED_LINE: "fixed"}.get(t, "unknown")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Reading(e164, label, phonenumbers.region_code_for_number(number))


def classify(case: Case, ours: Reading, reason: str | None, lib: Reading) -> str | None:
    """None when both agree (validity, E.164, type, country), else the class of disagreement."""
    if ours.e164 == lib.e164 and (
        ours.e164 is None or (ours.type == lib.type and ours.country == lib.country)
    ):
        return None
    if ours.e164 and ours.e164 == lib.e164 and ours.country not in PLANNED:
        return GENERIC
    if ours.e164 and ours.e164 == lib.e164:
        return "same number, other type" if ours.type != lib.type else "same number, other country"
    text = case.phone.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    region = case.region or DEFAULT_REGION
    if lib.e164 and reason == "placeholder":
        return "placeholder: ours invalid by design"
    if ours.e164 and region in ("RU", "KZ") and digits.startswith("00"):
        return "00 prefix in Russia/Kazakhstan (libphonenumber: only 8~10)"
    if ours.e164 and not lib.e164 and ours.country not in PLANNED:
        return GENERIC
    typed_prefix = text.startswith("+") or digits.startswith(("00", "810"))
    if ours.e164 and not lib.e164 and not typed_prefix and ours.country != region:
        return "country from the number (mobile without + or on a record without country)"
    if any(ch.isalpha() or ch in ",;/" for ch in text):
        return "label, extension or list: libphonenumber's extractor reads another part"
    if ours.e164 and lib.e164:
        return "both valid, other number"
    return (
        f"libphonenumber valid, ours {reason}" if lib.e164 else "ours valid, libphonenumber invalid"
    )


@dataclass
class Agreement:
    """Agreement figures of a comparison run."""

    total: int
    agree: int
    valid_ours: int
    valid_lib: int
    classes: Counter[str]
    examples: dict[str, list[dict[str, Any]]]
    plain_total: int = 0  # numbers alone (no label, list or extension) on a record with a country
    plain_agree: int = 0
    inferred: int = 0  # "country from the number" cases
    inferred_right: int = 0  # ... whose inferred country is the one the number was made from

    @property
    def rate(self) -> float:
        return self.agree / self.total if self.total else 0.0

    @property
    def plain_rate(self) -> float:
        return self.plain_agree / self.plain_total if self.plain_total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "agree": self.agree,
            "agreement_rate": round(self.rate, 5),
            "plain_total": self.plain_total,
            "plain_agree": self.plain_agree,
            "plain_agreement_rate": round(self.plain_rate, 5),
            "country_from_number": self.inferred,
            "country_from_number_right": self.inferred_right,
            "valid_ours": self.valid_ours,
            "valid_libphonenumber": self.valid_lib,
            "disagreements": dict(self.classes.most_common()),
            "examples": self.examples,
        }


def compare(
    cases: Sequence[Case], rows: dict[str, tuple[Any, ...]], examples: int = 5
) -> Agreement:
    """Compare the model's rows (record id -> (phone_e164, phone_type, phone_country,
    phone_invalid_reason)) with libphonenumber, case by case."""
    classes: Counter[str] = Counter()
    shown: dict[str, list[dict[str, Any]]] = {}
    agree = valid_ours = valid_lib = plain_total = plain_agree = inferred = inferred_right = 0
    for case in cases:
        e164, ptype, pcountry, reason = rows[case.record_id]
        ours = Reading(e164, ptype, pcountry)
        lib = oracle(case)
        valid_ours += e164 is not None
        valid_lib += lib.e164 is not None
        label = classify(case, ours, reason, lib)
        plain = bool(case.region) and not any(ch.isalpha() or ch in ",;/" for ch in case.phone)
        plain_total += plain
        if label is None:
            agree += 1
            plain_agree += plain
            continue
        classes[label] += 1
        if label.startswith("country from the number"):
            inferred += 1
            same_zone = {pcountry, case.origin} <= {"RU", "KZ"}
            inferred_right += pcountry == case.origin or same_zone
        bucket = shown.setdefault(label, [])
        if len(bucket) < examples:
            bucket.append(
                {
                    "phone": case.phone,
                    "country": case.country,
                    "kind": case.kind,
                    "ours": [e164, ptype, pcountry, reason],
                    "libphonenumber": [lib.e164, lib.type, lib.country],
                }
            )
    return Agreement(
        len(cases),
        agree,
        valid_ours,
        valid_lib,
        classes,
        shown,
        plain_total,
        plain_agree,
        inferred,
        inferred_right,
    )


#: Every class ``classify`` can return, with why it is not a bug (see the project's report).
EXPLAINED: dict[str, str] = {
    "country from the number (mobile without + or on a record without country)": (
        "SPEC: the country comes from the number first; a RO/RU/KZ/CN mobile typed with its "
        "calling code but without +, or in national form on a record without country, is "
        "recognised; libphonenumber reads the digits in the record's (or default) region only"
    ),
    "00 prefix in Russia/Kazakhstan (libphonenumber: only 8~10)": (
        "00 is read as an international prefix everywhere (people type it in Russia too); "
        "libphonenumber knows only 8~10 there and reads 00 7 ... as a national number"
    ),
    "label, extension or list: libphonenumber's extractor reads another part": (
        "we read the first number of the field; PhoneNumberMatcher skips an invalid first "
        "number and returns the next one"
    ),
    "placeholder: ours invalid by design": (
        "numbers ending in 7+ equal digits or one repeated digit are placeholders (junk guard)"
    ),
    GENERIC: (
        "countries without a plan get only the E.164 length check (8-15 digits) and the type "
        "unknown; corrupted numbers after 00 / 8 10 / + land there (0064 633 643 -> +64633643)"
    ),
}


def standardize(cases: Sequence[Case], workdir: Path, url: str) -> dict[str, tuple[Any, ...]]:
    """Load the cases as raw crm_contacts (``crm-segments load``) into the server of the
    environment (CRM_SEGMENTS_PGDATA), build ``+int_contacts_standardized`` without tests
    (dbt writes to ``workdir``) and return the model's rows by record id."""
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / "data"
    data.mkdir(exist_ok=True)
    contacts_csv(cases, data / "crm_contacts.csv")
    env = {
        **os.environ,
        "DBT_TARGET_PATH": str(workdir / "target"),
        "DBT_LOG_PATH": str(workdir / "logs"),
    }
    build = ["build", "--select", "+int_contacts_standardized", "--exclude", "resource_type:test"]
    build += ["resource_type:unit_test"]
    for args in (["load", str(data)], build):
        done = subprocess.run(
            [sys.executable, "-m", "crm_segments.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"crm-segments {args[0]} failed:\n{done.stdout}\n{done.stderr}")
    with psycopg.connect(url) as conn:
        query = MODEL_QUERY.format(schema="intermediate")
        return {r[0]: tuple(r[1:]) for r in conn.execute(query)}


MODEL_QUERY = (
    "select source_record_id, phone_e164, phone_type, phone_country, phone_invalid_reason "
    "from {schema}.int_contacts_standardized"
)


def markdown(result: Agreement) -> str:
    """The figures and the disagreement classes as a Markdown table."""
    lines = [
        f"Phone standardization vs libphonenumber: {result.agree:,} of {result.total:,} numbers "
        f"agree ({result.rate:.2%}); valid: ours {result.valid_ours:,}, "
        f"libphonenumber {result.valid_lib:,}. Numbers typed alone on a record with a country: "
        f"{result.plain_agree:,} of {result.plain_total:,} agree ({result.plain_rate:.2%}). "
        f"Country from the number: {result.inferred_right:,} of {result.inferred:,} are the "
        "country the number was made from (+7: Russia or Kazakhstan).",
        "",
        "| disagreement class | numbers | share | example: typed, country -> ours / libphonenumber "
        "|",
        "|---|---:|---:|---|",
    ]
    for label, count in result.classes.most_common():
        ex = result.examples[label][0]
        ours = ex["ours"][0] or ex["ours"][3]
        lib = ex["libphonenumber"][0] or "invalid"
        sample = f"`{ex['phone']}`, {ex['country'] or '-'} -> {ours} / {lib}"
        lines.append(f"| {label} | {count:,} | {count / result.total:.2%} | {sample} |")
    return "\n".join(lines)
