{#- Every staged suppression with the persons and the address it reaches: one row per
    suppression and person (customer_id NULL when it reaches nobody known).

    scope account: the account's holder (int_accounts_resolved). scope email: the e-mail
    standardized like contact e-mails; it reaches every person with a record carrying it.
    scope phone: the number is read in every region that the contact records' phones come from
    (it has no country of its own) and reaches every person with a record whose E.164 phone
    equals one of those readings. An e-mail or phone stored as 'sha256:<hex>' (macro
    hashed_identifier; `crm-segments erase --purge-raw`) reaches the persons whose standardized
    e-mail or E.164 phone has that hash.

    suppression_level: person (account scope; and deceased or erasure_request on any scope)
    removes the person from every channel; address (email and phone scope otherwise) removes
    only that address. is_active: effective_from (NULL = always) on or before the consent
    "now" and effective_to (NULL = open) on or after it. -#}
with

suppressions as (

    select * from {{ ref('stg_crm__suppressions') }}

),

records as (

    select * from {{ ref('int_contacts_resolved') }}

),

accounts as (

    select * from {{ ref('int_accounts_resolved') }}

),

phone_regions as (

    select distinct country_code as hint
    from records
    where phone_e164 is not null and country_code is not null
    union
    select '{{ var("default_country") }}' as hint

),

phone_texts as (

    select
        suppressions.suppression_id,
        suppressions.scope_value as _phone_raw,
        phone_regions.hint as _phone_hint,
        {{ crm_segments.phone_text('suppressions.scope_value') }} as _phone_text
    from suppressions
    cross join phone_regions
    where suppressions.scope_type = 'phone'
    /* noqa: AM09 */ offset 0

),

{{ crm_segments.phone_standardization_ctes(
    'phone_standardized', 'phone_texts', raw='_phone_raw', text='_phone_text', hint='_phone_hint'
) }},

phone_readings as (

    select distinct
        suppression_id,
        _phone_e164 as phone_e164
    from phone_standardized

),

account_reach as (

    select
        suppressions.suppression_id,
        accounts.customer_id,
        suppressions.scope_value as scope_address
    from suppressions
    inner join accounts
        on suppressions.scope_value = accounts.account_id
    where suppressions.scope_type = 'account'

),

email_reach as (

    select distinct
        suppressions.suppression_id,
        records.customer_id,
        records.email as scope_address
    from suppressions
    inner join records
        on {{ crm_segments.standardize_email('suppressions.scope_value') }} = records.email
    where suppressions.scope_type = 'email'

),

-- an e-mail or phone kept only as its hash (`crm-segments erase --purge-raw` hashes the value of
-- an erasure request): it reaches the persons whose standardized address has that hash, so a
-- person the source system sends again is erased again
hashed_reach as (

    select distinct
        suppressions.suppression_id,
        records.customer_id,
        null::text as scope_address
    from suppressions
    inner join records
        on
            suppressions.scope_value in (
                {{ crm_segments.hashed_identifier('records.email') }},
                {{ crm_segments.hashed_identifier('records.phone_e164') }}
            )
    where suppressions.scope_type in ('email', 'phone') and suppressions.scope_value like 'sha256:%'

),

phone_reach as (

    select distinct
        phone_readings.suppression_id,
        records.customer_id,
        records.phone_e164 as scope_address
    from phone_readings
    inner join records
        on phone_readings.phone_e164 = records.phone_e164

),

reach as (

    select * from account_reach
    union all
    select * from email_reach
    union all
    select * from phone_reach
    union all
    select * from hashed_reach

),

final as (

    select
        suppressions.suppression_id,
        reach.customer_id,
        suppressions.scope_type,
        reach.scope_address,
        -- kept when the erasure scrub nulls scope_address: `erase --purge-raw` replaces the
        -- request's address in raw by this hash, which finds the person if they are sent again
        case
            when suppressions.scope_type in ('email', 'phone')
                then {{ crm_segments.hashed_identifier('reach.scope_address') }}
        end as scope_address_hash,
        suppressions.reason,
        suppressions.effective_from,
        suppressions.effective_to,
        md5(concat_ws('|', suppressions.suppression_id, reach.customer_id, reach.scope_address))
            as suppression_reach_id,
        case
            when suppressions.scope_type = 'account' then 'person'
            when suppressions.reason in ('deceased', 'erasure_request') then 'person'
            else 'address'
        end as suppression_level,
        coalesce(
            (
                suppressions.effective_from is null
                or suppressions.effective_from <= {{ crm_segments.as_of_at() }}
            )
            and (
                suppressions.effective_to is null
                or suppressions.effective_to + 1 > {{ crm_segments.as_of_at() }}
            ),
            false
        ) as is_active
    from suppressions
    left join reach
        on suppressions.suppression_id = reach.suppression_id

)

select * from final
