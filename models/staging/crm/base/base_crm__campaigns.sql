{{ crm_segments.keyed_source_rows(
    source('crm', 'campaigns'),
    keys=[['campaign_id', 'campaign_id', crm_segments.trimmed('campaign_id')]]
) }}
