{#- Every person × channel (var consent_channels) with the address to use and whether it is
    usable. email: the best usable e-mail; sms: the best usable mobile; outbound_call and ivr:
    the best usable phone; direct_mail: the best complete postal address (line, postal code and
    city); bill_insert: a complete postal address and an active account; tv_stb and web: an
    active account (a subscription activated and not deactivated at the consent "now"), the
    address being the account id. "Best" is the customers mart's survivorship order (var
    source_priority, then the most recent record). Erased persons reach nobody. -#}
with

records as (

    select * from {{ ref('int_contacts_resolved') }}

),

erased as (

    select customer_id from {{ ref('int_customers_erased') }}

),

persons as (

    select distinct customer_id from records

),

channels as (

    select unnest(array[{{ crm_segments.sql_text_list(var('consent_channels')) }}]::text[]) as channel

),

best_email as (

    select distinct on (customer_id)
        customer_id,
        email
    from records
    where is_email_usable and email is not null
    order by customer_id asc, source_priority_rank asc, updated_at desc nulls last, contact_key asc

),

best_phone as (

    select distinct on (customer_id)
        customer_id,
        phone_e164
    from records
    where is_phone_usable and phone_e164 is not null
    order by customer_id asc, source_priority_rank asc, updated_at desc nulls last, contact_key asc

),

best_mobile as (

    select distinct on (customer_id)
        customer_id,
        phone_e164
    from records
    where is_phone_usable and phone_e164 is not null and phone_type = 'mobile'
    order by customer_id asc, source_priority_rank asc, updated_at desc nulls last, contact_key asc

),

best_postal as (

    select distinct on (customer_id)
        customer_id,
        concat_ws(', ', address_line, postal_code || ' ' || city, country_code) as postal_address
    from records
    where address_line is not null and postal_code is not null and city is not null
    order by customer_id asc, source_priority_rank asc, updated_at desc nulls last, contact_key asc

),

active_accounts as (

    select
        holders.customer_id,
        min(holders.account_id) as account_id
    from {{ ref('int_accounts_resolved') }} as holders
    inner join {{ ref('stg_crm__subscriptions') }} as subscriptions
        on holders.account_id = subscriptions.account_id
    where
        subscriptions.activated_at <= {{ crm_segments.as_of_at() }}
        and (
            subscriptions.deactivated_at is null or subscriptions.deactivated_at > {{ crm_segments.as_of_at() }}
        )
    group by holders.customer_id

),

addressed as (

    select
        persons.customer_id,
        channels.channel,
        case channels.channel
            when 'email' then best_email.email
            when 'sms' then best_mobile.phone_e164
            when 'outbound_call' then best_phone.phone_e164
            when 'ivr' then best_phone.phone_e164
            when 'direct_mail' then best_postal.postal_address
            when 'bill_insert' then case when active_accounts.account_id is not null then best_postal.postal_address end
            when 'tv_stb' then active_accounts.account_id
            when 'web' then active_accounts.account_id
        end as address,
        case
            when channels.channel = 'email' then 'email'
            when channels.channel in ('sms', 'outbound_call', 'ivr') then 'phone'
            when channels.channel in ('direct_mail', 'bill_insert') then 'postal'
            else 'account'
        end as address_type,
        erased.customer_id is not null as is_erased
    from persons
    cross join channels
    left join best_email on persons.customer_id = best_email.customer_id
    left join best_phone on persons.customer_id = best_phone.customer_id
    left join best_mobile on persons.customer_id = best_mobile.customer_id
    left join best_postal on persons.customer_id = best_postal.customer_id
    left join active_accounts on persons.customer_id = active_accounts.customer_id
    left join erased on persons.customer_id = erased.customer_id

),

final as (

    select
        customer_id,
        channel,
        address_type,
        case when not is_erased then address end as address,
        not is_erased and address is not null as is_reachable
    from addressed

)

select * from final
