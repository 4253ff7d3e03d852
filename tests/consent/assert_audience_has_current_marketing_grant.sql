-- Invariant: every campaign_audience row has a marketing grant for its channel that holds at
-- the audience's "now" and has not expired (read from the consent history, not from the
-- current-state model the audience is built from).
select
    audience.customer_id,
    audience.channel
from {{ ref('campaign_audience') }} as audience
where not exists (
        select 1
        from {{ ref('customer_consent_history') }} as history
        where
            history.customer_id = audience.customer_id
            and history.channel = audience.channel
            and history.purpose = 'marketing'
            and history.consent_state = 'granted'
            and history.valid_from <= audience.audience_as_of
            and (history.valid_to is null or history.valid_to > audience.audience_as_of)
            and (history.expires_at is null or history.expires_at > audience.audience_as_of)
    )
