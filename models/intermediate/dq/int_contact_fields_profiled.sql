{#- One row per staged contact record and scored field: did the field arrive (present, read
    from the staged record), did it pass standardization (valid, from
    int_contacts_standardized), and the standardized value duplicates are counted on.
    A view: dq_scorecard aggregates it. -#}
{{ config(materialized='view') }}
with

staged as (

    select * from {{ ref('stg_crm__contacts') }}

),

standardized as (

    select * from {{ ref('int_contacts_standardized') }}

),

joined as (

    select
        standardized.*,
        staged.first_name as raw_first_name,
        staged.last_name as raw_last_name,
        staged.full_name as raw_full_name,
        staged.national_id as raw_national_id,
        staged.email as raw_email,
        staged.phone as raw_phone,
        staged.address_line as raw_address_line,
        staged.city as raw_city,
        staged.postal_code as raw_postal_code,
        staged.country as raw_country,
        staged.birth_date is not null or 'birth_date' = any(staged.invalid_fields) as has_raw_birth_date
    from standardized
    inner join staged
        on
            standardized.source_system = staged.source_system
            and standardized.source_record_id = staged.source_record_id

),

final as (

    select
        joined.contact_key,
        joined.source_system,
        field_checks.field_name,
        field_checks.is_present,
        field_checks.is_present and field_checks.is_valid as is_valid,
        case when field_checks.is_present and field_checks.is_valid then field_checks.value_key end as value_key
    from joined
    cross join lateral (
        values
        (
            'first_name',
            coalesce(joined.raw_first_name, joined.raw_full_name) is not null,
            joined.first_name_key is not null and not coalesce(joined.is_name_placeholder, false),
            joined.first_name_key
        ),
        (
            'last_name',
            coalesce(joined.raw_last_name, joined.raw_full_name) is not null,
            joined.last_name_key is not null and not coalesce(joined.is_name_placeholder, false),
            joined.last_name_key
        ),
        (
            'birth_date',
            joined.has_raw_birth_date,
            joined.birth_date is not null,
            joined.birth_date::text
        ),
        (
            'national_id',
            joined.raw_national_id is not null,
            -- ids without a checksum rule count as valid once standardized
            coalesce(joined.is_national_id_valid, joined.national_id is not null),
            joined.national_id
        ),
        (
            'email',
            joined.raw_email is not null,
            coalesce(joined.is_email_valid, false),
            joined.email
        ),
        (
            'phone',
            joined.raw_phone is not null,
            joined.phone_e164 is not null and joined.phone_invalid_reason is null,
            joined.phone_e164
        ),
        (
            'address',
            joined.raw_address_line is not null,
            joined.address_key is not null,
            joined.address_key
        ),
        (
            'postal_code',
            joined.raw_postal_code is not null,
            joined.postal_code is not null,
            joined.postal_code
        ),
        (
            'city',
            joined.raw_city is not null,
            joined.city is not null,
            lower(joined.city)
        ),
        (
            'country',
            joined.raw_country is not null,
            joined.country_code is not null,
            joined.country_code
        )
    ) as field_checks (field_name, is_present, is_valid, value_key)

)

select * from final
