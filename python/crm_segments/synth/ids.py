"""Identifiers for the synthetic data generator: national ids with checksums and phone numbers.

- Romanian CNP: ``S YY MM DD JJ NNN C`` (13 digits), check digit with key ``279146358279``.
- Chinese resident id: 6-digit region, ``YYYYMMDD``, 3-digit sequence (odd = male), and an
  ISO 7064 MOD 11-2 check character (``0``-``9`` or ``X``).
- Phone numbers: national significant numbers (NSN) per country and numbering plan, made
  unique by an injective code, and rendered in the many ways people type them.
"""

from __future__ import annotations

import random
from datetime import date

CNP_KEY = "279146358279"
CN_ID_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CN_ID_CHECK = "10X98765432"

CALLING_CODES: dict[str, str] = {
    "RO": "40",
    "RU": "7",
    "KZ": "7",
    "CN": "86",
    "IT": "39",
    "ES": "34",
    "DE": "49",
}

# Mobile prefixes (first digits of the NSN) that the numbering plans assign to mobiles,
# with the number of digits that follow.
MOBILE_PLANS: dict[str, tuple[tuple[str, ...], int]] = {
    "RO": (tuple(f"7{i}" for i in range(20, 80)), 6),  # 7xx xxx xxx
    "RU": (
        tuple(
            f"9{i:02d}"
            for i in (
                0,
                1,
                2,
                3,
                4,
                5,
                6,
                9,
                10,
                11,
                12,
                13,
                14,
                15,
                16,
                17,
                18,
                19,
                20,
                21,
                22,
                23,
                25,
                26,
                27,
                28,
                29,
                50,
                51,
                52,
                53,
                58,
                60,
                61,
                62,
                63,
                64,
                65,
                66,
                67,
                68,
                69,
                77,
                78,
                80,
                81,
                82,
                83,
                84,
                85,
                86,
                87,
                88,
                89,
                91,
                92,
                93,
                94,
                95,
                96,
                97,
                98,
                99,
            )
        ),
        7,
    ),  # 9xx xxx xx xx
    "KZ": (("701", "702", "705", "707", "708", "747", "771", "775", "776", "777", "778"), 7),
    "CN": (
        (
            *(f"13{i}" for i in range(10)),
            "150",
            "151",
            "152",
            "153",
            "155",
            "156",
            "157",
            "158",
            "159",
            "170",
            "171",
            "172",
            "173",
            "175",
            "176",
            "177",
            "178",
            *(f"18{i}" for i in range(10)),
            "190",
            "191",
            "192",
            "193",
            "195",
            "196",
            "197",
            "198",
            "199",
        ),
        8,
    ),  # 1xx xxxx xxxx
    "IT": (("320", "328", "329", "333", "334", "338", "339", "340", "345", "347", "348", "349"), 7),
    "ES": (tuple(f"6{i}" for i in range(10, 100)), 6),
    "DE": (("1512", "1520", "1570", "1590", "1601", "1621", "1701", "1712", "1727", "1761"), 7),
}


def cnp_check_digit(first12: str) -> str:
    """Check digit of a Romanian CNP from its first 12 digits."""
    total = sum(int(d) * int(k) for d, k in zip(first12, CNP_KEY, strict=True))
    rest = total % 11
    return "1" if rest == 10 else str(rest)


def cnp_is_valid(cnp: str) -> bool:
    """True when ``cnp`` is 13 digits with a correct check digit and a real birth date."""
    if len(cnp) != 13 or not cnp.isdigit() or cnp[0] == "0":
        return False
    century = {"1": 1900, "2": 1900, "3": 1800, "4": 1800, "5": 2000, "6": 2000}.get(cnp[0], 1900)
    try:
        date(century + int(cnp[1:3]), int(cnp[3:5]), int(cnp[5:7]))
    except ValueError:
        return False
    return cnp_check_digit(cnp[:12]) == cnp[12]


def make_cnp(sex: str, birth: date, county: str, serial: int) -> str:
    """A valid CNP for a person (``sex`` is ``M`` or ``F``)."""
    if birth.year >= 2000:
        s = "5" if sex == "M" else "6"
    elif birth.year >= 1900:
        s = "1" if sex == "M" else "2"
    else:
        s = "3" if sex == "M" else "4"
    first12 = f"{s}{birth.year % 100:02d}{birth.month:02d}{birth.day:02d}{county}{serial:03d}"
    return first12 + cnp_check_digit(first12)


def cn_id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of a Chinese resident id."""
    total = sum(int(d) * w for d, w in zip(first17, CN_ID_WEIGHTS, strict=True))
    return CN_ID_CHECK[total % 11]


def cn_id_is_valid(cn_id: str) -> bool:
    """True when ``cn_id`` is 17 digits plus a correct check character and a real birth date."""
    if len(cn_id) != 18 or not cn_id[:17].isdigit():
        return False
    try:
        date(int(cn_id[6:10]), int(cn_id[10:12]), int(cn_id[12:14]))
    except ValueError:
        return False
    return cn_id_check_char(cn_id[:17]) == cn_id[17].upper()


def make_cn_id(sex: str, birth: date, region: str, sequence: int) -> str:
    """A valid 18-character Chinese resident id (sequence parity encodes the sex)."""
    seq = sequence % 500 * 2 + (1 if sex == "M" else 0)
    if seq == 0:
        seq = 2
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + cn_id_check_char(first17)


def corrupt_check_digit(value: str, rnd: random.Random) -> str:
    """The same id with a wrong last character (an invalid checksum)."""
    last = value[-1].upper()
    choices = [c for c in "0123456789" if c != last]
    return value[:-1] + rnd.choice(choices)


def injective_code(index: int, digits: int) -> int:
    """A number in ``[0, 10**digits)`` that is different for every ``index < 10**digits``.

    An affine map with a multiplier coprime to 10 is a bijection modulo ``10**digits``; the
    large multiplier scatters consecutive indices so the numbers do not look sequential.
    """
    return (index * _SCATTER + 982_451_653) % 10**digits


_SCATTER = 2_654_435_761  # a prime: coprime to every capacity used here


def mobile_nsn(country: str, index: int) -> str:
    """A mobile NSN for ``country``, distinct for every distinct ``index`` below the plan's
    capacity (number of prefixes times ``10**digits``, at least 10 million)."""
    prefixes, rest = MOBILE_PLANS[country]
    capacity = len(prefixes) * 10**rest
    code = (index * _SCATTER + 472_882_027) % capacity
    prefix, body = divmod(code, 10**rest)
    return f"{prefixes[prefix]}{body:0{rest}d}"


def landline_nsn(country: str, area_code: str, index: int) -> str:
    """A fixed-line NSN in ``area_code``, distinct for every distinct ``index``."""
    if country == "CN":  # area code + 8 digits, the first one 2-7
        return f"{area_code}{'234567'[index % 6]}{injective_code(index // 6, 7):07d}"
    rest = (9 if country == "RO" else 10) - len(area_code)
    return f"{area_code}{injective_code(index, rest):0{rest}d}"


def landline_capacity(country: str, area_code: str) -> int:
    """How many distinct indices ``landline_nsn`` can number in ``area_code``."""
    if country == "CN":
        return 6 * 10**7
    return 10 ** ((9 if country == "RO" else 10) - len(area_code))


def e164(country: str, nsn: str) -> str:
    """E.164 form, e.g. ``+40722123456``."""
    return f"+{CALLING_CODES[country]}{nsn}"


def _ro_groups(nsn: str) -> tuple[str, str, str]:
    if nsn.startswith("21") or nsn.startswith("31"):  # Bucharest: 21 xxx xxxx
        return nsn[:2], nsn[2:5], nsn[5:]
    return nsn[:3], nsn[3:6], nsn[6:]


def format_phone(country: str, nsn: str, rnd: random.Random, *, normalised: bool = False) -> str:
    """Render a number the way a person or a clerk would type it.

    ``normalised`` favours the international forms (web forms validate input).
    """
    r = rnd.random()
    if normalised and r < 0.6:
        return f"+{CALLING_CODES[country]}{nsn}" if r < 0.4 else f"+{CALLING_CODES[country]} {nsn}"
    r = rnd.random()
    if country == "RO":
        a, b, c = _ro_groups(nsn)
        forms = (
            f"0{a} {b} {c}",
            f"0{nsn}",
            f"+40 {a} {b} {c}",
            f"+40{nsn}",
            f"0040-{a}-{b}-{c}",
            f"0040{nsn}",
            f"40{nsn}",
            f"0{a}-{b}-{c}",
            f"(0{a}) {b} {c}",
            f"0040 {a} {b} {c}",
        )
        weights = (0.25, 0.2, 0.12, 0.1, 0.06, 0.06, 0.05, 0.07, 0.03, 0.06)
    elif country in ("RU", "KZ"):
        a, b, c, d = nsn[:3], nsn[3:6], nsn[6:8], nsn[8:]
        forms = (
            f"8 ({a}) {b}-{c}-{d}",
            f"+7 {a} {b}{c}{d}",
            f"8{nsn}",
            f"+7 ({a}) {b}-{c}-{d}",
            f"+7{nsn}",
            f"7{nsn}",
            f"8-{a}-{b}-{c}-{d}",
            f"8 {a} {b} {c} {d}",
            f"007{nsn}",
        )
        weights = (0.2, 0.15, 0.2, 0.1, 0.12, 0.08, 0.07, 0.06, 0.02)
    elif country == "CN":
        if nsn.startswith("1") and len(nsn) == 11:
            a, b, c = nsn[:3], nsn[3:7], nsn[7:]
            forms = (
                f"{a} {b} {c}",
                f"+86 {a}-{b}-{c}",
                f"0086 {nsn}",
                nsn,
                f"+86{nsn}",
                f"86-{a}-{b}-{c}",
                f"{a}-{b}-{c}",
                f"+86 {a} {b} {c}",
            )
            weights = (0.22, 0.1, 0.06, 0.3, 0.12, 0.05, 0.1, 0.05)
        else:
            area_len = 2 if nsn[:2] in ("10", "20", "21", "22", "23", "25", "27", "28", "29") else 3
            area, local = nsn[:area_len], nsn[area_len:]
            forms = (
                f"0{area}-{local}",
                f"(0{area}) {local[:4]} {local[4:]}",
                f"+86 {area} {local[:4]} {local[4:]}",
                f"0086 {area} {local}",
                f"0{area}{local}",
            )
            weights = (0.4, 0.15, 0.15, 0.1, 0.2)
    elif country == "IT":
        forms = (f"+39 {nsn[:3]} {nsn[3:]}", f"0039 {nsn[:3]} {nsn[3:]}", nsn, f"+39{nsn}")
        weights = (0.4, 0.2, 0.2, 0.2)
    elif country == "ES":
        forms = (
            f"+34 {nsn[:3]} {nsn[3:6]} {nsn[6:]}",
            f"{nsn[:3]} {nsn[3:6]} {nsn[6:]}",
            f"0034 {nsn}",
            f"+34{nsn}",
        )
        weights = (0.4, 0.2, 0.2, 0.2)
    else:  # DE
        forms = (
            f"+49 {nsn[:3]} {nsn[3:]}",
            f"0{nsn[:3]} {nsn[3:]}",
            f"0049 {nsn[:3]} {nsn[3:]}",
            f"+49{nsn}",
        )
        weights = (0.4, 0.3, 0.15, 0.15)
    acc = 0.0
    for form, w in zip(forms, weights, strict=True):
        acc += w
        if r < acc:
            return form
    return forms[0]
