-- a view, not a table like the other base models: the raw table holds personal data
-- (e-mails and phones (scope_value)), and a view keeps no copy of it that the erasure scrub would have to find
{{ config(materialized='view') }}
{{ crm_segments.keyed_source_rows(
    source('crm', 'suppressions'),
    keys=[['suppression_id', 'suppression_id', crm_segments.trimmed('suppression_id')]]
) }}
