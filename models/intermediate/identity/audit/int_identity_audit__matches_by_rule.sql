{#- Audit question: what each match rule did - the records that joined their person by it and
    the candidate pairs it accepted - and why the other candidate pairs were rejected (items
    rejected:<reason>). -#}
with

resolved as (

    select * from {{ ref('int_contacts_resolved') }}

),

pair_matches as (

    select * from {{ ref('int_contact_pair_matches') }}

),

records_by_rule as (

    select
        match_rule,
        count(*) as record_count,
        count(distinct customer_id) as person_count
    from resolved
    group by match_rule

),

pairs_by_rule as (

    select
        coalesce(match_rule, 'rejected:' || rejection_reason) as match_rule,
        count(*) as pair_count
    from pair_matches
    group by coalesce(match_rule, 'rejected:' || rejection_reason)

),

final as (

    select
        'matches_by_rule' as audit_section,
        null::text as identifier_type,
        records_by_rule.record_count::bigint as record_count,
        records_by_rule.person_count::bigint as person_count,
        pairs_by_rule.pair_count::bigint as pair_count,
        null::numeric as metric_value,
        coalesce(records_by_rule.match_rule, pairs_by_rule.match_rule) as item,
        case
            when pairs_by_rule.match_rule like 'rejected:%' then 'candidate pairs rejected for this reason'
            else 'records that joined their person by this rule; pairs accepted by it'
        end as detail
    from records_by_rule
    full outer join pairs_by_rule
        on records_by_rule.match_rule = pairs_by_rule.match_rule

)

select * from final
