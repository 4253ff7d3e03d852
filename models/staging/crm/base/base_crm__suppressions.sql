{{ crm_segments.keyed_source_rows(
    source('crm', 'suppressions'),
    keys=[['suppression_id', 'suppression_id', crm_segments.trimmed('suppression_id')]]
) }}
