{{ crm_segments.keyed_source_rows(
    source('crm', 'interactions'),
    keys=[['interaction_id', 'interaction_id', crm_segments.trimmed('interaction_id')]]
) }}
