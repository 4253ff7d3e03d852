{#- The golden record: one row per resolved person. Survivorship per field: usable (valid,
    non-junk) values first, then the var source_priority, then the most recent updated_at, then
    the contact_key (so ties are deterministic). Name parts and address parts each come from one
    record, so they stay consistent. -#}
{#- personal data, nulled for an erased person -#}
{% set pii_columns = [
    'first_name', 'last_name', 'full_name', 'email', 'phone_e164', 'phone_type',
    'address_line', 'postal_code', 'birth_date', 'national_id',
] %}
with

resolved as (

    select * from {{ ref('int_contacts_resolved') }}

),

people as (

    select
        customer_id,
        (
            array_agg(
                contact_key order by
                    (first_name is not null and last_name is not null) desc,
                    source_priority_rank asc, updated_at desc nulls last, contact_key asc
            )
        )[1] as name_key,
        (
            array_agg(email order by source_priority_rank asc, updated_at desc nulls last, contact_key asc)
            filter (where is_email_usable)
        )[1] as email,
        (
            array_agg(contact_key order by source_priority_rank asc, updated_at desc nulls last, contact_key asc)
            filter (where is_phone_usable)
        )[1] as phone_key,
        (
            array_agg(
                contact_key order by
                    (postal_code is not null and city is not null) desc,
                    source_priority_rank asc, updated_at desc nulls last, contact_key asc
            )
            filter (where address_line is not null)
        )[1] as address_key,
        (
            array_agg(country_code order by source_priority_rank asc, updated_at desc nulls last, contact_key asc)
            filter (where country_code is not null)
        )[1] as country_code,
        (
            array_agg(birth_date order by source_priority_rank asc, updated_at desc nulls last, contact_key asc)
            filter (where birth_date is not null)
        )[1] as birth_date,
        (
            array_agg(national_id order by source_priority_rank asc, updated_at desc nulls last, contact_key asc)
            filter (where is_national_id_valid)
        )[1] as national_id,
        array_remove(array_agg(distinct account_id order by account_id), null) as account_ids,
        array_agg(distinct source_system order by source_system) as source_systems,
        count(distinct source_system) as source_count,
        count(*) as record_count,
        min(updated_at) as first_seen_at,
        max(updated_at) as last_seen_at
    from resolved
    group by customer_id

),

final as (

    select
        people.customer_id,
        name_records.first_name,
        name_records.last_name,
        name_records.full_name,
        people.email,
        phone_records.phone_e164,
        phone_records.phone_type,
        address_records.address_line,
        address_records.city,
        address_records.postal_code,
        people.birth_date,
        people.national_id,
        people.account_ids,
        people.source_systems,
        people.source_count::integer as source_count,
        people.record_count::integer as record_count,
        people.first_seen_at,
        people.last_seen_at,
        coalesce(address_records.country_code, people.country_code) as country_code,
        cardinality(people.account_ids) = 0 as is_prospect
    from people
    inner join resolved as name_records
        on people.name_key = name_records.contact_key
    left join resolved as phone_records
        on people.phone_key = phone_records.contact_key
    left join resolved as address_records
        on people.address_key = address_records.contact_key

),

-- erasure: an erased person keeps the row (aggregates stay right) without personal data
erased as (

    select customer_id from {{ ref('int_customers_erased') }}

),

redacted as (

    select
        final.customer_id,
        final.city,
        final.account_ids,
        final.source_systems,
        final.source_count,
        final.record_count,
        final.first_seen_at,
        final.last_seen_at,
        final.country_code,
        final.is_prospect,
        {%- for column in pii_columns %}
            case when erased.customer_id is null then final.{{ column }} end as {{ column }},
        {%- endfor %}
        erased.customer_id is not null as is_erased
    from final
    left join erased
        on final.customer_id = erased.customer_id

)

select * from redacted
