{#- RFM per account holder: the scores of int_customer_rfm_scores and the named segment of
    the seed rfm_segment_map on r_score and fm_score (rectangles with inclusive bounds that tile
    the 5 x 5 grid). -#}
with

scores as (

    select * from {{ ref('int_customer_rfm_scores') }}

),

final as (

    select
        scores.customer_id,
        scores.last_transaction_date,
        scores.recency_days,
        scores.frequency,
        scores.monetary,
        scores.r_score,
        scores.f_score,
        scores.m_score,
        scores.fm_score,
        segment_map.rfm_segment,
        scores.is_scored,
        scores.r_score::text || scores.f_score::text || scores.m_score::text as rfm_code
    from scores
    left join {{ ref('rfm_segment_map') }} as segment_map
        on scores.r_score between segment_map.r_score_min and segment_map.r_score_max
            and scores.fm_score between segment_map.fm_score_min and segment_map.fm_score_max

)

select * from final
