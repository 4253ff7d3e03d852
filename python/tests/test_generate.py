# ruff: noqa: RUF001  (Cyrillic text is intended, not a confusable)
"""Tests of the synthetic data generator (``crm_segments.synth.generate``)."""

from __future__ import annotations

import csv
import hashlib
import re
import tracemalloc
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import phonenumbers
import pytest

from crm_segments.contract import CODE_DOMAINS, RAW_TABLES
from crm_segments.synth import generate as gen
from crm_segments.synth import ids
from crm_segments.synth.activity import REASON_CODES

N = 3000
SEED = 11
AS_OF = date(2026, 10, 31)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _digests(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*.csv"))
    }


# independent checksum implementations (not the generator's own)


def cnp_ok(value: str) -> bool:
    if not re.fullmatch(r"[1-8]\d{12}", value):
        return False
    total = sum(int(d) * int(k) for d, k in zip(value[:12], "279146358279", strict=True))
    expected = 1 if total % 11 == 10 else total % 11
    century = {"1": 1900, "2": 1900, "3": 1800, "4": 1800, "5": 2000, "6": 2000}.get(value[0])
    if century is not None:
        try:
            date(century + int(value[1:3]), int(value[3:5]), int(value[5:7]))
        except ValueError:
            return False
    return int(value[12]) == expected


def cn_id_ok(value: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dXx]", value):
        return False
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(d) * w for d, w in zip(value[:17], weights, strict=True))
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return "10X98765432"[total % 11] == value[17].upper()


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gen")
    counts = gen.generate(N, SEED, path, as_of=AS_OF, progress=False)
    (path / "counts.txt").write_text(repr(counts))
    return path


@pytest.fixture(scope="module")
def counts(out: Path) -> dict[str, int]:
    import ast

    return ast.literal_eval((out / "counts.txt").read_text())


@pytest.fixture(scope="module")
def contacts(out: Path) -> list[dict[str, str]]:
    return _read(out / "crm_contacts.csv")


@pytest.fixture(scope="module")
def truth(out: Path) -> list[dict[str, str]]:
    return _read(out / "truth" / "contact_records.csv")


@pytest.fixture(scope="module")
def persons(out: Path) -> dict[str, dict[str, str]]:
    return {p["person_id"]: p for p in _read(out / "truth" / "persons.csv")}


def test_checksum_helpers_agree_with_independent_ones() -> None:
    assert cn_id_ok("11010519491231002X")  # the textbook example
    assert ids.cn_id_is_valid("11010519491231002X")
    assert not ids.cn_id_is_valid("110105194912310021")
    for cnp in ("1850307121232", "2900101400015", "5010203410018"):
        assert ids.cnp_is_valid(cnp) == cnp_ok(cnp)


def test_every_file_with_exact_header(out: Path, counts: dict[str, int]) -> None:
    for table, columns in RAW_TABLES.items():
        path = out / f"{table}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert tuple(rows[0]) == columns, table
        assert all(len(r) == len(columns) for r in rows[1:]), table
        assert len(rows) - 1 == counts[f"{table}.csv"] > 0, table
    for table, columns in gen.TRUTH_TABLES.items():
        with (out / "truth" / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert tuple(rows[0]) == columns
        assert len(rows) - 1 == counts[f"truth/{table}.csv"]
    assert {"source_system", "source_record_id", "person_id", "household_id", "is_garbage"} <= set(
        gen.TRUTH_TABLES["contact_records"]
    )


def test_row_counts_are_plausible(counts: dict[str, int]) -> None:
    per_person = {name: rows / N for name, rows in counts.items()}
    assert 1.3 <= per_person["crm_contacts.csv"] <= 1.7
    assert 1.15 <= per_person["subscriptions.csv"] <= 1.45
    assert 11 <= per_person["usage_monthly.csv"] <= 16
    assert 8 <= per_person["transactions.csv"] <= 12
    assert 2 <= per_person["consent_events.csv"] <= 6
    assert 0.3 <= per_person["contact_preferences.csv"] <= 0.6
    assert 3.3 <= per_person["campaign_contacts.csv"] <= 4.7
    assert 0.35 <= per_person["interactions.csv"] <= 0.8
    assert 0.1 <= per_person["nps_responses.csv"] <= 0.2
    assert 1.6 <= per_person["loyalty_events.csv"] <= 2.4
    assert 0.01 <= per_person["suppressions.csv"] <= 0.04
    # min(500, 20 + N/500) campaigns plus a handful of garbage rows
    assert 20 + N // 500 <= counts["campaigns.csv"] <= 20 + N // 500 + 6
    assert counts["truth/persons.csv"] == N


def test_same_seed_same_bytes_any_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gen, "CHUNK_PERSONS", 400)
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    gen.generate(1000, 5, a, progress=False, workers=1)
    gen.generate(1000, 5, b, progress=False, workers=2)
    gen.generate(1000, 6, c, progress=False, workers=1)
    da, db, dc = _digests(a), _digests(b), _digests(c)
    assert len(da) == len(RAW_TABLES) + len(gen.TRUTH_TABLES)
    assert da == db
    assert all(da[name] != dc[name] for name in da)


def test_output_depends_on_as_of_not_on_the_clock(tmp_path: Path) -> None:
    gen.generate(300, 5, tmp_path / "a", as_of=date(2025, 6, 30), progress=False)
    gen.generate(300, 5, tmp_path / "b", as_of=date(2025, 6, 30), progress=False)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    stamps = [r["transaction_at"] for r in _read(tmp_path / "a" / "transactions.csv")]
    latest = max(
        datetime.strptime(v[:19], "%Y-%m-%d %H:%M:%S").date()
        for v in stamps
        if re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", v) and _is_date(v)
    )
    assert date(2025, 5, 1) <= latest <= date(2025, 6, 30)


def test_truth_covers_every_contact_row_once(
    contacts: list[dict[str, str]],
    truth: list[dict[str, str]],
    persons: dict[str, dict[str, str]],
) -> None:
    assert len(truth) == len(contacts)
    for row, t in zip(contacts, truth, strict=True):
        assert (row["source_system"], row["source_record_id"]) == (
            t["source_system"],
            t["source_record_id"],
        )
        assert t["is_garbage"] in ("true", "false")
        if t["is_garbage"] == "false":
            assert t["person_id"] in persons
            assert persons[t["person_id"]]["household_id"] == t["household_id"]
        else:
            assert t["person_id"] == "" or t["person_id"] not in persons
    garbage = sum(t["is_garbage"] == "true" for t in truth)
    assert 0 < garbage < 0.02 * len(truth)
    records_per_person = Counter(t["person_id"] for t in truth if t["is_garbage"] == "false")
    assert set(records_per_person) == set(persons)
    duplicated = sum(1 for c in records_per_person.values() if c > 1) / len(persons)
    assert 0.25 <= duplicated <= 0.45
    prospects = [p for p in persons.values() if p["is_prospect"] == "true"]
    assert 0.015 <= len(prospects) / len(persons) <= 0.05
    by_person = defaultdict(list)
    for row, t in zip(contacts, truth, strict=True):
        by_person[t["person_id"]].append(row)
    for p in prospects:
        assert all(
            r["source_system"] == "web" and r["account_id"] == "" for r in by_person[p["person_id"]]
        )


def test_national_ids_are_valid(
    persons: dict[str, dict[str, str]],
    contacts: list[dict[str, str]],
    truth: list[dict[str, str]],
) -> None:
    cnps = [p["national_id"] for p in persons.values() if p["national_id_type"] == "cnp"]
    cn_ids = [
        p["national_id"] for p in persons.values() if p["national_id_type"] == "cn_resident_id"
    ]
    assert len(cnps) > 0.4 * N and len(cn_ids) > 0.15 * N
    assert all(cnp_ok(v) for v in cnps)
    assert all(cn_id_ok(v) for v in cn_ids)
    ids = [p["national_id"] for p in persons.values() if p["national_id"]]
    assert len(set(ids)) == len(ids)  # an id belongs to one person
    emails = [e for p in persons.values() for e in (p["email"], p["alt_email"]) if e]
    assert len(set(emails)) == len(emails)
    for p in persons.values():  # the birth date is inside the id
        if p["national_id_type"] == "cn_resident_id":
            assert p["national_id"][6:14] == p["birth_date"].replace("-", "")
        elif p["national_id_type"] == "cnp":
            assert p["national_id"][1:7] == p["birth_date"].replace("-", "")[2:]
    # in the records: most ids valid, about 1% with a broken checksum
    in_records = [
        (r["national_id"].strip(), t["person_id"])
        for r, t in zip(contacts, truth, strict=True)
        if t["person_id"] in persons
        and persons[t["person_id"]]["national_id_type"] in ("cnp", "cn_resident_id")
        and r["national_id"]
    ]
    valid = [cnp_ok(v) or cn_id_ok(v) for v, _ in in_records]
    share_invalid = 1 - sum(valid) / len(valid)
    assert 0.001 < share_invalid < 0.04


def test_truth_mobiles_are_valid_numbers(persons: dict[str, dict[str, str]]) -> None:
    seen = set()
    for p in persons.values():
        number = phonenumbers.parse(p["mobile"], None)
        assert phonenumbers.is_valid_number(number), p["mobile"]
        assert phonenumbers.region_code_for_number(number) == p["country"], p
        assert phonenumbers.number_type(number) in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        )
        assert p["mobile"] not in seen  # a mobile belongs to one person
        seen.add(p["mobile"])
        if p["landline"]:
            assert phonenumbers.is_valid_number(phonenumbers.parse(p["landline"], None))
    kazakh = [p for p in persons.values() if p["country"] == "KZ"]
    assert kazakh and all(p["mobile"].startswith("+77") for p in kazakh)


def test_record_phones_parse_back_to_the_truth(
    contacts: list[dict[str, str]],
    truth: list[dict[str, str]],
    persons: dict[str, dict[str, str]],
) -> None:
    ok = total = 0
    for row, t in zip(contacts, truth, strict=True):
        defects = set(t["defects"].split(";"))
        if (
            t["is_garbage"] == "true"
            or not row["phone"]
            or defects & {"landline", "shop_phone", "placeholder_phone", "short_phone"}
        ):
            continue
        p = persons[t["person_id"]]
        region = {"KZ": "RU"}.get(p["country"], p["country"])
        if row["phone"].startswith("007"):
            region = "RO"  # 00 is the international prefix there (Russia dials 810)
        total += 1
        try:
            parsed = phonenumbers.parse(row["phone"], region)
        except phonenumbers.NumberParseException:
            continue
        ok += phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == p["mobile"]
    assert total > 0.7 * len(contacts)
    assert ok / total > 0.99


def test_the_mess_actually_occurs(
    out: Path,
    contacts: list[dict[str, str]],
    truth: list[dict[str, str]],
    persons: dict[str, dict[str, str]],
) -> None:
    text = (out / "crm_contacts.csv").read_text(encoding="utf-8")
    assert re.search("[şţŞŢ]", text) and re.search("[șțȘȚ]", text)  # cedilla and comma-below
    assert re.search("[а-яА-Я]", text) and re.search("[\u4e00-\u9fff]", text)
    phones = [r["phone"] for r in contacts]
    for pattern in (
        r"^0040-7\d\d-\d{3}-\d{3}$",
        r"^0086 1\d{10}$",
        r"^8 \(9\d\d\) \d{3}-\d\d-\d\d$",
        r"^\+7 9\d\d \d{7}$",
        r"^07\d\d \d{3} \d{3}$",
        r"^1\d\d \d{4} \d{4}$",
        r"^\+86 1\d\d-\d{4}-\d{4}$",
        r"^\+40 7\d\d \d{3} \d{3}$",
    ):
        assert any(re.match(pattern, p) for p in phones), pattern
    births = [r["birth_date"] for r in contacts]
    for pattern in (r"^\d\d\.\d\d\.\d{4}$", r"^\d{4}-\d\d-\d\d$", r"^\d\d/\d\d/\d{4}$", r"^\d{8}$"):
        assert any(re.match(pattern, b) for b in births), pattern
    updated = [r["updated_at"] for r in contacts]
    for pattern in (
        r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$",
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$",
        r"^\d\d\.\d\d\.\d{4} \d\d:\d\d$",
    ):
        assert any(re.match(pattern, u) for u in updated), pattern
    countries = Counter(r["country"] for r in contacts)
    assert {"RO", "ROU", "România", "Россия", "中国", "romania "} <= set(countries)
    emails = [r["email"] for r in contacts]
    assert any("@@" in e for e in emails) and "test@test.com" in emails
    assert any(e != e.strip() for e in emails) and any(e != e.lower() for e in emails)
    assert any(p in ("0000000000", "123456", "null", "-", "n/a") for p in phones)
    defects = Counter(d for t in truth for d in t["defects"].split(";") if d)
    for kind in (
        "typo",
        "no_diacritics",
        "cedilla",
        "surname_first",
        "upper",
        "stray_spaces",
        "patronymic",
        "pinyin",
        "invalid_birth_date",
        "invalid_national_id",
        "family_email",
        "landline",
        "shop_phone",
        "exact_duplicate",
        "key_conflict",
        "empty_key",
        "junk",
        "short_phone",
        "invalid_email",
        "placeholder_email",
    ):
        assert defects[kind] > 0, kind
    # one-edit typos are rare, a few percent
    assert 0.01 < defects["typo"] / len(truth) < 0.05
    # duplicate keys: exact copies and same key with other values
    keys = Counter(
        (r["source_system"], r["source_record_id"]) for r in contacts if r["source_record_id"]
    )
    assert sum(1 for c in keys.values() if c > 1) >= 3
    assert any(r["source_record_id"] == "" for r in contacts)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def test_households_namesakes_twins_and_shop_phones(
    contacts: list[dict[str, str]],
    truth: list[dict[str, str]],
    persons: dict[str, dict[str, str]],
) -> None:
    # a landline / family e-mail / address shared by different persons of one household
    landline_people: dict[str, set[str]] = defaultdict(set)
    email_people: dict[str, set[str]] = defaultdict(set)
    for row, t in zip(contacts, truth, strict=True):
        if t["is_garbage"] == "true":
            continue
        p = persons[t["person_id"]]
        if p["landline"] and _digits(row["phone"]).endswith(_digits(p["landline"])[-7:]):
            landline_people[p["landline"]].add(p["person_id"])
        if p["family_email"] and row["email"].strip().lower() == p["family_email"]:
            email_people[p["family_email"]].add(p["person_id"])
    assert any(len(s) > 1 for s in landline_people.values())
    assert any(len(s) > 1 for s in email_people.values())
    households = defaultdict(list)
    for p in persons.values():
        households[p["household_id"]].append(p)
    multi = [h for h in households.values() if len(h) > 1]
    assert 0.2 < len(multi) / len(households) < 0.7
    for members in multi:
        assert len({m["address_line"] for m in members}) == 1
        assert len({m["first_name"] for m in members}) == len(members)
    twins = [p for p in persons.values() if p["twin_of"]]
    assert twins
    for p in twins:
        other = persons[p["twin_of"]]
        assert other["birth_date"] == p["birth_date"] and other["first_name"] != p["first_name"]
        assert other["household_id"] == p["household_id"]
    # namesakes: different persons, same name, different birth dates
    by_name = defaultdict(set)
    for p in persons.values():
        by_name[(p["first_name"], p["last_name"])].add(p["birth_date"])
    assert sum(1 for dates in by_name.values() if len(dates) > 1) >= 10
    # the shop's own phone in many walk-in retail records of different persons
    shop_people: dict[str, set[str]] = defaultdict(set)
    for row, t in zip(contacts, truth, strict=True):
        if "shop_phone" in t["defects"].split(";"):
            shop_people[_digits(row["phone"])[-8:]].add(t["person_id"])
    assert max(len(s) for s in shop_people.values()) >= 8


#: the values a coded raw column may hold: the contract's code domains, plus the spellings staging
#: also reads (the channel alias e-mail, the boolean spellings, the free-text interaction reasons
#: the generator writes)
_ENUMS: dict[str, dict[str, set[str]]] = defaultdict(dict)
for (_table, _column), _values in CODE_DOMAINS.items():
    _ENUMS[_table][_column] = set(_values)
_ENUMS["contact_preferences"]["preferred_channel"] |= {"e-mail"}
_ENUMS["campaign_contacts"]["is_control"] = {"true", "false", "1", "0", "t", "f"}
_ENUMS["interactions"]["reason_code"] = set(REASON_CODES) | {"top-up"}
_ENUMS["interactions"]["resolved"] = {"true", "false", "1", "0"}
_NUMBERS: dict[str, tuple[str, ...]] = {
    "usage_monthly": (
        "revenue",
        "cost",
        "voice_minutes",
        "sms_count",
        "data_mb",
        "roaming_revenue",
    ),
    "transactions": ("amount",),
    "campaign_contacts": ("revenue",),
    "nps_responses": ("score",),
    "loyalty_events": ("points",),
    "subscriptions": ("monthly_commitment",),
    "campaigns": ("total_cost",),
}
_DATES: dict[str, tuple[str, ...]] = {
    "usage_monthly": ("billing_month",),
    "transactions": ("transaction_at",),
    "consent_events": ("event_at",),
    "contact_preferences": ("stated_at",),
    "campaigns": ("start_date", "end_date"),
    "campaign_contacts": ("contacted_at",),
    "interactions": ("started_at",),
    "nps_responses": ("responded_at",),
    "loyalty_events": ("event_at",),
    "suppressions": ("effective_from", "effective_to"),
    "subscriptions": ("activated_at", "deactivated_at", "contract_end_date"),
}
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%d.%m.%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%SZ",
    "%d.%m.%Y %H:%M",
    "%Y-%m",
)


def _is_date(text: str) -> bool:
    for fmt in _DATE_FORMATS:
        try:
            datetime.strptime(text, fmt)
        except ValueError:
            continue
        return True
    return False


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return "," not in text


def _invalid(table: str, row: dict[str, str]) -> bool:
    for column, allowed in _ENUMS.get(table, {}).items():
        if row[column] and row[column].strip().lower() not in allowed:
            return True
    if any(row[c] and not _is_number(row[c]) for c in _NUMBERS.get(table, ())):
        return True
    return any(row[c] and not _is_date(row[c]) for c in _DATES.get(table, ()))


def test_garbage_rows_in_every_table(out: Path) -> None:
    for table, columns in RAW_TABLES.items():
        rows = _read(out / f"{table}.csv")
        key = {
            "usage_monthly": ("subscription_id", "billing_month"),
            "contact_preferences": ("source_system", "source_record_id"),
            "crm_contacts": ("source_system", "source_record_id"),
        }.get(table, (columns[0],))
        keys = Counter(tuple(r[k] for k in key) for r in rows)
        duplicated = sum(c - 1 for c in keys.values() if c > 1)
        empty = sum(1 for r in rows if any(r[k] == "" for k in key))
        invalid = sum(1 for r in rows if _invalid(table, r))
        assert duplicated + empty + invalid > 0, table
        if len(rows) > 5000:
            assert (duplicated + empty + invalid) / len(rows) < 0.03, table
    usage = _read(out / "usage_monthly.csv")
    subs = {r["subscription_id"] for r in _read(out / "subscriptions.csv")}
    assert any(r["subscription_id"] not in subs for r in usage)
    campaigns = {r["campaign_id"] for r in _read(out / "campaigns.csv")}
    cc = _read(out / "campaign_contacts.csv")
    assert any(r["campaign_id"] not in campaigns for r in cc)
    subscriptions = _read(out / "subscriptions.csv")
    assert any(r["plan_type"].strip().lower() not in ("prepaid", "postpaid") for r in subscriptions)
    assert {"Prepaid ", "PREPAID"} & {r["plan_type"] for r in subscriptions}


def test_consent_events(out: Path, truth: list[dict[str, str]]) -> None:
    events = _read(out / "consent_events.csv")
    owner = {
        (t["source_system"], t["source_record_id"]): t["person_id"] for t in truth if t["person_id"]
    }
    orphans = [e for e in events if (e["source_system"], e["source_record_id"]) not in owner]
    assert 0 < len(orphans) / len(events) < 0.02
    grants: dict[tuple[str, str, str], list[tuple[str, str]]] = defaultdict(list)
    withdraws = []
    for e in events:
        person = owner.get((e["source_system"], e["source_record_id"]))
        if person is None:
            continue
        item = (person, e["channel"], e["purpose"])
        if e["action"] == "grant":
            grants[item].append((e["source_record_id"], e["event_at"]))
        elif e["action"] == "withdraw":
            withdraws.append((item, e["source_record_id"], e["event_at"]))
    assert len(withdraws) > 0.1 * len(events)
    other_record = sum(
        1 for item, rec, _ in withdraws if item in grants and all(r != rec for r, _ in grants[item])
    )
    ties = sum(1 for item, _, at in withdraws if any(a == at for _, a in grants.get(item, [])))
    assert other_record > 0 and ties > 0
    iso = [e["event_at"][:10] for e in events if re.match(r"\d{4}-\d\d-\d\d", e["event_at"])]
    assert min(iso) < "2024-10-31"  # grants older than 24 months exist
    assert {e["captured_via"] for e in events} >= {
        "web_form",
        "store",
        "call_center",
        "app",
        "paper",
    }


def test_campaign_control_groups_respond_less(out: Path) -> None:
    rows = _read(out / "campaign_contacts.csv")
    spelled = Counter(r["is_control"] for r in rows)
    assert {"true", "false"} <= set(spelled) and ({"1", "0"} & set(spelled))
    control = [r for r in rows if r["is_control"] in ("true", "1", "t")]
    treated = [r for r in rows if r["is_control"] in ("false", "0", "f")]
    assert 0.08 < len(control) / len(rows) < 0.25

    def rate(group: list[dict[str, str]]) -> float:
        return sum(r["outcome"] in ("responded", "converted") for r in group) / len(group)

    assert rate(control) < 0.7 * rate(treated)
    converted = [r for r in rows if r["outcome"] == "converted"]
    assert converted and all(
        float(r["revenue"]) > 0 for r in converted if re.fullmatch(r"\d+\.\d\d", r["revenue"])
    )
    assert {r["outcome"] for r in control} <= {
        "sent",
        "responded",
        "converted",
        "ignored",
        "pending",
    }


def test_campaign_effects_are_planted_per_person(out: Path) -> None:
    """One group per person and campaign; some campaigns without a control group; the truth
    file gives every campaign's planted uplift and the response rates its groups should show."""
    campaigns = {r["campaign_id"]: r for r in _read(out / "campaigns.csv") if r["campaign_id"]}
    effects = {r["campaign_id"]: r for r in _read(out / "truth" / "campaign_effects.csv")}
    assert set(effects) == {c for c in campaigns if c.startswith("CMP") and c in effects}
    assert len(effects) == 20 + N // 500
    for campaign_id, e in effects.items():
        assert e["offer_code"] == campaigns[campaign_id]["offer_code"]
        assert int(e["persons"]) == int(e["treated_persons"]) + int(e["control_persons"])
        assert float(e["true_uplift"]) == pytest.approx(
            float(e["true_treated_rate"]) - float(e["true_control_rate"]), abs=2e-6
        )
        assert float(e["true_uplift"]) >= 0
    without = {c for c, e in effects.items() if e["has_control_group"] == "false"}
    assert 0 < len(without) < 0.3 * len(effects)
    assert all(int(effects[c]["control_persons"]) == 0 for c in without)
    holder = {a["account_id"]: a["person_id"] for a in _read(out / "truth" / "accounts.csv")}
    groups: dict[tuple[str, str], set[bool]] = defaultdict(set)
    for r in _read(out / "campaign_contacts.csv"):
        if r["is_control"] in ("true", "1", "t", "false", "0", "f") and r["account_id"] in holder:
            groups[(r["campaign_id"], holder[r["account_id"]])].add(
                r["is_control"] in ("true", "1", "t")
            )
            if r["campaign_id"] in without:
                assert r["is_control"] not in ("true", "1", "t")
    both = sum(len(g) == 2 for g in groups.values())
    assert both <= 0.01 * len(groups)  # only garbage: a duplicated key with another value
    uplifts = [float(e["true_uplift"]) for e in effects.values()]
    assert 0.02 < sum(uplifts) / len(uplifts) < 0.15


def test_demo_data_is_what_the_generator_makes(tmp_path: Path) -> None:
    """seeds/demo/ is `crm-segments generate --customers 2000 --seed 42` byte for byte."""
    demo = Path(__file__).resolve().parents[2] / "seeds" / "demo"
    gen.generate(2000, 42, tmp_path, progress=False)
    assert _digests(tmp_path) == _digests(demo)


def test_campaign_outcomes_move_no_other_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outcomes have a stream of their own: drawing differently there changes the campaign
    contacts and their truth, nothing else."""
    gen.generate(800, 5, tmp_path / "a", progress=False, workers=1)
    original = gen.planted_contacts

    def other_draws(rows, traits, campaigns, rng, rnd):  # type: ignore[no-untyped-def]
        rng.random(7)
        rnd.random()
        return original(rows, traits, campaigns, rng, rnd)

    monkeypatch.setattr(gen, "planted_contacts", other_draws)
    gen.generate(800, 5, tmp_path / "b", progress=False, workers=1)
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    changed = {name for name in a if a[name] != b[name]}
    assert changed == {"campaign_contacts.csv", "truth/campaign_effects.csv"}


def test_subscriptions_usage_and_value_mix(out: Path) -> None:
    subs = _read(out / "subscriptions.csv")
    postpaid = [s for s in subs if s["plan_type"].strip().lower() == "postpaid"]
    assert 0.4 < len(postpaid) / len(subs) < 0.7
    churned = sum(1 for s in subs if s["deactivated_at"]) / len(subs)
    assert 0.1 < churned < 0.2
    years = Counter(s["activated_at"][:4] for s in subs if re.match(r"\d{4}-", s["activated_at"]))
    assert any(y < "2015" for y in years) and any(y == "2026" for y in years)
    active = [s for s in postpaid if not s["deactivated_at"]]
    with_end = sum(1 for s in active if s["contract_end_date"]) / len(active)
    assert with_end > 0.98  # postpaid contracts have an end date (bar a garbage row or two)
    prepaid = [s for s in subs if s["plan_type"] == "prepaid"]
    assert sum(1 for s in prepaid if s["contract_end_date"]) < 0.01 * len(prepaid)
    ids = {s["subscription_id"] for s in postpaid}
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for u in _read(out / "usage_monthly.csv"):
        try:
            revenue, cost, voice = float(u["revenue"]), float(u["cost"]), float(u["voice_minutes"])
        except ValueError:
            continue
        t = totals[u["subscription_id"]]
        t[0] += revenue
        t[1] += cost
        t[2] += voice
        t[3] += 1
    high_end = sum(
        1
        for k in ids
        if k in totals and totals[k][0] / totals[k][3] >= 120 and totals[k][2] / totals[k][3] >= 100
    )
    assert 0.07 < high_end / len(ids) < 0.2
    negative = sum(1 for t in totals.values() if t[1] > t[0])
    assert 0 < negative / len(totals) < 0.08
    currencies = Counter(r["currency"] for r in _read(out / "transactions.csv"))
    assert {"RON", "RUB", "CNY", "EUR"} <= set(currencies)


def test_suppressions_use_contact_data_as_written(
    out: Path, contacts: list[dict[str, str]]
) -> None:
    rows = _read(out / "suppressions.csv")
    reasons = Counter(r["reason"] for r in rows)
    assert reasons["erasure_request"] > 0 and reasons["do_not_contact"] > 0
    emails = {r["email"] for r in contacts}
    phones = {r["phone"] for r in contacts}
    accounts = {r["account_id"] for r in contacts}
    for r in rows:
        if r["scope_type"] == "email" and r["scope_value"]:
            assert r["scope_value"] in emails
        elif r["scope_type"] == "phone" and r["scope_value"]:
            assert r["scope_value"] in phones
        elif r["scope_type"] == "account" and r["scope_value"]:
            assert r["scope_value"] in accounts
    complaints = [r for r in rows if r["reason"] == "complaint"]
    assert all(r["effective_to"] for r in complaints)


def test_generates_chunk_by_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gen, "CHUNK_PERSONS", 250)
    calls: list[int] = []
    original = gen.generate_chunk

    def spy(plan: gen.Plan, index: int) -> dict[str, tuple[bytes, int]]:
        calls.append(index)
        return original(plan, index)

    monkeypatch.setattr(gen, "generate_chunk", spy)

    def peak(customers: int, where: Path) -> int:
        tracemalloc.start()
        try:
            gen.generate(customers, 3, where, progress=False, workers=1)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small = peak(250, tmp_path / "small")
    assert calls == [0]
    calls.clear()
    large = peak(2000, tmp_path / "large")
    assert calls == list(range(8))
    persons = _read(tmp_path / "large" / "truth" / "persons.csv")
    assert len(persons) == 2000
    # eight times the persons, about the same peak memory: nothing accumulates across chunks
    # (keeping the rows, or even just the encoded CSV, would add several MB)
    written = sum(p.stat().st_size for p in (tmp_path / "large").rglob("*.csv"))
    assert written > 4_000_000
    assert large - small < 0.5 * written


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        gen.generate(0, 1, tmp_path, progress=False)
    with pytest.raises(ValueError):
        gen.generate(10, -1, tmp_path, progress=False)
