-- Invariant: no campaign_audience row for a person or an address under an active suppression,
-- recomputed from the staged suppressions: an account suppression reaches the account's
-- holder; an e-mail suppression the same e-mail (any reason) and the person behind it
-- (deceased, erasure_request); a phone suppression the same number, compared on its last
-- nine digits (independent of the E.164 reading), and likewise the person behind it.
with

active as (

    select *
    from {{ ref('stg_crm__suppressions') }}
    where
        (effective_from is null or effective_from <= (select max(audience_as_of) from {{ ref('campaign_audience') }}))
        and (effective_to is null or effective_to + 1 > (select max(audience_as_of) from {{ ref('campaign_audience') }}))

),

digits as (

    select
        active.*,
        right(regexp_replace(scope_value, '\D', '', 'g'), 9) as last_digits
    from active
    where scope_type = 'phone'

),

person_hits as (

    select accounts.customer_id
    from active
    inner join {{ ref('int_accounts_resolved') }} as accounts
        on active.scope_value = accounts.account_id
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

select audience.customer_id, audience.channel, 'person' as hit
from {{ ref('campaign_audience') }} as audience
inner join person_hits
    on audience.customer_id = person_hits.customer_id
union all
select audience.customer_id, audience.channel, 'email' as hit
from {{ ref('campaign_audience') }} as audience
inner join active
    on active.scope_type = 'email' and lower(btrim(active.scope_value)) = audience.address
where audience.channel = 'email'
union all
select audience.customer_id, audience.channel, 'phone' as hit
from {{ ref('campaign_audience') }} as audience
inner join digits
    on digits.last_digits = right(audience.address, 9)
where audience.channel in ('sms', 'outbound_call', 'ivr')
