"""``crm-segments erase --purge-raw``: erased persons' personal data out of the raw tables too.

A build removes an erased person's data from every table the project writes (staging and
intermediate by ``scrub_erased_pii``, the marts by their rules, older published versions by
being dropped). The raw schema is the operator's landing zone, so it is left alone unless asked:
this command redacts it, in one transaction, after a build has resolved who is erased:

- ``crm_contacts``: the rows of the erased persons' contact records (also their quarantined
  copies, found by their raw key through the base view) and rows carrying one of their e-mails,
  national ids or phone numbers in any form lose names, birth date, national id, e-mail, phone,
  street address and postal code; keys stay;
- ``subscriptions``: the msisdn of their accounts;
- ``suppressions``: the e-mail or phone of an erasure request reaching them is replaced by its
  hash (``sha256:<hex>`` of the standardized value), which still finds the person if a source
  system sends their data again; other suppressions of their addresses lose the address.

Each table's count goes into the load log (mode ``erase``, action ``erased``). The next build
no longer links the redacted records to anybody: they are quarantined as unidentifiable, and
the person leaves the marts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from crm_segments import __version__, project_vars
from crm_segments.contract import RAW_TABLES
from crm_segments.db import table_exists
from crm_segments.errors import EraseError
from crm_segments.load import ensure_log


def contact_pii_columns() -> tuple[str, ...]:
    """The crm_contacts columns that purge nulls: the dbt var pii_raw_fields (the same list the
    build removes from erased persons' quarantined raw rows), in contract order."""
    fields = set(project_vars.value("pii_raw_fields") or ())
    return tuple(c for c in RAW_TABLES["crm_contacts"] if c in fields)


@dataclass
class PurgeResult:
    """Rows redacted per raw table, and the batch that logged them."""

    batch_id: int
    rows: dict[str, int]
    persons: int


def purge_raw(
    conn: psycopg.Connection[Any], *, raw: str, staging: str, intermediate: str
) -> PurgeResult:
    """Redact erased persons' rows in the raw tables (one transaction); see the module doc."""
    for schema, table in (
        (intermediate, "int_customers_erased"),
        (intermediate, "int_contacts_resolved"),
        (intermediate, "int_contact_identifiers"),
        (intermediate, "int_suppressions_resolved"),
        (staging, "base_crm__contacts"),
    ):
        if not table_exists(conn, schema, table):
            raise EraseError(
                f"{schema}.{table} does not exist: run `crm-segments build` first, so that the "
                "erasure requests are resolved to persons"
            )
    ids = {
        "raw": sql.Identifier(raw),
        "staging": sql.Identifier(staging),
        "inter": sql.Identifier(intermediate),
    }
    rows: dict[str, int] = {}
    with conn.transaction():
        conn.execute(
            sql.SQL(
                """
                create temporary table crm_purge_records on commit drop as
                select records.source_system, records.source_record_id, records.customer_id
                from {inter}.int_contacts_resolved as records
                inner join {inter}.int_customers_erased as erased using (customer_id);

                create temporary table crm_purge_values on commit drop as
                select distinct ids.identifier_type, ids.identifier_value
                from {inter}.int_contact_identifiers as ids
                inner join {inter}.int_contacts_resolved as records using (contact_key)
                inner join {inter}.int_customers_erased as erased using (customer_id)
                where ids.identifier_type in ('email', 'mobile', 'landline', 'national_id');

                -- the raw keys of their records, as typed (the base view trims them): one pass
                -- over the view, then a hash join (a correlated probe of the view per raw row
                -- is quadratic). A resolved record has both keys, so plain equality finds it.
                create temporary table crm_purge_raw_keys on commit drop as
                select distinct base.source_system, base.source_record_id
                from {staging}.base_crm__contacts as base
                inner join crm_purge_records as erased
                    on base._key_source_system = erased.source_system
                    and base._key_source_record_id = erased.source_record_id;
                analyze crm_purge_raw_keys;
                """
            ).format(**ids)
        )
        persons = conn.execute(
            "select count(distinct customer_id) from crm_purge_records"
        ).fetchone()[0]  # type: ignore[index]
        assignments = sql.SQL(", ").join(
            sql.SQL("{} = null").format(sql.Identifier(c)) for c in contact_pii_columns()
        )
        cur = conn.execute(
            sql.SQL(
                """
                update {raw}.crm_contacts as contacts
                set {assignments}
                where
                    exists (
                        select from crm_purge_raw_keys as erased
                        where erased.source_system = contacts.source_system
                            and erased.source_record_id = contacts.source_record_id
                    )
                    or lower(trim(contacts.email)) in (
                        select identifier_value from crm_purge_values
                        where identifier_type = 'email'
                    )
                    or upper(regexp_replace(contacts.national_id, '[^0-9A-Za-z]', '', 'g')) in (
                        select upper(split_part(identifier_value, ':', 2))
                        from crm_purge_values where identifier_type = 'national_id'
                    )
                    or exists (
                        select from crm_purge_values as phones
                        where phones.identifier_type in ('mobile', 'landline')
                            and length(regexp_replace(contacts.phone, '\\D', '', 'g')) >= 9
                            and substr(phones.identifier_value, 2)
                                like '%' || right(regexp_replace(contacts.phone, '\\D', '', 'g'), 9)
                    )
                """
            ).format(assignments=assignments, **ids)
        )
        rows["crm_contacts"] = cur.rowcount
        cur = conn.execute(
            sql.SQL(
                """
                update {raw}.subscriptions as subscriptions
                set msisdn = null
                where trim(subscriptions.account_id) in (
                    select holders.account_id
                    from {inter}.int_accounts_resolved as holders
                    inner join {inter}.int_customers_erased as erased using (customer_id)
                )
                and subscriptions.msisdn is not null
                """
            ).format(**ids)
        )
        rows["subscriptions"] = cur.rowcount
        cur = conn.execute(
            sql.SQL(
                """
                update {raw}.suppressions as suppressions
                set scope_value = case
                    when reach.reason = 'erasure_request' then reach.scope_address_hash
                end
                from (
                    -- the hash, not scope_address: the build that published scrubbed that
                    select distinct on (suppression_id) suppression_id, reason, scope_address_hash
                    from {inter}.int_suppressions_resolved
                    where customer_id in (select customer_id from {inter}.int_customers_erased)
                        and scope_type in ('email', 'phone')
                    order by suppression_id, scope_address_hash
                ) as reach
                where trim(suppressions.suppression_id) = reach.suppression_id
                    and suppressions.scope_value not like 'sha256:%'
                """
            ).format(**ids)
        )
        rows["suppressions"] = cur.rowcount
        log = ensure_log(conn, raw)
        conn.execute(sql.SQL("lock table {} in exclusive mode").format(log))
        batch = conn.execute(sql.SQL("select coalesce(max(batch_id), 0) + 1 from {}").format(log))
        batch_id = int(batch.fetchone()[0])  # type: ignore[index]
        for table, count in rows.items():
            conn.execute(
                sql.SQL(
                    "insert into {} (batch_id, loaded_at, mode, table_name, action, file_name,"
                    " content_sha256, row_count, loaded_by) "
                    "values (%s, clock_timestamp(), 'erase', %s, 'erased', null, null, %s, %s)"
                ).format(log),
                (batch_id, table, count, f"crm-segments {__version__}"),
            )
    return PurgeResult(batch_id=batch_id, rows=rows, persons=int(persons))
