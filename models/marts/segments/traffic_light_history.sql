{#- The high-end traffic light of every baseline customer in every month from the month after
    the baseline month to the reference month (int_high_end_traffic_lights), for trend charts
    (the report's traffic-light history) and BI. customer_segments has only the reference
    month's light. -#}
with

lights as (

    select * from {{ ref('int_high_end_traffic_lights') }}

),

final as (

    select
        customer_id,
        month,
        baseline_month,
        traffic_light,
        traffic_light_reason,
        previous_traffic_light,
        baseline_arpu::numeric as baseline_arpu,
        baseline_voice_mou::numeric as baseline_voice_mou,
        arpu::numeric as arpu,
        voice_mou::numeric as voice_mou,
        active_subscriptions::integer as active_subscriptions,
        complaint_count::integer as complaint_count
    from lights

)

select * from final
