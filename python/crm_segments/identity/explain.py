"""Why a contact record belongs to its person (``crm-segments identity explain KEY``).

Reads what the resolution models stored: the record (int_contacts_standardized), its person
and the person's other records (int_contacts_resolved), and every candidate pair the record is
in (int_contact_pair_matches), with each field's comparison level and its weight in the
match-weight model in use (int_identity_match_weights) as a waterfall from the prior to the
pair's match weight, and the decision: the rule that matched the pair, the weight, or the
guard that vetoed it. A record that was not resolved says why
(int_contacts_unresolvable, or quarantined: int_source_rows_quarantined).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from psycopg import sql
from rich.console import Group
from rich.table import Table
from rich.text import Text

from crm_segments.errors import ExplainError

#: the fields of the match-weight model (macro match_levels), as explain names them
FIELDS = {
    "first_name": "given name",
    "last_name": "family name",
    "birth_date": "birth date",
    "national_id": "national id",
    "email": "e-mail",
    "mobile": "mobile",
    "landline": "landline",
    "account": "billing account",
    "address": "address",
    "postal_code": "postal code",
    "city": "city",
}

PAIR_COLUMNS = (
    "block_types",
    "are_names_swapped",
    "has_national_id_conflict",
    *(f"{name}_comparison" for name in FIELDS),
    "match_weight",
    "match_probability",
    "match_model_version",
    "match_rule",
    "match_score",
    "rejection_reason",
)


@dataclass
class Explanation:
    """What the resolution stored about one record."""

    contact_key: str
    status: str  # resolved, unresolvable, quarantined
    record: dict[str, Any] = field(default_factory=dict)
    customer_id: str | None = None
    person_records: list[dict[str, Any]] = field(default_factory=list)
    pairs: list[dict[str, Any]] = field(default_factory=list)
    #: (field, level) -> log2 Bayes factor of the model in use; ("prior", "match") its prior
    weights: dict[tuple[str, str], float] = field(default_factory=dict)


def split_key(key: str) -> tuple[str, str]:
    """``SOURCE_SYSTEM:RECORD_ID`` -> (source system lower-cased, record id)."""
    system, colon, record_id = key.partition(":")
    if not colon or not system.strip() or not record_id.strip():
        raise ExplainError(f"expected SOURCE_SYSTEM:RECORD_ID (e.g. crm:C000123), not {key!r}")
    return system.strip().lower(), record_id.strip()


def explain(conn: Any, key: str, intermediate_schema: str = "intermediate") -> Explanation:
    """Read the record ``key`` and its decisions from the resolution models."""
    system, record_id = split_key(key)
    schema = sql.Identifier(intermediate_schema)

    def rows(query: str, *params: Any) -> list[dict[str, Any]]:
        cursor = conn.execute(sql.SQL(query).format(schema=schema), params)
        names = [c.name for c in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    found = rows(
        "select contact_key, source_system, source_record_id, first_name, last_name, "
        "birth_date, email, phone_e164, national_id, account_id, address_line, postal_code, city "
        "from {schema}.int_contacts_standardized "
        "where lower(source_system) = %s and source_record_id = %s",
        system,
        record_id,
    )
    if not found:
        quarantined = rows(
            "select distinct reason_code from {schema}.int_source_rows_quarantined "
            "where source_table = 'crm_contacts' and source_key = %s order by 1",
            f"{system}|{record_id}",
        )
        if quarantined:
            return Explanation(
                f"{system}:{record_id}",
                "quarantined",
                {"reasons": [r["reason_code"] for r in quarantined]},
            )
        raise ExplainError(f"no contact record {system}:{record_id} in {intermediate_schema}")
    record = found[0]
    contact_key = record["contact_key"]
    explanation = Explanation(contact_key, "resolved", record)
    resolved = rows(
        "select customer_id from {schema}.int_contacts_resolved where contact_key = %s",
        contact_key,
    )
    if not resolved:
        explanation.status = "unresolvable"
        return explanation
    explanation.customer_id = resolved[0]["customer_id"]
    explanation.person_records = rows(
        "select contact_key, first_name, last_name, birth_date, match_rule, match_score "
        "from {schema}.int_contacts_resolved where customer_id = %s order by contact_key",
        explanation.customer_id,
    )
    columns = ", ".join(PAIR_COLUMNS)
    explanation.pairs = rows(
        "select case when left_contact_key = %s then right_contact_key else left_contact_key "
        f"end as other_key, {columns} from {{schema}}.int_contact_pair_matches "
        "where left_contact_key = %s or right_contact_key = %s "
        "order by match_rule is null, match_score desc nulls last, other_key",
        contact_key,
        contact_key,
        contact_key,
    )
    explanation.weights = {
        (r["field"], r["level"]): float(r["log2_bayes_factor"])
        for r in rows(
            "select field, level, log2_bayes_factor from {schema}.int_identity_match_weights"
        )
    }
    person = {r["contact_key"] for r in explanation.person_records}
    for pair in explanation.pairs:
        pair["same_person"] = pair["other_key"] in person
    return explanation


def render(explanation: Explanation) -> Group:
    """The explanation as rich tables: the record, its person, its pairs."""
    record = explanation.record
    name = " ".join(str(record.get(k) or "") for k in ("first_name", "last_name")).strip()
    if explanation.status == "quarantined":
        reasons = ", ".join(record["reasons"])
        return Group(Text(f"{explanation.contact_key}: quarantined ({reasons}), see dq_quarantine"))
    if explanation.status == "unresolvable":
        return Group(
            Text(
                f"{explanation.contact_key} ({name or 'no name'}): not resolved - no name and no "
                "usable identifier (int_contacts_unresolvable, dq_quarantine)"
            )
        )
    head = Text(
        f"{explanation.contact_key} ({name or 'no name'}, born {record.get('birth_date') or '?'})"
        f" is customer {explanation.customer_id}, with {len(explanation.person_records)} record(s)"
    )
    people = Table(title="the person's records", title_justify="left")
    for column in ("record", "name", "birth date", "joined by", "score"):
        people.add_column(column, no_wrap=column in ("record", "joined by"))
    for r in explanation.person_records:
        people.add_row(
            r["contact_key"],
            f"{r['first_name'] or ''} {r['last_name'] or ''}".strip(),
            str(r["birth_date"] or ""),
            r["match_rule"] or "",
            "" if r["match_score"] is None else f"{r['match_score']:.2f}",
        )
    pairs = Text()
    for p in explanation.pairs:
        pairs.append(
            f"\npair with {p['other_key']} (same person: {'yes' if p['same_person'] else 'no'}), "
            f"shared keys: {(p['block_types'] or '').replace(',', ', ')}\n",
            style="bold",
        )
        for label, level, bits in waterfall(p, explanation.weights):
            pairs.append(f"  {label:<26}{level:<42}{bits}\n")
        if p["match_rule"]:
            pairs.append(f"  -> match: {p['match_rule']} ({p['match_score']:.2f})\n", style="green")
        else:
            pairs.append(f"  -> rejected: {p['rejection_reason']}\n", style="red")
    if not explanation.pairs:
        return Group(head, people, Text("no candidate pairs: the record shares no blocking key"))
    return Group(head, people, Text("candidate pairs (records sharing a blocking key):"), pairs)


def waterfall(
    pair: dict[str, Any], weights: dict[tuple[str, str], float]
) -> list[tuple[str, str, str]]:
    """(field, level, weight) lines from the prior to the pair's match weight: each field's
    comparison level and its log2 Bayes factor (a missing field adds nothing), the
    term-frequency adjustment of equal common values, and the total with its probability."""
    lines = [
        ("prior", f"model v{pair['match_model_version']}", bits(weights.get(("prior", "match"))))
    ]
    total = weights.get(("prior", "match"), 0.0)
    for name, label in FIELDS.items():
        level = pair[f"{name}_comparison"] or "missing"
        if name == "first_name" and pair["are_names_swapped"]:
            level += " (given and family name exchanged)"
        if name == "national_id" and pair["has_national_id_conflict"]:
            level += " (two valid ids: a conflict)"
        factor = weights.get((name, (pair[f"{name}_comparison"] or "missing")), 0.0)
        total += factor
        lines.append((label, level, bits(factor) if factor else "  0"))
    weight = pair["match_weight"]
    if weight is not None:
        adjustment = float(weight) - total
        if abs(adjustment) >= 0.005:
            lines.append(("common values (frequency)", "", bits(adjustment)))
        lines.append(
            (
                "= match weight",
                f"probability {float(pair['match_probability']):.4f}",
                bits(float(weight)),
            )
        )
    return lines


def bits(value: float | None) -> str:
    """A log2 Bayes factor as printed: +7.45."""
    return "?" if value is None else f"{value:+.2f}"
