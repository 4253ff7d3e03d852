{{ crm_segments.keyed_source_rows(
    source('crm', 'nps_responses'),
    keys=[['response_id', 'response_id', crm_segments.trimmed('response_id')]]
) }}
