-- Invariant: no personal data of a person reached by an erasure_request in any mart: customers
-- keeps the row with every PII column NULL, campaign_audience has no row, identity_graph_audit
-- shows none of the person's identifiers nor a digest of one, and no dq_quarantine raw_record holds one of the
-- person's identifying values: a usable e-mail, a usable phone in E.164 (or its digits) or a
-- valid national id, as a whole field value.
-- (Names and street addresses are not searched in raw records: other persons share them, e.g.
-- the common name "Ana Popescu" or a household's address; rows of the person are found by key.)
with

erased as (

    select customer_id from {{ ref('int_customers_erased') }}

),

erased_values as (

    select distinct pii.pii_value
    from {{ ref('int_contacts_resolved') }} as records
    inner join erased
        on records.customer_id = erased.customer_id
    cross join
        lateral (
            values
            (case when records.is_email_usable then records.email end),
            (case when records.is_phone_usable then records.phone_e164 end),
            (case when records.is_national_id_valid then records.national_id end)
        ) as pii (pii_value)
    where pii.pii_value is not null

),

-- equality joins, not a substring search of every raw record for every value (that grew with
-- quarantined rows x erased values: 15+ minutes at 1M customers): each raw field is compared
-- trimmed and lower-cased, and phones also by their digits (raw phones are typed with spaces)
erased_keys as (

    select
        lower(pii_value) as value_key,
        case when pii_value like '+%' then regexp_replace(pii_value, '\D', '', 'g') else '' end as digit_key
    from erased_values

),

quarantine_values as (

    select
        quarantine.quarantine_id,
        lower(btrim(raw_fields.field_value)) as value_key,
        regexp_replace(raw_fields.field_value, '\D', '', 'g') as digit_key
    from {{ ref('dq_quarantine') }} as quarantine
    cross join lateral jsonb_each_text(quarantine.raw_record) as raw_fields (field_name, field_value)
    where raw_fields.field_value is not null

),

-- two hash joins (an OR in one join condition would be a nested loop again)
quarantine_hits as (

    select quarantine_values.quarantine_id
    from quarantine_values
    inner join erased_keys
        on quarantine_values.value_key = erased_keys.value_key
    union
    select quarantine_values.quarantine_id
    from quarantine_values
    inner join erased_keys
        on quarantine_values.digit_key = erased_keys.digit_key
    where erased_keys.digit_key != ''

),

-- the row id an audit row would have if it showed an erased identifier in any section
audit_sections as (

    select distinct
        audit_section,
        identifier_type
    from {{ ref('identity_graph_audit') }}

),

erased_audit_row_ids as (

    select
        md5(concat_ws('|', audit_sections.audit_section, audit_sections.identifier_type, erased_ids.identifier_value))
            as audit_row_id
    from {{ ref('int_identity_audit__erased_identifiers') }} as erased_ids
    cross join audit_sections
    where erased_ids.identifier_value is not null

)

select
    customers.customer_id,
    'customers' as mart
from {{ ref('customers') }} as customers
inner join erased
    on customers.customer_id = erased.customer_id
where
    not customers.is_erased
    or num_nonnulls(
        customers.first_name, customers.last_name, customers.full_name, customers.email,
        customers.phone_e164, customers.address_line, customers.postal_code,
        customers.birth_date, customers.national_id
    ) > 0
union all
select
    audience.customer_id,
    'campaign_audience' as mart
from {{ ref('campaign_audience') }} as audience
inner join erased
    on audience.customer_id = erased.customer_id
union all
select
    audit_rows.item,
    'identity_graph_audit' as mart
from {{ ref('identity_graph_audit') }} as audit_rows
inner join erased_values
    on audit_rows.item = erased_values.pii_value
union all
-- nor a digest of one of their identifiers (any type, junk ones too), in the item or the row id
-- (a phone number's md5 is found again by trying every number)
select
    audit_rows.item,
    'identity_graph_audit' as mart
from {{ ref('identity_graph_audit') }} as audit_rows
inner join {{ ref('int_identity_audit__erased_identifiers') }} as erased_ids
    on audit_rows.item = '(erased) ' || md5(erased_ids.identifier_value)
union all
select
    audit_rows.item,
    'identity_graph_audit' as mart
from {{ ref('identity_graph_audit') }} as audit_rows
inner join erased_audit_row_ids
    on audit_rows.audit_row_id = erased_audit_row_ids.audit_row_id
union all
select
    quarantine_id,
    'dq_quarantine' as mart
from quarantine_hits
