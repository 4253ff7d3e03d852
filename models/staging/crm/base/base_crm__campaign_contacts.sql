{#- An append-only raw table: an incremental table of its key's partitions
    (macros/incremental_staging.sql). -#}
{{ config(**crm_segments.incremental_staging_config('campaign_contacts')) }}
{{ crm_segments.keyed_source_rows(
    source('crm', 'campaign_contacts'),
    keys=[['contact_id', 'contact_id', crm_segments.trimmed('contact_id')]]
) }}
