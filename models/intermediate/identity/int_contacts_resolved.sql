{#- Every resolvable contact record with the person it was resolved to (customer_id), the rule
    by which it joined that person and the standardized fields the golden record is built from.
    customer_id = 'C' + 16 hex digits of md5(smallest contact_key of the person): stable across
    rebuilds of unchanged input, and untouched by appended records that do not link to the
    person (see the model docs for the one exception). -#}
with

contacts as (

    select * from {{ ref('int_contacts_standardized') }}

),

unresolvable as (

    select contact_key from {{ ref('int_contacts_unresolvable') }}

),

components as (

    select * from {{ ref('int_contact_components') }}
    where not is_oversize

),

oversize as (

    select contact_key from {{ ref('int_contact_components') }}
    where is_oversize

),

matches as (

    select * from {{ ref('int_contact_pair_matches') }}
    where is_match

),

usable_identifiers as (

    select
        contact_key,
        bool_or(identifier_type = 'email') as is_email_usable,
        bool_or(identifier_type in ('mobile', 'landline')) as is_phone_usable
    from {{ ref('int_contact_identifiers') }}
    where not is_junk
    group by contact_key

),

record_edges as (

    select
        left_contact_key as contact_key,
        match_rule,
        match_score
    from matches
    union all
    select
        right_contact_key as contact_key,
        match_rule,
        match_score
    from matches

),

best_edges as (

    select distinct on (contact_key)
        contact_key,
        match_rule,
        match_score
    from record_edges
    order by
        contact_key asc,
        array_position(
            array[
                'national_id', 'email_name_dob', 'mobile_name_dob', 'landline_name_dob',
                'fuzzy_name_dob', 'fuzzy_name_address', 'name_postal', 'match_weight'
            ]::text[],
            match_rule
        ),
        match_score desc

),

final as (

    select
        contacts.contact_key,
        contacts.source_system,
        contacts.source_record_id,
        {{ crm_segments.customer_id_from_key('coalesce(components.component_key, contacts.contact_key)') }}
            as customer_id,
        case
            when oversize.contact_key is not null then 'oversize_component'
            when components.contact_key is null then 'singleton'
            else best_edges.match_rule
        end as match_rule,
        case when components.contact_key is not null then best_edges.match_score end as match_score,
        coalesce(components.component_size, 1) as component_size,
        contacts.account_id,
        contacts.first_name,
        contacts.last_name,
        contacts.full_name,
        contacts.email,
        coalesce(contacts.is_email_valid and usable_identifiers.is_email_usable, false) as is_email_usable,
        contacts.phone_e164,
        contacts.phone_national_number,
        contacts.phone_type,
        coalesce(usable_identifiers.is_phone_usable, false) as is_phone_usable,
        contacts.address_line,
        contacts.city,
        contacts.postal_code,
        contacts.country_code,
        contacts.birth_date,
        contacts.national_id,
        coalesce(contacts.is_national_id_valid, false) as is_national_id_valid,
        contacts.updated_at,
        {{ crm_segments.source_priority_rank('contacts.source_system') }} as source_priority_rank
    from contacts
    left join components
        on contacts.contact_key = components.contact_key
    left join oversize
        on contacts.contact_key = oversize.contact_key
    left join best_edges
        on contacts.contact_key = best_edges.contact_key
    left join usable_identifiers
        on contacts.contact_key = usable_identifiers.contact_key
    left join unresolvable
        on contacts.contact_key = unresolvable.contact_key
    where unresolvable.contact_key is null

)

select * from final
