{#- Segment type x label x month: NPS answers (int_nps_responses_resolved, months up to the
    reference month), promoters, passives, detractors and NPS = % promoters - % detractors.
    Every answer counts (a person answering twice in a month counts twice). A person's label is
    the one valid on the day of the answer (macro segment_labels_at: for a day before the segment
    history starts, the earliest label recorded); '(none)' without a label of that type then. Segment type 'all' (label 'all') is every answer of the month. -#}
-- noqa: disable=RF04
with

responses as (

    select
        responses.response_id,
        responses.customer_id,
        responses.nps_class,
        responses.responded_date,
        responses.response_month
    from {{ ref('int_nps_responses_resolved') }} as responses
    where
        responses.responded_at < {{ crm_segments.as_of_at() }}
        and responses.response_month <= {{ crm_segments.reference_month() }}

),

labelled as (

    {{ crm_segments.segment_labels_at('responses', 'responded_date') }}

),

all_rows as (

    select
        segment_type,
        segment_value,
        response_month,
        nps_class,
        is_label_at_date
    from labelled
    union all
    select
        'all' as segment_type,
        'all' as segment_value,
        response_month,
        nps_class,
        true as is_label_at_date
    from responses

),

counted as (

    select
        segment_type,
        segment_value,
        response_month as month,
        count(*) as responses,
        count(*) filter (where nps_class = 'promoter') as promoters,
        count(*) filter (where nps_class = 'passive') as passives,
        count(*) filter (where nps_class = 'detractor') as detractors,
        round(count(*) filter (where is_label_at_date)::numeric / count(*), 4) as share_labelled_at_answer
    from all_rows
    group by segment_type, segment_value, response_month

),

final as (

    select
        segment_type,
        segment_value,
        month,
        responses,
        promoters,
        passives,
        detractors,
        round(100.0 * promoters / responses, 2) as promoter_pct,
        round(100.0 * detractors / responses, 2) as detractor_pct,
        {{ crm_segments.nps_score_of('promoters', 'detractors', 'responses') }} as nps,
        share_labelled_at_answer
    from counted

)

select * from final
