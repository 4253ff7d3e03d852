{{ crm_segments.keyed_source_rows(
    source('crm', 'campaign_contacts'),
    keys=[['contact_id', 'contact_id', crm_segments.trimmed('contact_id')]]
) }}
