"""RFM on data nobody on the team wrote: the CDNOW purchase history (PyPI ``lifetimes``).

``crm-segments cdnow`` maps it into the raw contract; the dbt RFM models run on it as of the
last day of the data; an independent pandas computation of the SPEC's RFM rule (12-month
window, rank quintiles with ties sharing the lower score, the seed's segment map) from the
written CSV files must give exactly the same recency, frequency, monetary value, scores and
segment for every one of the 23,570 customers.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
import pytest
from psycopg.rows import dict_row

from crm_segments.datasets import cdnow

from .conftest import PROJECT_DIR, run_cli

REFERENCE = PROJECT_DIR / "seeds" / "reference"
BUCKETS = 5


def seed(name: str) -> list[dict[str, str]]:
    with (REFERENCE / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_reads_the_whole_history() -> None:
    purchases = cdnow.read_cdnow(cdnow.CdnowFiles().read_text(cdnow.FILENAME))
    assert len(purchases) == cdnow.PURCHASE_ROWS
    assert len({p.customer_id for p in purchases}) == cdnow.CUSTOMERS
    assert min(p.purchased_on for p in purchases) == date(1997, 1, 1)
    assert max(p.purchased_on for p in purchases) == cdnow.AS_OF


def test_malformed_lines_are_named() -> None:
    with pytest.raises(cdnow.CdnowError, match="header"):
        cdnow.read_cdnow("id day cds dollars\n")
    with pytest.raises(cdnow.CdnowError, match="line 3"):
        cdnow.read_cdnow("customer_id date number_of_cds dollar_value\n1 19970101 1 1.0\n2 1997\n")


def rfm_by_pandas(data: Path) -> pd.DataFrame:
    """SPEC section 3 RFM, computed from the CSV files written by ``crm-segments cdnow``."""
    rate = {r["currency"]: Decimal(r["rate_to_reporting"]) for r in seed("currency_rates")}
    tx = pd.read_csv(data / "transactions.csv", dtype=str)
    tx["customer"] = tx["account_id"].str.removeprefix("cdnow:")
    tx["day"] = pd.to_datetime(tx["transaction_at"].str[:10]).dt.date
    tx["amount"] = [Decimal(a) * rate[c] for a, c in zip(tx["amount"], tx["currency"], strict=True)]
    as_of = cdnow.AS_OF
    window_after = date(as_of.year - 1, as_of.month, as_of.day)
    tx = tx[tx["day"] <= as_of]
    in_window = tx[tx["day"] > window_after]
    out = pd.DataFrame({"last": tx.groupby("customer")["day"].max()})
    out["frequency"] = in_window.groupby("customer").size()
    out["monetary"] = in_window.groupby("customer")["amount"].sum()
    out["frequency"] = out["frequency"].fillna(0).astype(int)
    out["monetary"] = [m if isinstance(m, Decimal) else Decimal(0) for m in out["monetary"]]
    out["recency_days"] = [(as_of - d).days for d in out["last"]]
    scored = out["frequency"] > 0
    n = int(scored.sum())

    def score(values: pd.Series) -> pd.Series:
        # rank() in SQL: ties share the lowest rank; score = 1 + floor(5 * (rank - 1) / n)
        ranks = values.rank(method="min").astype(int)
        return 1 + (BUCKETS * (ranks - 1)) // n

    population = out[scored]
    out["r_score"] = score(-population["recency_days"])
    out["f_score"] = score(population["frequency"])
    out["m_score"] = score(population["monetary"])
    for column in ("r_score", "f_score", "m_score"):
        out[column] = out[column].fillna(1).astype(int)
    out["fm_score"] = (out["f_score"] + out["m_score"] + 1) // 2
    segments = seed("rfm_segment_map")

    def segment(r: int, fm: int) -> str:
        hits = [
            s["rfm_segment"]
            for s in segments
            if int(s["r_score_min"]) <= r <= int(s["r_score_max"])
            and int(s["fm_score_min"]) <= fm <= int(s["fm_score_max"])
        ]
        assert len(hits) == 1, (r, fm, hits)
        return hits[0]

    pairs = zip(out["r_score"], out["fm_score"], strict=True)
    out["rfm_segment"] = [segment(r, fm) for r, fm in pairs]
    return out


@pytest.mark.e2e
def test_rfm_on_cdnow_equals_pandas(embedded_pg: Any, tmp_path: Path) -> None:
    data = tmp_path / "cdnow"
    done = run_cli("cdnow", "--out", str(data))
    assert done.returncode == 0, done.stdout + done.stderr
    done = run_cli("load", str(data))
    assert done.returncode == 0, done.stdout + done.stderr
    done = run_cli(
        "build", "--full-refresh", "--select", "+int_customer_rfm",
        "--vars", "{as_of_date: '" + cdnow.AS_OF.isoformat() + "'}",
        env={"DBT_INDIRECT_SELECTION": "cautious"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr

    with psycopg.connect(embedded_pg.url, row_factory=dict_row) as conn:
        rows = conn.execute(
            "select contacts.source_record_id as customer, rfm.* "
            "from intermediate.int_customer_rfm as rfm "
            "join intermediate.int_contacts_resolved as contacts using (customer_id)"
        ).fetchall()
    ours = pd.DataFrame(rows).set_index("customer").sort_index()
    expected = rfm_by_pandas(data).sort_index()

    assert len(ours) == cdnow.CUSTOMERS, "every CDNOW customer is one person with an RFM row"
    assert list(ours.index) == list(expected.index)
    assert (ours["last_transaction_date"] == expected["last"]).all()
    for column in ("recency_days", "frequency", "r_score", "f_score", "m_score", "fm_score"):
        assert (ours[column].astype(int) == expected[column]).all(), column
    assert list(ours["monetary"]) == list(expected["monetary"]), "monetary, exactly (Decimal)"
    assert (ours["rfm_segment"] == expected["rfm_segment"]).all()
    # the data set's shape: about a third of the customers (8,332) bought in the last 12 months
    assert 0.3 < ours["is_scored"].mean() < 0.7
