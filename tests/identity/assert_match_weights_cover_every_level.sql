{#- The match-weight model in use (trained or shipped default) has a weight for every field and
    comparison level that int_contact_pairs_compared produces (macro match_levels), and the
    prior: a level without a weight would leave the pairs that have it unscored. -#}
with

expected as (

    {%- for field, levels in crm_segments.match_levels().items() %}
        {%- for level in levels %}
            select
                '{{ field }}' as field_name,
                '{{ level }}' as level_name
            union all
        {%- endfor %}
    {%- endfor %}
    select
        'prior' as field_name,
        'match' as level_name

)

select
    expected.field_name,
    expected.level_name
from expected
left join {{ ref('int_identity_match_weights') }} as weights
    on expected.field_name = weights.field and expected.level_name = weights.level
where weights.field is null
