{#- How to address each person in a campaign message (issue 14): the first name of the golden
    record, a message language and locale from the name's script and the person's country, a
    gender where the data says it (a national id that encodes it, else a Russian patronymic or
    family-name ending; never guessed from a first name), and the salutation and greeting of
    the seed greeting_forms in that language (the gendered form when the gender and the name
    parts it needs are known, else the neutral one). Reads the customers mart: an erased person
    has no name there, so no greeting either. -#}
with

customers as (

    select * from {{ ref('customers') }}

),

message_languages as (

    select * from {{ ref('message_languages') }}

),

greeting_forms as (

    select * from {{ ref('greeting_forms') }}

),

default_language as (

    select coalesce(max(language_code), 'en') as language_code
    from message_languages
    where country_code = '{{ var("default_country") }}'

),

persons as (

    select
        customers.customer_id,
        customers.first_name,
        customers.last_name,
        customers.full_name,
        patronymics.patronymic,
        coalesce(customers.country_code, '{{ var("default_country") }}') as country_code,
        {{ crm_segments.name_script('customers.full_name') }} as name_script,
        coalesce(
            {{ crm_segments.gender_from_national_id('customers.national_id') }},
            {{ crm_segments.gender_from_russian_name('patronymics.patronymic', 'customers.last_name') }}
        ) as gender
    from customers
    left join lateral (
        select words.word as patronymic
        from unnest({{ crm_segments.name_tokens('customers.full_name') }}) with ordinality as words (word, position)
        where {{ crm_segments.name_is_patronymic('words.word') }}
        order by words.position desc
        limit 1
    ) as patronymics on true
    where not customers.is_erased

),

languages as (

    select
        persons.*,
        case persons.name_script
            when 'han' then 'zh'
            when 'cyrillic' then 'ru'
            else coalesce(message_languages.language_code, default_language.language_code)
        end as language_code
    from persons
    cross join default_language
    left join message_languages on persons.country_code = message_languages.country_code

),

final as (

    select
        languages.customer_id,
        languages.first_name,
        languages.patronymic,
        languages.gender,
        languages.name_script,
        languages.language_code,
        languages.language_code || '-' || languages.country_code as locale,
        case
            when {{ crm_segments.render_greeting('gendered.greeting_template', 'languages.first_name',
                'languages.last_name', 'languages.patronymic', 'languages.full_name') }} is not null
                then nullif(gendered.salutation, '')
        end as salutation,
        coalesce(
            {{ crm_segments.render_greeting('gendered.greeting_template', 'languages.first_name',
                'languages.last_name', 'languages.patronymic', 'languages.full_name') }},
            {{ crm_segments.render_greeting('neutral.greeting_template', 'languages.first_name',
                'languages.last_name', 'languages.patronymic', 'languages.full_name') }}
        ) as greeting
    from languages
    left join greeting_forms as gendered
        on languages.language_code = gendered.language_code and languages.gender = gendered.gender
    left join greeting_forms as neutral
        on languages.language_code = neutral.language_code and neutral.gender = 'unknown'

)

select * from final
