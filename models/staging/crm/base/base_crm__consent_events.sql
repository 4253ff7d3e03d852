{#- An append-only raw table: an incremental table of its key's partitions
    (macros/incremental_staging.sql). -#}
{{ config(**crm_segments.incremental_staging_config('consent_events')) }}
{{ crm_segments.keyed_source_rows(
    source('crm', 'consent_events'),
    keys=[['event_id', 'event_id', crm_segments.trimmed('event_id')]],
    keep_staged_records=true,
) }}
