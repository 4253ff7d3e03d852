{{ crm_segments.keyed_source_rows(
    source('crm', 'subscriptions'),
    keys=[['subscription_id', 'subscription_id', crm_segments.trimmed('subscription_id')]]
) }}
