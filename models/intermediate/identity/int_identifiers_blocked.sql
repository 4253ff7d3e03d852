{#- The junk identifiers: values that never link two records, with the reason. -#}
with

identifiers as (

    select * from {{ ref('int_contact_identifiers') }}
    where is_junk

),

final as (

    select
        identifier_type,
        identifier_value,
        min(junk_reason) as junk_reason,
        min(listed_note) as listed_note,
        min(record_count) as record_count
    from identifiers
    group by identifier_type, identifier_value

    union all

    select
        'birth_date' as identifier_type,
        junk_birth_date::text as identifier_value,
        min(birth_date_junk_reason) as junk_reason,
        null as listed_note,
        count(*) as record_count
    from {{ ref('int_contacts_match_fields') }}
    where is_birth_date_junk
    group by junk_birth_date

)

select * from final
