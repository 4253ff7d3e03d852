{#- Quarantined raw rows that belong to an erased person, so that dq_quarantine can remove
    their PII values: rows naming a contact record (source_system, source_record_id) that was
    resolved to the person, rows naming an account the person holds, and rows carrying one of
    the person's usable e-mails, usable phones or valid national ids in any field (e.g. a copy
    of their record without a key, or a suppression of their e-mail or phone whose id is
    missing): the e-mail and national id compared standardized, and every raw field compared
    whole (trimmed, lower-cased) and, for phones, by its digits: the E.164 digits, or the
    national number alone or after a trunk prefix 0 or 8 (a phone typed 0722 123 456). -#}
with

quarantined as (

    select
        quarantine_id,
        {{ crm_segments.normalize_code("raw_record ->> 'source_system'") }} as source_system,
        {{ crm_segments.trimmed("raw_record ->> 'source_record_id'") }} as source_record_id,
        {{ crm_segments.trimmed("raw_record ->> 'account_id'") }} as account_id,
        {{ crm_segments.standardize_email("raw_record ->> 'email'") }} as email,
        {{ crm_segments.standardize_national_id("raw_record ->> 'national_id'") }} as national_id
    from {{ ref('int_source_rows_quarantined') }}
    -- offset 0 is a fence: each value is standardized once, not once per comparison
    /* noqa: AM09 */ offset 0

),

erased_records as (

    select records.*
    from {{ ref('int_contacts_resolved') }} as records
    inner join {{ ref('int_customers_erased') }} as erased
        on records.customer_id = erased.customer_id

),

by_record as (

    select quarantined.quarantine_id
    from quarantined
    inner join erased_records
        on
            quarantined.source_system = erased_records.source_system
            and quarantined.source_record_id = erased_records.source_record_id

),

by_account as (

    select quarantined.quarantine_id
    from quarantined
    inner join {{ ref('int_accounts_resolved') }} as holders
        on quarantined.account_id = holders.account_id
    inner join {{ ref('int_customers_erased') }} as erased
        on holders.customer_id = erased.customer_id

),

by_email as (

    select quarantined.quarantine_id
    from quarantined
    inner join erased_records
        on quarantined.email = erased_records.email
    where erased_records.is_email_usable

),

by_national_id as (

    select quarantined.quarantine_id
    from quarantined
    inner join erased_records
        on quarantined.national_id = erased_records.national_id
    where erased_records.is_national_id_valid

),

erased_keys as (

    select distinct
        lower(pii.pii_value) as value_key,
        case when pii.pii_value like '+%' then regexp_replace(pii.pii_value, '\D', '', 'g') end as digit_key
    from erased_records
    cross join
        lateral (
            values
            (case when erased_records.is_email_usable then erased_records.email end),
            (case when erased_records.is_phone_usable then erased_records.phone_e164 end),
            (case when erased_records.is_national_id_valid then erased_records.national_id end)
        ) as pii (pii_value)
    where pii.pii_value is not null

    union

    -- a usable phone typed in national form: its national number, alone or after a trunk
    -- prefix (0 in most numbering plans, 8 in Russia and Kazakhstan): 0722 123 456
    select distinct
        null as value_key,
        national_forms.digit_key
    from erased_records
    cross join
        lateral (
            values
            (erased_records.phone_national_number),
            ('0' || erased_records.phone_national_number),
            ('8' || erased_records.phone_national_number)
        ) as national_forms (digit_key)
    where erased_records.is_phone_usable and erased_records.phone_national_number is not null

),

raw_values as (

    select
        quarantined_rows.quarantine_id,
        lower(btrim(raw_fields.field_value)) as value_key,
        regexp_replace(raw_fields.field_value, '\D', '', 'g') as digit_key
    from {{ ref('int_source_rows_quarantined') }} as quarantined_rows
    cross join lateral jsonb_each_text(quarantined_rows.raw_record) as raw_fields (field_name, field_value)
    where raw_fields.field_value is not null

),

-- two hash joins (an OR in one join condition would be a nested loop)
by_value as (

    select raw_values.quarantine_id
    from raw_values
    inner join erased_keys
        on raw_values.value_key = erased_keys.value_key
    union
    select raw_values.quarantine_id
    from raw_values
    inner join erased_keys
        on raw_values.digit_key = erased_keys.digit_key

),

final as (

    select quarantine_id from by_record
    union
    select quarantine_id from by_account
    union
    select quarantine_id from by_email
    union
    select quarantine_id from by_national_id
    union
    select quarantine_id from by_value

)

select * from final
