{#-
  Text building blocks of contact standardization: Unicode clean-up, diacritic folding,
  Cyrillic -> Latin transliteration and matching keys. Plain SQL (translate, replace, regex),
  no extension needed (no unaccent), never raises. Case mapping of non-ASCII letters needs a
  database with a UTF-8 ctype (C.UTF-8 or xx_XX.UTF-8), as the embedded server and the
  tested PostgreSQL servers have.
-#}

{#- Character classes used by several macros (PostgreSQL ARE syntax). -#}
{% macro han_class() -%}
    {{ return('[\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff]') }}
{%- endmacro %}

{% macro cyrillic_class() -%}
    {{ return('[\\u0400-\\u04ff]') }}
{%- endmacro %}

{% macro latin_class() -%}
    {{ return('[A-Za-z\\u00c0-\\u00d6\\u00d8-\\u00f6\\u00f8-\\u024f\\u1e00-\\u1eff]') }}
{%- endmacro %}


{% macro clean_unicode(expr) -%}
    {{ return(adapter.dispatch('clean_unicode', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- NFC, the legacy Romanian cedilla letters ş ţ Ş Ţ as comma-below ș ț Ș Ț, tabs, line breaks,
    no-break, zero-width and ideographic spaces as spaces, runs of up to 16 spaces as one,
    trimmed; empty -> NULL. No regular expression: see the note in the model. -#}
{% macro default__clean_unicode(expr) -%}
    nullif(btrim(
        replace(replace(replace(replace(
            translate(normalize(({{ expr }})::text, nfc), E'şţŞŢ\t\r\n\u00a0\u2007\u202f\u3000\u200b', 'șțȘȚ       '),
            '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' ')
    ), '')
{%- endmacro %}


{% macro fold_diacritics(expr) -%}
    {{ return(adapter.dispatch('fold_diacritics', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- Lower-case Latin letters with diacritics as their base letter (ă â î ș ş ț ţ -> a a i s s t t,
    ä ö ü é ñ ..., Vietnamese and pinyin tone marks), ß æ œ as ss ae oe, and Cyrillic ё as е.
    Expects lower-case input (call lower() first).

    In two steps, with the result of one: translate() looks up each character of the value in
    its list, so the list of 300 letters cost about 20 us a name or address. The letters most
    values carry (the Romanian ones, ё, ó ü á) are folded first by a short list; the long one
    runs only on a value that still has a letter of its range (every letter it folds is in the
    range, and the short list folds each letter as the long one does; tests/macros/
    test_fold_diacritics.sql compares the two). -#}
{% macro default__fold_diacritics(expr) -%}
    {%- set common -%}
        translate(({{ expr }}), 'șățşţâîёóüá', 'satstaiеoua')
    {%- endset -%}
    case
        when {{ common }} ~ '[\u00c0-\u02af\u1e00-\u1eff]'
            then {{ crm_segments.fold_diacritics_all(common) }}
        else {{ common }}
    end
{%- endmacro %}


{% macro fold_diacritics_all(expr) -%}
    {{ return(adapter.dispatch('fold_diacritics_all', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- Step 2 of fold_diacritics, and the whole rule by itself: every letter of the list. -#}
{% macro default__fold_diacritics_all(expr) -%}
    replace(replace(replace(translate(({{ expr }}),
        'àáâãäåçèéêëìíîïñòóôõöùúûüýÿāăąćĉċčďēĕėęěĝğġģĥĩīĭįĵķĺļľńņňōŏőŕŗřśŝşšţťũūŭůűųŵŷźżžơưǎǐǒǔǖǘǚǜǟǡǧǩǫǭǰǵǹǻȁȃȅȇȉȋȍȏȑȓȕȗșțȟȧȩȫȭȯȱȳḁḃḅḇḉḋḍḏḑḓḕḗḙḛḝḟḡḣḥḧḩḫḭḯḱḳḵḷḹḻḽḿṁṃṅṇṉṋṍṏṑṓṕṗṙṛṝṟṡṣṥṧṩṫṭṯṱṳṵṷṹṻṽṿẁẃẅẇẉẋẍẏẑẓẕẖẗẘẙạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹøǿđðłŀıħŧƀƶɨё',
        'aaaaaaceeeeiiiinooooouuuuyyaaaccccdeeeeegggghiiiijklllnnnooorrrssssttuuuuuuwyzzzouaiouuuuuaagkoojgnaaaeeiioorruusthaeooooyabbbcdddddeeeeefghhhhhiikkkllllmmmnnnnoooopprrrrsssssttttuuuuuvvwwwwwxxyzzzhtwyaaaaaaaaaaaaeeeeeeeeiioooooooooooouuuuuuuyyyyooddllihtbziе'
    ), 'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe')
{%- endmacro %}


{% macro transliterate(expr) -%}
    {{ return(adapter.dispatch('transliterate', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- Lower-case, diacritics folded (fold_diacritics) and Cyrillic romanised with the passport
    style used by Russian (and Kazakh/Ukrainian) documents: Иванов -> ivanov, Юлия -> yuliya,
    Дмитрий -> dmitriy, Щукин -> shchukin, ь ъ dropped. Han and other scripts stay as written.
    Each step runs only on a value that has a character it changes: an ASCII value is only
    lower-cased, the diacritics table (a translate over 262 letters, the costly part) needs a
    letter of the Latin-1 to IPA or Latin Extended Additional blocks (or ё), the Cyrillic steps
    a Cyrillic letter. The argument is read up to four times: pass a column or a cheap
    expression. -#}
{% macro default__transliterate(expr) -%}
    {%- set lowered = "lower(" ~ expr ~ ")" -%}
    {%- set folded -%}
        case
            when {{ lowered }} ~ '[\u00c0-\u02af\u1e00-\u1effё]'
                then {{ crm_segments.fold_diacritics(lowered) }}
            else {{ lowered }}
        end
    {%- endset -%}
    case
        when octet_length({{ expr }}) = length({{ expr }}) then {{ lowered }}
        when {{ lowered }} ~ '{{ crm_segments.cyrillic_class() }}'
            then translate(
                replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
                    {{ folded }},
                    'щ', 'shch'), 'ж', 'zh'), 'х', 'kh'), 'ц', 'ts'), 'ч', 'ch'), 'ш', 'sh'),
                    'ю', 'yu'), 'я', 'ya'), 'є', 'ye'), 'ї', 'yi'),
                'абвгдезийклмнопрстуфыэіґўәғқңөұүһъь',
                'abvgdeziyklmnoprstufyeiguagknouuh'
            )
        else {{ folded }}
    end
{%- endmacro %}


{% macro text_key(expr) -%}
    {{ return(adapter.dispatch('text_key', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- A matching key: transliterate, then everything but letters and digits removed
    ("Ștefan-Ilie" -> stefanilie, "Иванов" -> ivanov, "欧阳 娜娜" -> 欧阳娜娜). Empty -> NULL. -#}
{% macro default__text_key(expr) -%}
    nullif(regexp_replace({{ crm_segments.transliterate(expr) }}, '[^[:alnum:]]+', '', 'g'), '')
{%- endmacro %}


{% macro alias_key(expr) -%}
    {{ return(adapter.dispatch('alias_key', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- The lookup form of a code or name (the alias column of the country_codes seed): NFC,
    lower-case, Latin diacritics folded, dots and apostrophes removed, other punctuation as a
    space, single-spaced ("P.R.C." -> prc, "România" -> romania, "Российская Федерация" ->
    российская федерация). Cyrillic and Han stay in their script. -#}
{% macro default__alias_key(expr) -%}
    nullif(btrim(regexp_replace(
        translate({{ crm_segments.fold_diacritics('lower(normalize((' ~ expr ~ ')::text, nfc))') }}, '.''’`´ʼ', ''),
        '[^[:alnum:]]+', ' ', 'g'
    )), '')
{%- endmacro %}
