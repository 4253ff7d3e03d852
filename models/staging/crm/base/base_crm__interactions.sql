{#- An append-only raw table: an incremental table of its key's partitions
    (macros/incremental_staging.sql). -#}
{{ config(**crm_segments.incremental_staging_config('interactions')) }}
{{ crm_segments.keyed_source_rows(
    source('crm', 'interactions'),
    keys=[['interaction_id', 'interaction_id', crm_segments.trimmed('interaction_id')]]
) }}
