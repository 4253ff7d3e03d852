-- a view, not a table like the other base models: the raw table holds personal data
-- (phone numbers (msisdn)), and a view keeps no copy of it that the erasure scrub would have to find
{{ config(materialized='view') }}
{{ crm_segments.keyed_source_rows(
    source('crm', 'subscriptions'),
    keys=[['subscription_id', 'subscription_id', crm_segments.trimmed('subscription_id')]]
) }}
