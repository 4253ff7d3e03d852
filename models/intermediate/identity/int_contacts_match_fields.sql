{#- The fields entity resolution compares, one row per standardized contact record, with the
    junk guard applied to birth dates: a placeholder date from seeds/reference/junk_identifiers
    (identifier_type birth_date) or a date carried by implausibly many records (more than
    birth_date_junk_factor times the average per date and at least birth_date_junk_min_records;
    a system default like 1927-11-25 typed for everyone) counts as missing. A date too old to
    be an age (birth_date NULL, too_old) is compared all the same. -#}
with

contacts as (

    select
        *,
        -- a date older than max_age_years is no age, but two records that agree on it are
        -- still evidence of one person
        coalesce(
            birth_date,
            case when birth_date_invalid_reason = 'too_old' then birth_date_as_read end
        ) as comparable_birth_date
    from {{ ref('int_contacts_standardized') }}

),

listed_dates as (

    select pattern
    from {{ ref('junk_identifiers') }}
    where identifier_type = 'birth_date' and match_type = 'exact'

),

date_counts as (

    select
        comparable_birth_date as birth_date,
        count(*) as record_count
    from contacts
    where comparable_birth_date is not null
    group by comparable_birth_date

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

city_keys as (

    select
        contact_key,
        {{ crm_segments.city_key('city') }} as city_key
    from contacts
    where city is not null

),

city_aliases as (

    select
        alias_key,
        city_key
    from {{ ref('city_aliases') }}

),

han_readings as (

    select
        han_character,
        readings,
        -- Lü is spelled lv, lu or lyu
        '(?:' || replace(readings, 'v', '(?:v|u|yu)') || ')' as reading_pattern
    from {{ ref('han_pinyin') }}

),

han_name_parts as (

    select
        contacts.contact_key,
        name_parts.part,
        name_parts.name_key
    from contacts
    cross join
        lateral (
            values ('first', contacts.first_name_key), ('last', contacts.last_name_key)
        ) as name_parts (part, name_key)
    where name_parts.name_key ~ '^{{ crm_segments.han_class() }}+$'

),

-- a Han name as a regular expression over its pinyin spellings: 单敏 -> ^(?:dan|chan|shan)(?:min)$
-- (NULL when a character is not in the reference table)
pinyin_patterns as (

    select
        han_name_parts.contact_key,
        han_name_parts.part,
        case
            when bool_and(han_readings.han_character is not null)
                then '^' || string_agg(han_readings.reading_pattern, '' order by characters.position) || '$'
        end as pinyin_pattern,
        -- the most common reading of every character: a wrong character of the same sound
        -- (娜 / 那) still spells the same
        case
            when bool_and(han_readings.han_character is not null)
                then string_agg(split_part(han_readings.readings, '|', 1), '' order by characters.position)
        end as pinyin_spelling
    from han_name_parts
    cross join
        lateral
        unnest(regexp_split_to_array(han_name_parts.name_key, '')) with ordinality
            as characters (han_character, position)
    left join han_readings
        on characters.han_character = han_readings.han_character
    group by han_name_parts.contact_key, han_name_parts.part

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
        first_patterns.pinyin_pattern as first_name_pinyin_pattern,
        last_patterns.pinyin_pattern as last_name_pinyin_pattern,
        first_patterns.pinyin_spelling as first_name_pinyin,
        last_patterns.pinyin_spelling as last_name_pinyin,
        -- postal code for comparison: leading zeros dropped (spreadsheets drop them: 020867 / 20867)
        nullif(ltrim(contacts.postal_code, '0'), '') as postal_key,
        -- the street part of the address key: records of one address whose postal code is
        -- missing on one side still meet (postal codes that differ are a conflict, see pairs)
        nullif(split_part(contacts.address_key, '|', 1), '') as address_line_key,
        -- a valid national id (CNP, Chinese resident id) carries the birth date when the
        -- record has none (or only a placeholder)
        coalesce(
            case when junk_dates.birth_date is null then contacts.comparable_birth_date end,
            contacts.national_id_birth_date
        ) as birth_date,
        junk_dates.birth_date is not null as is_birth_date_junk,
        -- one key per city however it is written (Москва / Moskva / Moscow, 北京市 / Beijing)
        coalesce(city_aliases.city_key, city_keys.city_key) as city_key,
        -- the name parts letter for letter in their own script, lower case, without blanks and
        -- hyphens: one mistyped Cyrillic letter is one edit here (Мжихаил / Михаил), where the
        -- transliterated key may count two to four (mzhikhail / mikhail)
        nullif(regexp_replace(lower(contacts.first_name), '[^[:alnum:]]+', '', 'g'), '') as first_name_letters,
        nullif(regexp_replace(lower(contacts.last_name), '[^[:alnum:]]+', '', 'g'), '') as last_name_letters
    from contacts
    left join city_keys
        on contacts.contact_key = city_keys.contact_key
    left join city_aliases
        on city_keys.city_key = city_aliases.alias_key
    left join junk_dates
        on contacts.comparable_birth_date = junk_dates.birth_date
    left join pinyin_patterns as first_patterns
        on contacts.contact_key = first_patterns.contact_key and first_patterns.part = 'first'
    left join pinyin_patterns as last_patterns
        on contacts.contact_key = last_patterns.contact_key and last_patterns.part = 'last'

)

select * from final
