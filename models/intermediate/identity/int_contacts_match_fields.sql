{#- The fields entity resolution compares, one row per standardized contact record, with the
    junk guard applied to birth dates: a placeholder date from seeds/reference/junk_identifiers
    (identifier_type birth_date) or a date carried by implausibly many records (more than
    birth_date_junk_factor times the average per date and at least birth_date_junk_min_records;
    a system default like 1927-11-25 typed for everyone) counts as missing. -#}
{{ config(post_hook='analyze {{ this }}') }}
with

contacts as (

    select * from {{ ref('int_contacts_standardized') }}

),

listed_dates as (

    select pattern
    from {{ ref('junk_identifiers') }}
    where identifier_type = 'birth_date' and match_type = 'exact'

),

date_counts as (

    select
        birth_date,
        count(*) as record_count
    from contacts
    where birth_date is not null
    group by birth_date

),

date_limit as (

    select
        greatest(
            {{ var('birth_date_junk_min_records') }},
            {{ var('birth_date_junk_factor') }} * sum(record_count)::numeric / greatest(count(*), 1)
        ) as max_records
    from date_counts

),

junk_dates as (

    select
        date_counts.birth_date,
        date_counts.record_count,
        case
            when listed_dates.pattern is not null then 'reference_list'
            else 'cardinality_limit'
        end as junk_reason
    from date_counts
    cross join date_limit
    left join listed_dates
        on date_counts.birth_date::text = listed_dates.pattern
    where listed_dates.pattern is not null or date_counts.record_count > date_limit.max_records

),

final as (

    select
        contacts.contact_key,
        contacts.first_name_key,
        contacts.last_name_key,
        junk_dates.birth_date as junk_birth_date,
        junk_dates.junk_reason as birth_date_junk_reason,
        junk_dates.record_count as birth_date_record_count,
        contacts.national_id,
        contacts.national_id_type,
        contacts.is_national_id_valid,
        contacts.postal_code,
        contacts.address_key,
        case when junk_dates.birth_date is null then contacts.birth_date end as birth_date,
        junk_dates.birth_date is not null as is_birth_date_junk,
        lower(contacts.city) as city_key
    from contacts
    left join junk_dates
        on contacts.birth_date = junk_dates.birth_date

)

select * from final
