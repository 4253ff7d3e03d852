{#- Readable NPS answers (a score 0-10) with the person who gave them (the holder of the
    account, int_accounts_resolved) and their class (macro nps_class: promoter 9-10, passive,
    detractor 0-6 by the vars nps_promoter_min_score and nps_detractor_max_score). Answers
    without a readable score or time, or of an account no resolved record names, are not here
    (counted by the staging tests and assert_account_facts_have_a_holder). -#}
with

responses as (

    select * from {{ ref('stg_crm__nps_responses') }}
    where score is not null and responded_at is not null

),

holders as (

    select * from {{ ref('int_accounts_resolved') }}

),

final as (

    select
        responses.response_id,
        holders.customer_id,
        responses.account_id,
        responses.score,
        {{ crm_segments.nps_class('responses.score') }} as nps_class,
        responses.responded_at,
        {{ crm_segments.utc_date('responses.responded_at') }} as responded_date,
        {{ crm_segments.utc_month('responses.responded_at') }} as response_month
    from responses
    inner join holders on responses.account_id = holders.account_id

)

select * from final
