"""The CDNOW purchase history mapped into the raw input contract (``crm-segments cdnow``).

CDNOW (an online CD shop) is the classic public data set of customer purchase behaviour: every
purchase of the 23,570 customers who bought for the first time in the first quarter of 1997,
up to the end of June 1998 (69,659 purchase rows). The PyPI package ``lifetimes`` bundles it as
``lifetimes/datasets/CDNOW_master.txt``: whitespace-separated ``customer_id date(YYYYMMDD)
number_of_cds dollar_value`` under one header line. Nobody on this team wrote it, so it checks
the RFM rules on someone else's data.

Mapping (CDNOW -> contract): one ``crm_contacts`` row per customer (source_system ``cdnow``,
source_record_id = the customer id, account_id ``cdnow:<id>``, e-mail ``customer<id>@cdnow.com``
so the record identifies one person, country ``US``; no name, phone or address: CDNOW has none)
and one ``transactions`` row per purchase row (transaction_id ``cdnow-<line>``, the line number
in the file, since a customer can have two rows on one day; transaction_at = the date at 12:00
UTC, so no time zone moves it to another day; amount = dollar_value; currency ``USD``;
transaction_type ``addon``). The other raw tables are not written: the loader makes them empty.
The RFM window ends on ``AS_OF`` (the last day of the data).

Where the file comes from (see ``package_data``): ``$CRM_SEGMENTS_CDNOW_DIR``; the ``datasets``
folder of an installed ``lifetimes`` (never imported: it is unmaintained and its imports break
on current pandas); the ``lifetimes`` wheel in the cache, fetched with ``pip download --no-deps``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from crm_segments.contract import RAW_TABLES
from crm_segments.datasets.package_data import PackageData
from crm_segments.errors import CdnowError

LIFETIMES_VERSION = "0.11.3"
"""The lifetimes release whose bundled CDNOW file is read (the wheel fetched if needed)."""

WHEEL = f"Lifetimes-{LIFETIMES_VERSION}-py3-none-any.whl"
FILENAME = "CDNOW_master.txt"
HEADER = ("customer_id", "date", "number_of_cds", "dollar_value")

AS_OF = date(1998, 6, 30)
"""The last day of the CDNOW history: the as-of date of RFM on it."""

PURCHASE_ROWS = 69_659
CUSTOMERS = 23_570
"""The data set's own figures (SPEC section 4, lifetimes' documentation)."""


class CdnowFiles(PackageData):
    """Reads CDNOW_master.txt from a folder, an installed lifetimes or its wheel."""

    error = CdnowError

    def __init__(self, download: bool = True) -> None:
        super().__init__(
            package="lifetimes",
            version=LIFETIMES_VERSION,
            wheel=WHEEL,
            folder="datasets",
            env_var="CRM_SEGMENTS_CDNOW_DIR",
            download=download,
        )


@dataclass(frozen=True)
class Purchase:
    """One row of CDNOW_master.txt."""

    line: int
    customer_id: str
    purchased_on: date
    cds: int
    dollars: Decimal


def read_cdnow(text: str) -> list[Purchase]:
    """The purchase rows of CDNOW_master.txt; a malformed line is an error naming the line."""
    lines = text.splitlines()
    if not lines or tuple(lines[0].split()) != HEADER:
        raise CdnowError(f"{FILENAME}: unexpected header {lines[0] if lines else '(empty)'!r}")
    purchases: list[Purchase] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != len(HEADER):
            raise CdnowError(f"{FILENAME} line {number}: {len(fields)} fields, expected 4")
        customer, day, cds, dollars = fields
        try:
            purchases.append(
                Purchase(
                    line=number,
                    customer_id=customer,
                    purchased_on=datetime.strptime(day, "%Y%m%d").date(),
                    cds=int(cds),
                    dollars=Decimal(dollars),
                )
            )
        except (ValueError, InvalidOperation) as exc:
            raise CdnowError(f"{FILENAME} line {number}: {exc}") from exc
    return purchases


@dataclass(frozen=True)
class CdnowResult:
    """What ``write_cdnow`` wrote."""

    out: Path
    customers: int
    purchases: int
    origin: str


def write_cdnow(out: Path, files: CdnowFiles | None = None) -> CdnowResult:
    """Write ``out/crm_contacts.csv`` and ``out/transactions.csv`` (see the module docstring)."""
    files = files or CdnowFiles()
    purchases = read_cdnow(files.read_text(FILENAME))
    out.mkdir(parents=True, exist_ok=True)
    customers = sorted({p.customer_id for p in purchases})
    with (out / "crm_contacts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=RAW_TABLES["crm_contacts"], restval="")
        writer.writeheader()
        for customer in customers:
            writer.writerow(
                {
                    "source_system": "cdnow",
                    "source_record_id": customer,
                    "account_id": f"cdnow:{customer}",
                    "email": f"customer{customer}@cdnow.com",
                    "country": "US",
                }
            )
    with (out / "transactions.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=RAW_TABLES["transactions"])
        writer.writeheader()
        for p in purchases:
            writer.writerow(
                {
                    "transaction_id": f"cdnow-{p.line}",
                    "account_id": f"cdnow:{p.customer_id}",
                    "transaction_at": f"{p.purchased_on.isoformat()}T12:00:00Z",
                    "amount": str(p.dollars),
                    "currency": "USD",
                    "transaction_type": "addon",
                }
            )
    return CdnowResult(
        out=out, customers=len(customers), purchases=len(purchases), origin=files.origin
    )
