{#- An append-only raw table: an incremental table of its key's partitions
    (macros/incremental_staging.sql). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='_key_parts',
    on_schema_change='fail',
    pre_hook="{{ crm_segments.restart_incremental_staging('interactions') }}",
) }}
{{ crm_segments.keyed_source_rows(
    source('crm', 'interactions'),
    keys=[['interaction_id', 'interaction_id', crm_segments.trimmed('interaction_id')]]
) }}
