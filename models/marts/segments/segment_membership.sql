{#- Long form of customer_segments with history: one row per person, segment type and period
    in which the person had one value. Incremental across runs (one run per as-of date, moving
    forward): a run closes the open rows whose value changed or disappeared (valid_to = the
    run's as-of date) and opens rows for new values (valid_from = the as-of date); unchanged
    rows stay open. A full refresh starts the history again from the current labels. A run
    with an as-of date earlier than the latest valid_from changes nothing. -#}
{{
    config(
        materialized='incremental',
        unique_key=['customer_id', 'segment_type', 'valid_from'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
with

as_of as (

    select {{ crm_segments.segments_as_of_date() }} as as_of_date

),

segments as (

    select * from {{ ref('customer_segments') }}

),

current_labels as (

    select
        segments.customer_id,
        labels.segment_type,
        labels.segment_value
    from segments
    cross join
        lateral (
            values
            ('rfm_segment', segments.rfm_segment),
            ('cohort_month', to_char(segments.cohort_month, 'YYYY-MM')),
            ('tenure_band', segments.tenure_band),
            ('value_tier', segments.value_tier),
            ('traffic_light', segments.traffic_light),
            ('lifecycle_stage', segments.lifecycle_stage),
            ('renewal_bucket', segments.renewal_bucket),
            ('cluster', segments.cluster_label),
            ('preferred_channel', segments.preferred_channel)
        ) as labels (segment_type, segment_value)
    where labels.segment_value is not null

),

{% if is_incremental() %}

    open_rows as (

        select
            loaded.customer_id,
            loaded.segment_type,
            loaded.segment_value,
            loaded.valid_from
        from {{ this }} as loaded
        where loaded.valid_to is null

    ),

    run_allowed as (

        select as_of.as_of_date
        from as_of
        where as_of.as_of_date
            >= coalesce((select max(loaded.valid_from) from {{ this }} as loaded), as_of.as_of_date)

    ),

    closed as (

        select
            open_rows.customer_id,
            open_rows.segment_type,
            open_rows.segment_value,
            open_rows.valid_from,
            run_allowed.as_of_date as valid_to
        from open_rows
        cross join run_allowed
        left join current_labels
            on open_rows.customer_id = current_labels.customer_id
                and open_rows.segment_type = current_labels.segment_type
        where
            (current_labels.segment_value is null or current_labels.segment_value != open_rows.segment_value)
            and open_rows.valid_from < run_allowed.as_of_date

    ),

    opened as (

        select
            current_labels.customer_id,
            current_labels.segment_type,
            current_labels.segment_value,
            run_allowed.as_of_date as valid_from,
            null::date as valid_to
        from current_labels
        cross join run_allowed
        left join open_rows
            on current_labels.customer_id = open_rows.customer_id
                and current_labels.segment_type = open_rows.segment_type
        where open_rows.segment_value is null or open_rows.segment_value != current_labels.segment_value

    ),

    changes as (

        select * from closed
        union all
        select * from opened

    ),

{% else %}

    changes as (

        select
            current_labels.customer_id,
            current_labels.segment_type,
            current_labels.segment_value,
            as_of.as_of_date as valid_from,
            null::date as valid_to
        from current_labels
        cross join as_of

    ),

{% endif %}

final as (

    select
        customer_id,
        segment_type,
        segment_value,
        valid_from,
        valid_to,
        valid_to is null as is_current
    from changes

)

select * from final
