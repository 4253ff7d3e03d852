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

-- an erased person's identifier: listed by int_identity_audit__erased_identifiers, or already
-- removed by the publish's erasure scrub (an identifier section's item is NULL then, when this
-- model is rebuilt alone after a publish)
flagged as (

    select
        unioned.*,
        exists (
            select 1 from erased_identifiers
            where
                erased_identifiers.identifier_type = unioned.identifier_type
                and erased_identifiers.identifier_value = unioned.item
        )
        or unioned.item is null
        and unioned.audit_section in ('most_connected_identifier', 'blocked_identifier') as is_erased
    from unioned

),

-- an erased identifier is shown as '(erased n)', numbered within its section and type in the
-- order of its value's md5: neither the value nor a digest of it (a phone number's md5 is found
-- again by trying every number), and a partial rebuild after the scrub, whose erased items are
-- all NULL, still gives every row its own item
numbered as (

    select
        flagged.*,
        row_number() over erased_order as erased_number
    from flagged
    window erased_order as (
        partition by audit_section, identifier_type, is_erased
        order by
            md5(coalesce(item, '')), detail, record_count, person_count, pair_count, metric_value
    )

),

shown as (

    select
        audit_section,
        identifier_type,
        detail,
        record_count,
        person_count,
        pair_count,
        metric_value::numeric(18, 3) as metric_value,
        case when is_erased then '(erased ' || erased_number || ')' else item end as item
    from numbered

),

final as (

    select
        *,
        md5(concat_ws('|', audit_section, identifier_type, item)) as audit_row_id
    from shown

)

select * from final
