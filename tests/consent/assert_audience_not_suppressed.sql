-- Invariant: no campaign_audience row for a person or an address under an active suppression,
-- recomputed from the staged suppressions: an account suppression reaches the account's
-- holder; an e-mail suppression the same e-mail (any reason) and the person behind it
-- (deceased, erasure_request); a phone suppression the same number, compared on its last
-- nine digits (independent of the E.164 reading), and likewise the person behind it.
with

as_of as (

    select max(audience_as_of) as as_of_at from {{ ref('campaign_audience') }}

),

active as (

    select suppressions.*
    from {{ ref('stg_crm__suppressions') }} as suppressions
    cross join as_of
    where
        (suppressions.effective_from is null or suppressions.effective_from <= as_of.as_of_at)
        and (suppressions.effective_to is null or suppressions.effective_to + 1 > as_of.as_of_at)

),

digits as (

    select
        active.*,
        right(regexp_replace(active.scope_value, '\D', '', 'g'), 9) as last_digits
    from active
    where active.scope_type = 'phone'

),

person_hits as (

    select holders.customer_id
    from active
    inner join {{ ref('int_accounts_resolved') }} as holders
        on active.scope_value = holders.account_id
    where active.scope_type = 'account'
    union
    select records.customer_id
    from active
    inner join {{ ref('int_contacts_resolved') }} as records
        on lower(btrim(active.scope_value)) = records.email
    where active.scope_type = 'email' and active.reason in ('deceased', 'erasure_request')
    union
    select records.customer_id
    from digits
    inner join {{ ref('int_contacts_resolved') }} as records
        on digits.last_digits = right(records.phone_e164, 9)
    where digits.reason in ('deceased', 'erasure_request')

)

select
    audience.customer_id,
    audience.channel,
    'person' as hit
from {{ ref('campaign_audience') }} as audience
inner join person_hits
    on audience.customer_id = person_hits.customer_id
union all
select
    audience.customer_id,
    audience.channel,
    'email' as hit
from {{ ref('campaign_audience') }} as audience
inner join active
    on active.scope_type = 'email' and lower(btrim(active.scope_value)) = audience.address
where audience.channel = 'email'
union all
select
    audience.customer_id,
    audience.channel,
    'phone' as hit
from {{ ref('campaign_audience') }} as audience
inner join digits
    on digits.last_digits = right(audience.address, 9)
where audience.channel in ('sms', 'outbound_call', 'ivr')
