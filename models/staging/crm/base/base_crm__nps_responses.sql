{#- An append-only raw table: an incremental table of its key's partitions
    (macros/incremental_staging.sql). -#}
{{ config(**crm_segments.incremental_staging_config('nps_responses')) }}
{{ crm_segments.keyed_source_rows(
    source('crm', 'nps_responses'),
    keys=[['response_id', 'response_id', crm_segments.trimmed('response_id')]]
) }}
