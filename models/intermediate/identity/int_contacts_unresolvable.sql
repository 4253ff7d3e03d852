{#- Contact records with nothing to identify a person by: no name key and no usable (valid,
    non-junk) e-mail, phone or national id. They are not resolved into persons; the lead routes
    them into dq_quarantine with reason_code unidentifiable_contact. -#}
with

contacts as (

    select * from {{ ref('int_contacts_standardized') }}

),

usable_identifiers as (

    select contact_key
    from {{ ref('int_contact_identifiers') }}
    where not is_junk and identifier_type != 'address'
    group by contact_key

),

final as (

    select
        contacts.contact_key,
        contacts.source_system,
        contacts.source_record_id,
        'unidentifiable_contact' as reason_code,
        contacts.account_id,
        contacts.full_name,
        contacts.email,
        contacts.phone_e164,
        contacts.national_id,
        contacts.address_line,
        contacts.city,
        contacts.postal_code,
        contacts.country_code,
        contacts.birth_date,
        contacts.updated_at
    from contacts
    left join usable_identifiers
        on contacts.contact_key = usable_identifiers.contact_key
    where
        contacts.first_name_key is null
        and contacts.last_name_key is null
        and usable_identifiers.contact_key is null

)

select * from final
