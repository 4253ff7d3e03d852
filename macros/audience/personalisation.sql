{#- Personalisation of campaign messages (issue 14): a gender where the data says it (national
    id, Russian patronymic or family-name ending) and a greeting rendered from the seed
    greeting_forms. Used by int_customer_greetings (with name_script of standardize/names.sql). -#}

{% macro gender_from_national_id(expr) -%}
    {{ return(adapter.dispatch('gender_from_national_id', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- male or female from a valid national id that encodes it: a Romanian CNP (13 digits, first
    digit 1/3/5/7 male, 2/4/6/8 female; 9 = foreigner, unknown) or a Chinese resident id (18
    characters, the 17th digit odd male, even female); NULL otherwise. -#}
{% macro default__gender_from_national_id(expr) -%}
    case
        when {{ expr }} ~ '^[1-8][0-9]{12}$'
            then case when substr({{ expr }}, 1, 1)::int % 2 = 1 then 'male' else 'female' end
        when {{ expr }} ~ '^[0-9]{17}[0-9Xx]$'
            then case when substr({{ expr }}, 17, 1)::int % 2 = 1 then 'male' else 'female' end
    end
{%- endmacro %}


{% macro gender_from_russian_name(patronymic, last_name) -%}
    {{ return(adapter.dispatch('gender_from_russian_name', 'crm_segments')(patronymic, last_name)) }}
{%- endmacro %}

{#- male or female from a Cyrillic patronymic (-вич/-ич male, -вна/-чна female), else from a
    Cyrillic family name with an unambiguous ending (-ова/-ева/-ина/-ская female, -ов/-ев/-ский
    male); NULL otherwise (Latin or Han names, Шевченко). -#}
{% macro default__gender_from_russian_name(patronymic, last_name) -%}
    case
        when lower({{ patronymic }}) ~ '(вич|ьич|ич)$' then 'male'
        when lower({{ patronymic }}) ~ '(вна|чна)$' then 'female'
        when lower({{ last_name }}) ~ '^[а-яё-]+(ова|ева|ёва|ина|ская|цкая)$' then 'female'
        when lower({{ last_name }}) ~ '^[а-яё-]+(ов|ев|ёв|ин|ский|цкий)$' then 'male'
    end
{%- endmacro %}


{% macro render_greeting(template, first_name, last_name, patronymic, full_name) -%}
    {{ return(adapter.dispatch('render_greeting', 'crm_segments')(template, first_name, last_name, patronymic, full_name)) }}
{%- endmacro %}

{#- The template with {first_name}, {last_name}, {full_name} and {patronymic} replaced
    ("{ patronymic}" is a space and the patronymic, or nothing); NULL when the template needs a
    name part that is NULL, so that the caller can fall back to another form. -#}
{% macro default__render_greeting(template, first_name, last_name, patronymic, full_name) -%}
    nullif(
        regexp_replace(
            replace(replace(replace(replace({{ template }},
                '{ patronymic}', coalesce(' ' || {{ patronymic }}, '')),
                '{first_name}', coalesce({{ first_name }}, chr(1))),
                '{last_name}', coalesce({{ last_name }}, chr(1))),
                '{full_name}', coalesce({{ full_name }}, chr(1))),
            '^.*' || chr(1) || '.*$', ''
        ),
        ''
    )
{%- endmacro %}
