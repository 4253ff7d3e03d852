{#- Blocking keys: candidate pairs are only formed between records that share a key.
    Identifier keys (e-mail, mobile, landline, national id, address, and address_line: the
    street part of an address without its postal code) come from the non-junk identifiers; name keys combine a phonetic key of either name part with the birth date
    (both parts, so swapped first/last names still meet), both parts with the postal code
    or alone, and the birth date goes with the postal code. The name alone carries the
    record's city (name_block_city_key): in its block two records are not paired when both
    cities are known and differ by more than a typo (two towns). -#}
with

identifiers as (

    select * from {{ ref('int_contact_identifiers') }}
    where not is_junk

),

contacts as (

    select * from {{ ref('int_contacts_match_fields') }}

),

name_parts as (

    select
        contact_key,
        birth_date,
        {{ crm_segments.phonetic_key('first_name_key') }} as first_phonetic,
        {{ crm_segments.phonetic_key('last_name_key') }} as last_phonetic,
        postal_key,
        city_key
    from contacts
    -- offset 0 is a fence: each phonetic key is computed once per record
    /* noqa: AM09 */ offset 0

),

keys as (

    select
        contact_key,
        identifier_type as block_type,
        identifier_type || ':' || identifier_value as block_key,
        null::text as name_block_city_key
    from identifiers

    union all

    -- the street part of a non-junk address, so that a record without postal code meets the
    -- records of the same address that have one
    select
        contact_key,
        'address_line' as block_type,
        'address_line:' || split_part(identifier_value, '|', 1) as block_key,
        null::text as name_block_city_key
    from identifiers
    where identifier_type = 'address' and split_part(identifier_value, '|', 1) != ''

    union all

    select
        contact_key,
        'name_dob' as block_type,
        'name_dob:' || first_phonetic || ':' || birth_date::text as block_key,
        null::text as name_block_city_key
    from name_parts
    where first_phonetic is not null and birth_date is not null

    union all

    select
        contact_key,
        'name_dob' as block_type,
        'name_dob:' || last_phonetic || ':' || birth_date::text as block_key,
        null::text as name_block_city_key
    from name_parts
    where
        last_phonetic is not null and birth_date is not null
        and last_phonetic is distinct from first_phonetic

    union all

    select
        contact_key,
        'name_postal' as block_type,
        'name_postal:' || least(first_phonetic, last_phonetic) || ':' || greatest(first_phonetic, last_phonetic)
        || ':' || postal_key as block_key,
        null::text as name_block_city_key
    from name_parts
    where first_phonetic is not null and last_phonetic is not null and postal_key is not null

    union all

    -- the full name alone (both orders): a birth date and a postal code both mistyped or
    -- missing still meet. A common name's block is over max_block_size and skipped: its
    -- records meet only on a shared identifier, birth date or postal code (why there is no
    -- name + city key: the model's description). Two records whose cities are known and differ
    -- by more than a typo are not paired on the name alone (int_contact_candidate_pairs):
    -- namesakes in two towns that share nothing else were half the candidate pairs at 100k
    -- customers and none reached match_weight_threshold
    select
        contact_key,
        'name' as block_type,
        'name:' || least(first_phonetic, last_phonetic) || ':' || greatest(first_phonetic, last_phonetic)
            as block_key,
        city_key as name_block_city_key
    from name_parts
    where first_phonetic is not null and last_phonetic is not null

    union all

    -- birth date and postal code: both name parts mistyped or replaced still meet
    select
        contact_key,
        'dob_postal' as block_type,
        'dob_postal:' || birth_date::text || ':' || postal_key as block_key,
        null::text as name_block_city_key
    from name_parts
    where birth_date is not null and postal_key is not null

),

final as (

    select
        contact_key,
        block_type,
        block_key,
        name_block_city_key,
        count(*) over (partition by block_key) as block_size
    from keys

)

select * from final
