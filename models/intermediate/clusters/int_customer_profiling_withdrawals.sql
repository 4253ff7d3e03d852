{#- Persons who object to profiling: neither used to fit the clusters nor scored. The consent
    rule itself (latest event across the person's records, withdraw wins a tie, at the
    consent "now") lives in int_customer_consents_current; profiling is not tied to a
    channel, so a withdrawn state on any channel is an objection. -#}
with

profiling_withdrawn as (

    select * from {{ ref('int_customer_consents_current') }}
    where
        purpose = 'profiling'
        and consent_state = 'withdrawn'

)

select
    customer_id,
    string_agg(channel, ', ' order by channel) as withdrawn_channels,
    max(state_since) as last_withdrawn_at
from profiling_withdrawn
group by customer_id
