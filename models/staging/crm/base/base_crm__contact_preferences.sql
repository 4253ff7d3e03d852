{#- An append-only raw table: an incremental table of its key's partitions
    (macros/incremental_staging.sql). -#}
{{ config(**crm_segments.incremental_staging_config('contact_preferences')) }}
{#- A record may state preferences many times: the key includes stated_at (an empty or
    unreadable stated_at is still staged, and flagged there). -#}
{{ crm_segments.keyed_source_rows(
    source('crm', 'contact_preferences'),
    keys=[
        ['source_system', 'source_system', crm_segments.normalize_code('source_system')],
        ['source_record_id', 'source_record_id', crm_segments.trimmed('source_record_id')],
        ['stated_at', none, "coalesce((" ~ crm_segments.timestamp_from_parts('_stated_at_parts') ~ ")::text, " ~ crm_segments.trimmed('stated_at') ~ ", '')"],
    ],
    prepared={'_stated_at_parts': crm_segments.datetime_parts('stated_at')},
    keep_staged_records=true,
    filter_key='source_record_id',
) }}
