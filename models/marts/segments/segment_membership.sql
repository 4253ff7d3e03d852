{#- Long form of customer_segments with history: one row per person, segment type and period in
    which the person had one value, as of this build's as-of date. The history is stored in
    int_customer_segment_history (kept across builds, restated for the build's as-of date); the
    rows here are that history cut at the as-of date and merged with today's labels, so the
    open rows are exactly the labels of customer_segments - also for a build with an as-of date
    earlier than the latest recorded one - and only persons of customer_segments appear. -#}
with

labels as (

    {{ crm_segments.segment_labels_long(ref('customer_segments')) }}

),

history as (

    {{ crm_segments.segment_history_as_of(ref('int_customer_segment_history'), 'labels', crm_segments.as_of_date()) }}

),

final as (

    select
        history.customer_id,
        history.segment_type,
        history.segment_value,
        history.valid_from,
        history.valid_to,
        history.valid_to is null as is_current
    from history
    where history.customer_id in (select segments.customer_id from {{ ref('customer_segments') }} as segments)

)

select * from final
