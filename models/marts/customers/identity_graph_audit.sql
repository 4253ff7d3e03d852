{#- The identity graph at a glance, one row per (section, item): the answers of the audit
    questions (models/intermediate/identity/audit, all with these columns)
    stacked, the identifiers of erased persons redacted, and a row id. -#}
with

persons_by_size as (

    select * from {{ ref('int_identity_audit__persons_by_size') }}

),

matches_by_rule as (

    select * from {{ ref('int_identity_audit__matches_by_rule') }}

),

blocking_statistics as (

    select * from {{ ref('int_identity_audit__blocking_statistics') }}

),

blocking_by_type as (

    select * from {{ ref('int_identity_audit__blocking_by_type') }}

),

blocking_spread as (

    select * from {{ ref('int_identity_audit__blocking_spread') }}

),

most_connected_identifiers as (

    select * from {{ ref('int_identity_audit__most_connected_identifiers') }}

),

blocked_identifiers as (

    select * from {{ ref('int_identity_audit__blocked_identifiers') }}

),

skipped_blocks as (

    select * from {{ ref('int_identity_audit__skipped_blocks') }}

),

oversize_components as (

    select * from {{ ref('int_identity_audit__oversize_components') }}

),

-- erasure: identifiers of erased persons are not shown
erased_identifiers as (

    select * from {{ ref('int_identity_audit__erased_identifiers') }}

),

-- union all pairs columns by position, so each section is selected by column name
unioned as (

    {% for section in [
        'persons_by_size', 'matches_by_rule',
        'blocking_statistics', 'blocking_by_type', 'blocking_spread', 'most_connected_identifiers',
        'blocked_identifiers', 'skipped_blocks', 'oversize_components'
    ] %}
        select
            audit_section,
            item,
            identifier_type,
            detail,
            record_count,
            person_count,
            pair_count,
            metric_value
        from {{ section }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        audit_section,
        identifier_type,
        detail,
        record_count,
        person_count,
        pair_count,
        metric_value::numeric(18, 3) as metric_value,
        case
            when exists (
                    select 1 from erased_identifiers
                    where
                        erased_identifiers.identifier_type = unioned.identifier_type
                        and erased_identifiers.identifier_value = unioned.item
                ) then '(erased) ' || md5(item)
            else item
        end as item,
        md5(concat_ws('|', audit_section, identifier_type, item)) as audit_row_id
    from unioned

)

select * from final
