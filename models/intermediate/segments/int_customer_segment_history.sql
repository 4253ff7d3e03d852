{#- The stored history of every person's segment labels (issue 10): one row per person, segment
    type and period with one value. It is state, not a function of today's raw data - a label's
    history records what earlier builds published - so it is incremental and a --full-refresh
    leaves it alone (full_refresh: false); `crm-segments build --reset-segment-history` starts
    it again on purpose.

    Each build restates its as-of date: it first undoes what an earlier build with the same (or
    a later) as-of date recorded at that date (pre-hook: rows that began on or after it are
    removed, rows that ended on or after it are open again), then closes the rows whose label
    changed or disappeared and opens rows for new values (macro segment_history_as_of), writing
    the whole history of every changed person and type (delete+insert). A rerun on the same day
    therefore gives the same rows as a first run, and a label that disappeared in a rerun is
    closed. A build with an as-of date before the latest recorded one leaves the history as it
    is (segment_membership then shows the history cut at its own as-of date). The history is
    state, not a rebuild: unlike the other intermediate tables it is written to the
    write-ahead log (unlogged=false). -#}
{{
    config(
        materialized='incremental',
        unlogged=false,
        unique_key=['customer_id', 'segment_type'],
        incremental_strategy='delete+insert',
        full_refresh=false,
        on_schema_change='fail',
        pre_hook="{{ crm_segments.segment_history_restore(this) }}",
    )
}}
with

labels as (

    {{ crm_segments.segment_labels_long(ref('customer_segments')) }}

),

{% if is_incremental() %}

    merged as (

        {{ crm_segments.segment_history_as_of(this, 'labels', crm_segments.as_of_date()) }}

    ),

    this_build as (

        select {{ crm_segments.as_of_date() }} as as_of_date

    ),

    final as (

        select
            merged.customer_id,
            merged.segment_type,
            merged.segment_value,
            merged.valid_from,
            merged.valid_to
        from merged
        cross join this_build
        where
            merged.is_changed_key
            and this_build.as_of_date
            >= coalesce((select max(recorded.valid_from) from {{ this }} as recorded), this_build.as_of_date)

    )

{% else %}

    final as (

        select
            labels.customer_id,
            labels.segment_type,
            labels.segment_value,
            {{ crm_segments.as_of_date() }} as valid_from,
            null::date as valid_to
        from labels

    )

{% endif %}

select * from final
