-- Invariant: members of the global control group are never in campaign_audience, and the
-- control group is exactly the persons whose hash bucket is below global_control_pct (so it
-- cannot silently shrink or drift).
select
    audience.customer_id,
    'in audience' as problem
from {{ ref('campaign_audience') }} as audience
inner join {{ ref('global_control_group') }} as control_group
    on audience.customer_id = control_group.customer_id
union all
select
    customers.customer_id,
    'bucket mismatch' as problem
from {{ ref('customers') }} as customers
left join {{ ref('global_control_group') }} as control_group
    on customers.customer_id = control_group.customer_id
where
    (control_group.customer_id is not null)
    != (
        (
            ('x' || substr(md5('{{ var("global_control_salt") }}|' || customers.customer_id), 1, 8))::bit(32)::bigint
            % 10000
        )
        < {{ var('global_control_pct') }} * 100
    )
