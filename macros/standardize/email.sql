{#- E-mail addresses: one cleaned form, and a reason when it cannot be used. -#}

{% macro standardize_email(expr) -%}
    {{ return(adapter.dispatch('standardize_email', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- Trimmed (incl. no-break spaces), lower-cased, NFC; a "mailto:" prefix and a display name
    around <address> removed ("Ion <ION@X.RO>" -> ion@x.ro); empty -> NULL. -#}
{% macro default__standardize_email(expr) -%}
    {%- set v = "lower(btrim(normalize((" ~ expr ~ ")::text, nfc), E' \\t\\r\\n\\u00a0\\u200b'))" -%}
    nullif(btrim(replace(
        coalesce(nullif(split_part(split_part({{ v }}, '<', 2), '>', 1), ''), {{ v }}),
        'mailto:', ''
    )), '')
{%- endmacro %}


{% macro email_invalid_reason(expr) -%}
    {{ return(adapter.dispatch('email_invalid_reason', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- Why a standardized e-mail (standardize_email) cannot be used, NULL when it can:
    placeholder (noemail@..., test@test.com, null, -, n/a, нет, nu are, a@a, ...),
    missing_at, multiple_at, too_long (over 254 characters or a local part over 64),
    bad_local_part (empty, blanks, characters outside the RFC 5322 dot-atom, dots at the
    ends or doubled), bad_domain (no dot, a label starting or ending with '-', a top-level
    domain that is not 2+ letters or xn--, a trailing dot). Letters of any script are
    accepted (internationalised addresses). -#}
{% macro default__email_invalid_reason(expr) -%}
    {%- set local = "split_part(" ~ expr ~ ", '@', 1)" -%}
    {%- set domain = "split_part(" ~ expr ~ ", '@', 2)" -%}
    case
        when ({{ expr }}) is null then null
        when ({{ expr }}) in (
            'null', 'none', 'nil', 'no', 'nu', 'nu are', 'nuare', 'fara', 'fara email', 'n/a', 'na',
            'n.a.', '-', '--', '---', '.', '..', 'x', 'xx', 'xxx', '0', '00', '000', 'нет', 'не',
            'нет email', 'отсутствует', 'не указан', '无', '没有', 'no email', 'noemail', 'email'
        ) then 'placeholder'
        when strpos({{ expr }}, '@') > 0 and (
            {{ local }} in (
                'noemail', 'no.email', 'no-email', 'no_email', 'nomail', 'no.mail', 'noname', 'none',
                'no', 'null', 'nil', 'test', 'testing', 'tester', 'email', 'e-mail', 'mail', 'na', 'n.a',
                'nu', 'nuare', 'nu.are', 'fara', 'faraemail', 'fara.email', 'noreply', 'no-reply',
                'donotreply', 'asdf', 'qwerty', 'x', 'xx', 'xxx', 'a', 'aa', 'aaa', 'abc', '0', '1',
                '123', '1234', '12345', '123456'
            )
            or split_part({{ domain }}, '.', 1) in (
                'noemail', 'no-email', 'nomail', 'no-mail', 'none', 'null', 'test', 'example',
                'mailinator', 'localhost', 'invalid'
            )
            or char_length({{ domain }}) = 1
        ) then 'placeholder'
        when strpos({{ expr }}, '@') = 0 then 'missing_at'
        when strpos(substr({{ expr }}, strpos({{ expr }}, '@') + 1), '@') > 0 then 'multiple_at'
        when char_length({{ expr }}) > 254 or char_length({{ local }}) > 64 then 'too_long'
        when ({{ local }}) !~ '^[[:alnum:]!#$%&''*+/=?^_`{|}~-]+(\.[[:alnum:]!#$%&''*+/=?^_`{|}~-]+)*$'
            then 'bad_local_part'
        when ({{ domain }}) !~ '^([[:alnum:]]([[:alnum:]-]{0,61}[[:alnum:]])?\.)+([[:alpha:]]{2,63}|xn--[a-z0-9-]{1,59})$'
            then 'bad_domain'
    end
{%- endmacro %}
