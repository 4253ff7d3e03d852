-- a view, not a table like the other base models: the raw table holds personal data
-- (names, birth dates, national ids, e-mails, phones, addresses), and a view keeps no copy
-- of it that the erasure scrub would have to find
{{ config(materialized='view') }}
{{ crm_segments.keyed_source_rows(
    source('crm', 'crm_contacts'),
    keys=[
        ['source_system', 'source_system', crm_segments.normalize_code('source_system')],
        ['source_record_id', 'source_record_id', crm_segments.trimmed('source_record_id')],
    ],
    prepared={'_updated_at_parts': crm_segments.datetime_parts('updated_at')},
    recency=crm_segments.timestamp_from_parts('_updated_at_parts'),
    keep_staged_records=true,
) }}
