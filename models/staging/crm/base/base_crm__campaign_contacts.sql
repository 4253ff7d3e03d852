{#- An append-only raw table: an incremental table of its key's partitions
    (macros/incremental_staging.sql). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='_key_parts',
    on_schema_change='fail',
    pre_hook="{{ crm_segments.restart_incremental_staging('campaign_contacts') }}",
) }}
{{ crm_segments.keyed_source_rows(
    source('crm', 'campaign_contacts'),
    keys=[['contact_id', 'contact_id', crm_segments.trimmed('contact_id')]]
) }}
