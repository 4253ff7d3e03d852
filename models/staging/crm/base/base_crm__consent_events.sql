{{ crm_segments.keyed_source_rows(
    source('crm', 'consent_events'),
    keys=[['event_id', 'event_id', crm_segments.trimmed('event_id')]],
    keep_staged_records=true,
) }}
