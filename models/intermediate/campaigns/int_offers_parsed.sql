{%- set list_columns = [
    'eligible_plan_types', 'eligible_lifecycle_stages', 'eligible_value_tiers', 'channels', 'answers_reasons'
] -%}
{#- The offer catalogue (seed offers) with its '|'-separated lists as text arrays (empty array =
    any) and whether the offer is valid on the as-of date (valid_from <= as-of date <= valid_to,
    empty bounds open). -#}
with

offers as (

    select * from {{ ref('offers') }}

),

final as (

    select
        offer_code,
        offer_name,
        objective,
        product,
        min_tenure_months,
        margin_per_acceptance,
        cost_per_contact,
        valid_from,
        valid_to,
        {%- for column in list_columns %}
            coalesce(
                array_remove(string_to_array(replace(nullif(trim({{ column }}), ''), ' ', ''), '|'), ''),
                '{}'::text[]
            ) as {{ column }},
        {%- endfor %}
        coalesce(valid_from <= {{ crm_segments.as_of_date() }}, true)
        and coalesce(valid_to >= {{ crm_segments.as_of_date() }}, true) as is_valid
    from offers

)

select * from final
