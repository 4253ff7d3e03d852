{#-
  Person names: display forms, first/last split of a full name, script and matching keys.
  The split works on a token array (name_tokens) computed once per row in a fenced CTE; the
  rules are documented in macros/standardize/_standardize__macros.yml and in the model YAML.
-#}

{% macro name_clean(expr) -%}
    {{ return(adapter.dispatch('name_clean', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- clean_unicode, then everything before the first letter and trailing separators removed;
    NULL when no letter is left ("-", "123"). -#}
{% macro default__name_clean(expr) -%}
    nullif(rtrim(substring({{ crm_segments.clean_unicode(expr) }} from '[[:alpha:]].*$'), ' ,;:_/\"*-'), '')
{%- endmacro %}


{% macro name_script(expr) -%}
    {{ return(adapter.dispatch('name_script', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- 'latin', 'cyrillic' or 'han' when the letters are of that script only; 'mixed' when letters
    of several of them appear, or letters of none of them (e.g. Greek); NULL without a letter. -#}
{% macro default__name_script(expr) -%}
    {%- set has_han = '(' ~ expr ~ ") ~ '" ~ crm_segments.han_class() ~ "'" -%}
    {%- set has_cyr = '(' ~ expr ~ ") ~ '" ~ crm_segments.cyrillic_class() ~ "'" -%}
    {%- set has_lat = '(' ~ expr ~ ") ~ '" ~ crm_segments.latin_class() ~ "'" -%}
    case
        when ({{ expr }}) is null then null
        when {{ has_lat }} then case when {{ has_cyr }} or {{ has_han }} then 'mixed' else 'latin' end
        when {{ has_cyr }} then case when {{ has_han }} then 'mixed' else 'cyrillic' end
        when {{ has_han }} then 'han'
        else 'mixed'
    end
{%- endmacro %}


{% macro name_tokens(expr) -%}
    {{ return(adapter.dispatch('name_tokens', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- text[] of the words of a cleaned (single-spaced) name; commas separate words too. -#}
{% macro default__name_tokens(expr) -%}
    string_to_array(replace(replace(btrim(({{ expr }}), ' ,'), ',', ' '), '  ', ' '), ' ')
{%- endmacro %}


{% macro name_is_patronymic(expr) -%}
    {{ return(adapter.dispatch('name_is_patronymic', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- True when the word looks like an East Slavic patronymic (Иванович, Ивановна, Ильинична,
    Кузьмич, Ivanovich, Ivanovna): at least 5 letters and a patronymic ending. -#}
{% macro default__name_is_patronymic(expr) -%}
    {%- set w = 'lower(' ~ expr ~ ')' -%}
    coalesce(char_length({{ expr }}) >= 5 and (
        right({{ w }}, 3) in ('вич', 'вна', 'ьич', 'мич', 'кич', 'тич', 'vna')
        or right({{ w }}, 4) in ('ична', 'vich')
        or right({{ w }}, 5) = 'ichna'
    ), false)
{%- endmacro %}


{% macro name_surname_score(expr) -%}
    {{ return(adapter.dispatch('name_surname_score', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- How much a word looks like a family name by its ending: 2 for the strong Romanian,
    Russian, Ukrainian and Polish endings (Popescu, Munteanu, Иванов(а), Ivanova, Островская,
    Шевченко, Kowalski), 1 for the Russian -ин/-ина/-ын/-ына (also given names: Ирина), else 0.
    At least two letters must come before the ending (Lev, Лев are not family names). -#}
{% macro default__name_surname_score(expr) -%}
    {%- set w = 'lower(' ~ expr ~ ')' -%}
    {%- set n = 'char_length(' ~ expr ~ ')' -%}
    case
        when {{ n }} >= 4 and right({{ w }}, 2) in ('ov', 'ev', 'ов', 'ев', 'ёв', 'ых', 'их', 'юк')
            or {{ n }} >= 5 and right({{ w }}, 3) in ('ova', 'eva', 'ова', 'ева', 'ёва', 'sky', 'ski', 'yuk', 'чук')
            or {{ n }} >= 6 and right({{ w }}, 4) in ('escu', 'eanu', 'skiy', 'skii', 'enko', 'chuk', 'ский', 'ская', 'цкий', 'цкая', 'ской', 'енко')
            or {{ n }} >= 7 and right({{ w }}, 5) = 'skaya'
            then 2
        when {{ n }} >= 4 and right({{ w }}, 2) in ('ин', 'ын')
            or {{ n }} >= 5 and right({{ w }}, 3) in ('ина', 'ына')
            then 1
        else 0
    end
{%- endmacro %}


{% macro name_is_upper(expr) -%}
    {{ return(adapter.dispatch('name_is_upper', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- True for a word of at least two characters written in capitals (POPESCU, ИВАНОВ). -#}
{% macro default__name_is_upper(expr) -%}
    coalesce(char_length({{ expr }}) >= 2 and ({{ expr }}) = upper({{ expr }}) and ({{ expr }}) <> lower({{ expr }}), false)
{%- endmacro %}


{% macro name_is_family_first(tokens, has_comma) -%}
    {{ return(adapter.dispatch('name_is_family_first', 'crm_segments')(tokens, has_comma)) }}
{%- endmacro %}

{#- For a Latin or Cyrillic full name of two or more words without a patronymic: is the family
    name written first? Yes when a comma follows the first word ("POPESCU, Ion"); else when the
    first word alone is in capitals ("POPESCU Ion", "ИВАНОВ Иван"); else when the first word
    looks more like a family name than the last one (name_surname_score: "Popescu Maria",
    "Иванова Ксения"). Otherwise the Western order "First Last" is assumed. -#}
{% macro default__name_is_family_first(tokens, has_comma) -%}
    {%- set n = 'cardinality(' ~ tokens ~ ')' -%}
    {%- set t1 = tokens ~ '[1]' -%}
    {%- set tn = tokens ~ '[' ~ n ~ ']' -%}
    (
        {{ n }} >= 2
        and (
            ({{ has_comma }})
            or ({{ crm_segments.name_is_upper(t1) }} and not {{ crm_segments.name_is_upper(tn) }})
            or (
                not ({{ crm_segments.name_is_upper(tn) }} and not {{ crm_segments.name_is_upper(t1) }})
                and {{ crm_segments.name_surname_score(t1) }} > {{ crm_segments.name_surname_score(tn) }}
            )
        )
    )
{%- endmacro %}


{% macro name_is_particle(expr) -%}
    {{ return(adapter.dispatch('name_is_particle', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- Lower-case family-name particles: de, da, di, del, della, van, von, der, la, le, ... -#}
{% macro default__name_is_particle(expr) -%}
    coalesce(lower({{ expr }}) in (
        'de', 'da', 'di', 'do', 'du', 'del', 'della', 'der', 'den', 'des', 'dos', 'das',
        'la', 'le', 'van', 'von', 'ten', 'ter', 'zu'
    ), false)
{%- endmacro %}


{% macro han_family_name_length(expr) -%}
    {{ return(adapter.dispatch('han_family_name_length', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- Characters of the family name at the start of a Han name written without spaces: 2 for
    the common compound surnames (欧阳 司马 诸葛 上官 ...) when at least one character
    follows, else 1. -#}
{% macro default__han_family_name_length(expr) -%}
    case
        when char_length({{ expr }}) >= 3 and left({{ expr }}, 2) in (
            '欧阳', '歐陽', '司马', '司馬', '诸葛', '諸葛', '上官', '东方', '東方', '皇甫', '尉迟', '尉遲',
            '公孙', '公孫', '慕容', '长孙', '長孫', '宇文', '司徒', '夏侯', '轩辕', '軒轅', '令狐',
            '钟离', '鍾離', '闻人', '聞人', '澹台', '單于', '单于', '太史', '申屠', '端木', '南宫', '南宮',
            '西门', '西門', '独孤', '獨孤', '百里', '呼延', '公冶', '濮阳', '淳于', '万俟', '赫连',
            '司空', '拓跋', '第五'
        ) then 2
        else 1
    end
{%- endmacro %}


{% macro name_case(expr) -%}
    {{ return(adapter.dispatch('name_case', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- Display casing of a Latin or Cyrillic name part: initcap per word and per hyphenated or
    apostrophe part ("ana-maria" -> Ana-Maria, "o'brien" -> O'Brien, "ИВАНОВ" -> Иванов), the
    particles of name_is_particle in lower case inside a name ("Ludwig Van Beethoven" ->
    Ludwig van Beethoven). A value already in deliberate mixed case (McDonald, DiCaprio: not
    all capitals, not all small letters, not initcap, and never two capitals in a row) is kept
    as typed. Han and other scripts without case are unchanged. -#}
{% macro default__name_case(expr) -%}
    {%- set cap = 'initcap(' ~ expr ~ ')' -%}
    {#- a particle between two words is glued to the word before it with the letter ǁ (U+01C1),
        so initcap leaves it in small letters; then ǁ becomes a space again. One regular
        expression instead of one replace() per particle keeps the SQL shallow. -#}
    {%- set particles = "de|da|di|do|du|del|della|der|den|des|dos|das|la|le|van|von|ten|ter|zu" -%}
    case
        when ({{ expr }}) <> upper({{ expr }}) and ({{ expr }}) <> lower({{ expr }}) and ({{ expr }}) <> {{ cap }}
            and ({{ expr }}) !~ '[[:upper:]]{2}'
            then ({{ expr }})
        when strpos({{ expr }}, ' ') > 0
            then replace(initcap(regexp_replace({{ expr }}, ' ({{ particles }})(?= )', 'ǁ\1', 'gi')), 'ǁ', ' ')
        else {{ cap }}
    end
{%- endmacro %}


{% macro name_is_placeholder(expr) -%}
    {{ return(adapter.dispatch('name_is_placeholder', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- True when a name key (text_key of first and last name together) is test data or a
    stand-in rather than a person: test, test test, asdf, x, unknown, client necunoscut,
    walk-in customer, тест тестов, 测试, ... -#}
{% macro default__name_is_placeholder(expr) -%}
    coalesce(
        char_length({{ expr }}) < 2 and ({{ expr }}) between '0' and 'z'
        or replace({{ expr }}, 'test', '') = ''
        or replace({{ expr }}, '测试', '') = ''
        or translate({{ expr }}, 'x', '') = ''
        or ({{ expr }}) in (
            'asdf', 'asdfasdf', 'qwerty', 'xy', 'aaa', 'abc', 'testtestov', 'testov', 'testovich',
            'client', 'customer', 'clientnecunoscut', 'necunoscut', 'unknown', 'noname', 'nume',
            'prenume', 'numeprenume', 'walkin', 'walkincustomer', 'anonim', 'anonymous', 'null',
            'none', 'na', 'nn', 'neizvestno', 'klient', 'familiya', 'imya', 'familiyaimya',
            '未知', '无名', '客户'
        ),
        false
    )
{%- endmacro %}
