{#-
  Telephone numbers to E.164. The number is read in small steps, each a macro, so that the
  model can compute every step once per row in fenced CTEs:

    phone_text            the number as typed: first of a list, without label or extension
    phone_digits          its digits (phone_raw_digits)
    phone_international   the digits after an international prefix (+, 00, Russian 8 10), or NULL
    phone_calling_code    the country calling code (from the number, else from the region hint)
    phone_national_number the national significant number (trunk prefix and stray codes removed)
    phone_country         ISO alpha-2 of the number (+7: Kazakhstan for 7xx, else Russia)
    phone_type            mobile / fixed / unknown by the country's numbering plan; NULL = invalid
    phone_invalid_reason  placeholder, not_a_number, bad_country_code, too_short, too_long, bad_prefix
    phone_e164            '+' || calling code || national number, only for a valid number

  Numbering plans (phone_plans) exist for Romania, Russia, Kazakhstan, China and a few other
  common countries; other countries get a generic check (E.164 length, leading 0 as trunk
  prefix) and the type 'unknown'. The var phone_plans adds or replaces plans.
-#}

{#- Calling code -> the main region that uses it (ITU-T E.164 assignments; shared codes such as
    +1 and +7 map to their main region, see phone_country). -#}
{% macro phone_calling_codes() -%}
    {{ return({
        '1': 'US', '7': 'RU', '20': 'EG', '27': 'ZA', '30': 'GR', '31': 'NL', '32': 'BE', '33': 'FR', '34': 'ES', '36': 'HU',
        '39': 'IT', '40': 'RO', '41': 'CH', '43': 'AT', '44': 'GB', '45': 'DK', '46': 'SE', '47': 'NO', '48': 'PL', '49': 'DE',
        '51': 'PE', '52': 'MX', '53': 'CU', '54': 'AR', '55': 'BR', '56': 'CL', '57': 'CO', '58': 'VE', '60': 'MY', '61': 'AU',
        '62': 'ID', '63': 'PH', '64': 'NZ', '65': 'SG', '66': 'TH', '81': 'JP', '82': 'KR', '84': 'VN', '86': 'CN', '90': 'TR',
        '91': 'IN', '92': 'PK', '93': 'AF', '94': 'LK', '95': 'MM', '98': 'IR', '211': 'SS', '212': 'MA', '213': 'DZ', '216': 'TN',
        '218': 'LY', '220': 'GM', '221': 'SN', '222': 'MR', '223': 'ML', '224': 'GN', '225': 'CI', '226': 'BF', '227': 'NE', '228': 'TG',
        '229': 'BJ', '230': 'MU', '231': 'LR', '232': 'SL', '233': 'GH', '234': 'NG', '235': 'TD', '236': 'CF', '237': 'CM', '238': 'CV',
        '239': 'ST', '240': 'GQ', '241': 'GA', '242': 'CG', '243': 'CD', '244': 'AO', '245': 'GW', '246': 'IO', '247': 'AC', '248': 'SC',
        '249': 'SD', '250': 'RW', '251': 'ET', '252': 'SO', '253': 'DJ', '254': 'KE', '255': 'TZ', '256': 'UG', '257': 'BI', '258': 'MZ',
        '260': 'ZM', '261': 'MG', '262': 'RE', '263': 'ZW', '264': 'NA', '265': 'MW', '266': 'LS', '267': 'BW', '268': 'SZ', '269': 'KM',
        '290': 'SH', '291': 'ER', '297': 'AW', '298': 'FO', '299': 'GL', '350': 'GI', '351': 'PT', '352': 'LU', '353': 'IE', '354': 'IS',
        '355': 'AL', '356': 'MT', '357': 'CY', '358': 'FI', '359': 'BG', '370': 'LT', '371': 'LV', '372': 'EE', '373': 'MD', '374': 'AM',
        '375': 'BY', '376': 'AD', '377': 'MC', '378': 'SM', '380': 'UA', '381': 'RS', '382': 'ME', '383': 'XK', '385': 'HR', '386': 'SI',
        '387': 'BA', '389': 'MK', '420': 'CZ', '421': 'SK', '423': 'LI', '500': 'FK', '501': 'BZ', '502': 'GT', '503': 'SV', '504': 'HN',
        '505': 'NI', '506': 'CR', '507': 'PA', '508': 'PM', '509': 'HT', '590': 'GP', '591': 'BO', '592': 'GY', '593': 'EC', '594': 'GF',
        '595': 'PY', '596': 'MQ', '597': 'SR', '598': 'UY', '599': 'CW', '670': 'TL', '672': 'NF', '673': 'BN', '674': 'NR', '675': 'PG',
        '676': 'TO', '677': 'SB', '678': 'VU', '679': 'FJ', '680': 'PW', '681': 'WF', '682': 'CK', '683': 'NU', '685': 'WS', '686': 'KI',
        '687': 'NC', '688': 'TV', '689': 'PF', '690': 'TK', '691': 'FM', '692': 'MH', '850': 'KP', '852': 'HK', '853': 'MO', '855': 'KH',
        '856': 'LA', '880': 'BD', '886': 'TW', '960': 'MV', '961': 'LB', '962': 'JO', '963': 'SY', '964': 'IQ', '965': 'KW', '966': 'SA',
        '967': 'YE', '968': 'OM', '970': 'PS', '971': 'AE', '972': 'IL', '973': 'BH', '974': 'QA', '975': 'BT', '976': 'MN', '977': 'NP',
        '992': 'TJ', '993': 'TM', '994': 'AZ', '995': 'GE', '996': 'KG', '998': 'UZ'
    }) }}
{%- endmacro %}

{#- Region (ISO alpha-2) -> calling code. -#}
{% macro phone_region_codes() -%}
    {{ return({
        'AC': '247', 'AD': '376', 'AE': '971', 'AF': '93', 'AG': '1', 'AI': '1', 'AL': '355', 'AM': '374', 'AO': '244', 'AR': '54',
        'AS': '1', 'AT': '43', 'AU': '61', 'AW': '297', 'AX': '358', 'AZ': '994', 'BA': '387', 'BB': '1', 'BD': '880', 'BE': '32',
        'BF': '226', 'BG': '359', 'BH': '973', 'BI': '257', 'BJ': '229', 'BL': '590', 'BM': '1', 'BN': '673', 'BO': '591', 'BQ': '599',
        'BR': '55', 'BS': '1', 'BT': '975', 'BW': '267', 'BY': '375', 'BZ': '501', 'CA': '1', 'CC': '61', 'CD': '243', 'CF': '236',
        'CG': '242', 'CH': '41', 'CI': '225', 'CK': '682', 'CL': '56', 'CM': '237', 'CN': '86', 'CO': '57', 'CR': '506', 'CU': '53',
        'CV': '238', 'CW': '599', 'CX': '61', 'CY': '357', 'CZ': '420', 'DE': '49', 'DJ': '253', 'DK': '45', 'DM': '1', 'DO': '1',
        'DZ': '213', 'EC': '593', 'EE': '372', 'EG': '20', 'EH': '212', 'ER': '291', 'ES': '34', 'ET': '251', 'FI': '358', 'FJ': '679',
        'FK': '500', 'FM': '691', 'FO': '298', 'FR': '33', 'GA': '241', 'GB': '44', 'GD': '1', 'GE': '995', 'GF': '594', 'GG': '44',
        'GH': '233', 'GI': '350', 'GL': '299', 'GM': '220', 'GN': '224', 'GP': '590', 'GQ': '240', 'GR': '30', 'GT': '502', 'GU': '1',
        'GW': '245', 'GY': '592', 'HK': '852', 'HN': '504', 'HR': '385', 'HT': '509', 'HU': '36', 'ID': '62', 'IE': '353', 'IL': '972',
        'IM': '44', 'IN': '91', 'IO': '246', 'IQ': '964', 'IR': '98', 'IS': '354', 'IT': '39', 'JE': '44', 'JM': '1', 'JO': '962',
        'JP': '81', 'KE': '254', 'KG': '996', 'KH': '855', 'KI': '686', 'KM': '269', 'KN': '1', 'KP': '850', 'KR': '82', 'KW': '965',
        'KY': '1', 'KZ': '7', 'LA': '856', 'LB': '961', 'LC': '1', 'LI': '423', 'LK': '94', 'LR': '231', 'LS': '266', 'LT': '370',
        'LU': '352', 'LV': '371', 'LY': '218', 'MA': '212', 'MC': '377', 'MD': '373', 'ME': '382', 'MF': '590', 'MG': '261', 'MH': '692',
        'MK': '389', 'ML': '223', 'MM': '95', 'MN': '976', 'MO': '853', 'MP': '1', 'MQ': '596', 'MR': '222', 'MS': '1', 'MT': '356',
        'MU': '230', 'MV': '960', 'MW': '265', 'MX': '52', 'MY': '60', 'MZ': '258', 'NA': '264', 'NC': '687', 'NE': '227', 'NF': '672',
        'NG': '234', 'NI': '505', 'NL': '31', 'NO': '47', 'NP': '977', 'NR': '674', 'NU': '683', 'NZ': '64', 'OM': '968', 'PA': '507',
        'PE': '51', 'PF': '689', 'PG': '675', 'PH': '63', 'PK': '92', 'PL': '48', 'PM': '508', 'PR': '1', 'PS': '970', 'PT': '351',
        'PW': '680', 'PY': '595', 'QA': '974', 'RE': '262', 'RO': '40', 'RS': '381', 'RU': '7', 'RW': '250', 'SA': '966', 'SB': '677',
        'SC': '248', 'SD': '249', 'SE': '46', 'SG': '65', 'SH': '290', 'SI': '386', 'SJ': '47', 'SK': '421', 'SL': '232', 'SM': '378',
        'SN': '221', 'SO': '252', 'SR': '597', 'SS': '211', 'ST': '239', 'SV': '503', 'SX': '1', 'SY': '963', 'SZ': '268', 'TA': '290',
        'TC': '1', 'TD': '235', 'TG': '228', 'TH': '66', 'TJ': '992', 'TK': '690', 'TL': '670', 'TM': '993', 'TN': '216', 'TO': '676',
        'TR': '90', 'TT': '1', 'TV': '688', 'TW': '886', 'TZ': '255', 'UA': '380', 'UG': '256', 'US': '1', 'UY': '598', 'UZ': '998',
        'VA': '39', 'VC': '1', 'VE': '58', 'VG': '1', 'VI': '1', 'VN': '84', 'VU': '678', 'WF': '681', 'WS': '685', 'XK': '383',
        'YE': '967', 'YT': '262', 'ZA': '27', 'ZM': '260', 'ZW': '263'
    }) }}
{%- endmacro %}


{#- Numbering plans: trunk prefix, the lengths of a national significant number (used to read a
    number typed in national form and to tell too_short from too_long) and the patterns of
    mobile, fixed-line and other valid numbers (toll-free, premium, shared cost, personal,
    VoIP: type 'unknown'). The plans of Romania, Russia, Kazakhstan and China are the national
    number patterns of Google's libphonenumber metadata (v9.0.43, Apache-2.0), which follow
    the national plans (ANCOM, Rossvyaz, MIIT); the others are simplified. The var
    phone_plans (same shape) adds countries or replaces these. -#}
{% macro phone_plans() -%}
    {%- set plans = {
        'RO': {'trunk': '0', 'min': 9, 'max': 9,
            'mobile': '7020\\d{5}|7(?:0[013-9]|1[0-3]|[2-7]\\d|8[03-8]|9[0-39])\\d{6}',
            'fixed': '[23][13-6]\\d{7}|(?:2(?:19\\d|[3-6]\\d9)|31\\d\\d)\\d\\d',
            'other': '800\\d{6}|90[0136]\\d{6}|801\\d{6}|(?:37\\d|80[578])\\d{6}'},
        'RU': {'trunk': '8', 'min': 10, 'max': 10,
            'mobile': '9(?:[0-24-9]\\d{4}|3(?:0(?:0(?:05|[124579]\\d|3[0-7]|6[0-49]|8[04-9])|[1-9]\\d\\d)'
              ~ '|[1-9]\\d{3}))\\d{4}',
            'fixed': '(?:3(?:0[12]|36|4[1-35-79]|5[1-3]|65|8[1-58]|9[0145])|4(?:01|1[1356]|2[13467]|7[1-5]'
              ~ '|8[1-7]|9[1-689])|8(?:1[1-8]|2[01]|3[13-6]|4[0-8]|5[15-7]|6[0-35-79]|7[1-37-9]))\\d{7}',
            'other': '8(?:0[04]|108\\d{3})\\d{7}|80[39]\\d{7}|808\\d{7}'},
        'KZ': {'trunk': '8', 'min': 10, 'max': 10,
            'mobile': '7(?:0[0-25-8]|47|6[0-4]|7[15-8]|85)\\d{7}',
            'fixed': '7(?:1(?:0(?:[23]\\d|4[0-3]|59|63)|1(?:[23]\\d|4[0-79]|59)|2(?:[23]\\d|59)|3(?:2\\d'
              ~ '|3[0-79]|4[0-35-9]|59)|4(?:[24]\\d|3[013-9]|5[1-9]|97)|5(?:2\\d|3[1-9]|4[0-7]|59)'
              ~ '|6(?:[2-4]\\d|5[19]|61)|72\\d|8(?:[27]\\d|3[1-46-9]|4[0-5]|59))|2(?:1(?:[23]\\d|4[46-9]'
              ~ '|5[3469])|2(?:2\\d|3[0679]|46|5[12679])|3(?:[2-4]\\d|5[139])|4(?:2\\d|3[1-35-9]|59)'
              ~ '|5(?:[23]\\d|4[0-8]|59|61)|6(?:2\\d|3[1-9]|4[0-4]|59)|7(?:[2379]\\d|40|5[279])'
              ~ '|8(?:[23]\\d|4[0-3]|59)|9(?:2\\d|3[124578]|59)))\\d{5}',
            'other': '8(?:00|108\\d{3})\\d{7}|809\\d{7}|808\\d{7}|751\\d{7}'},
        'CN': {'trunk': '0', 'min': 10, 'max': 11,
            'mobile': '1(?:610\\d|740[0-5])\\d{6}|1(?:[38]\\d|4[57]|[59][0-35-9]|6[25-7]|7[0-35-8])\\d{8}',
            'fixed': '(?:10(?:[02-79]\\d\\d|[18](?:0[1-9]|[1-9]\\d))|2(?:[02-57-9]\\d{3}|1(?:[18](?:0[1-9]'
              ~ '|[1-9]\\d)|[2-79]\\d\\d))|9(?:78|94)\\d\\d)\\d{5}|(?:43[35]|754|851)\\d{7,8}|(?:10'
              ~ '|2[0-57-9])(?:1(?:00|23)\\d\\d|95\\d{3,4})|(?:43[35]|754|851)(?:1(?:00\\d|23)\\d'
              ~ '|95\\d{3,4})|9(?:78|94)(?:100\\d\\d|95\\d{3,4})|(?:3(?:11|7[179])|4(?:[15]1|3[12])'
              ~ '|5(?:1\\d|2[37]|3[12]|51|7[13-79]|9[15])|7(?:[39]1|5[57]|6[09])|8(?:71'
              ~ '|98))(?:[02-8]\\d{7}|1(?:0(?:0\\d\\d(?:\\d{3})?|[1-9]\\d{5})|[13-9]\\d{6}'
              ~ '|2(?:[0-24-9]\\d{5}|3\\d(?:\\d{4})?))|9(?:[0-46-9]\\d{6}|5\\d{3}(?:\\d(?:\\d{2})?)?))'
              ~ '|(?:3(?:1[02-9]|35|49|5\\d|7[02-6]|9[1-68])|4(?:1[25-9]|2[179]|3[46-9]|5[2-9]|6[47-9]'
              ~ '|7\\d|8[23])|5(?:3[03-9]|4[36]|5[02-9]|6[1-46]|7[028]|80|9[2-46-9])|6(?:3[1-35]|6[0238]'
              ~ '|9[12])|7(?:01|[17]\\d|2[248]|3[04-9]|4[3-6]|5[0-3689]|6[2368]|9[02-9])|8(?:1[236-8]'
              ~ '|2[5-7]|3\\d|5[4-9]|7[02-9]|8[36-8]|9[1-7])|9(?:0[1-3689]|1[1-79]|3\\d|4[13]|5[1-5]'
              ~ '|7[0-79]|9[0-35-9]))(?:[02-8]\\d{6}|1(?:0(?:0\\d\\d(?:\\d{2})?|[1-9]\\d{4})|[13-9]\\d{5}'
              ~ '|2(?:[0-24-9]\\d{4}|3\\d(?:\\d{3})?))|9(?:[0-46-9]\\d{5}|5\\d{3,5}))',
            'other': '(?:(?:10|21)8|8)00\\d{7}|16[08]\\d{5}|10(?:10\\d{4}|96\\d{3,4})|400\\d{7}|950\\d{7,8}'
              ~ '|(?:2[0-57-9]|3(?:[15]\\d|35|49|7[0-79]|9[1-68])|4(?:1[125-9]|2[179]|[35][1-9]|6[47-9]'
              ~ '|7\\d|8[23])|5(?:[1357]\\d|2[37]|4[36]|6[1-46]|80|9[1-9])|6(?:3[1-35]|6[0238]|9[12])'
              ~ '|7(?:01|[1579]\\d|2[248]|3[014-9]|4[3-6]|6[023689])|8(?:1[236-8]|2[5-7]|[37]\\d|5[14-9]'
              ~ '|8[36-8]|9[1-8])|9(?:0[1-3689]|1[1-79]|[379]\\d|4[13]|5[1-5]))96\\d{3,4}'},
        'MD': {'trunk': '0', 'min': 8, 'max': 8, 'mobile': '[67]\\d{7}',
               'fixed': '[2-5]\\d{7}', 'other': '(?:80|90)\\d{6}'},
        'UA': {'trunk': '0', 'min': 9, 'max': 9, 'mobile': '(?:39|50|6[3678]|73|9[1-9])\\d{7}',
               'fixed': '[3-6][1-9]\\d{7}', 'other': '(?:80|90)\\d{7}'},
        'IT': {'trunk': '', 'min': 6, 'max': 11, 'mobile': '3\\d{8,9}',
               'fixed': '0\\d{5,10}', 'other': '8\\d{5,9}'},
        'ES': {'trunk': '', 'min': 9, 'max': 9, 'mobile': '(?:6\\d|7[1-4])\\d{7}',
               'fixed': '[89][1-9]\\d{7}', 'other': '[89]0\\d{7}'},
        'DE': {'trunk': '0', 'min': 6, 'max': 11, 'mobile': '1[5-7]\\d{8,9}',
               'fixed': '[2-9]\\d{5,10}', 'other': ''},
        'FR': {'trunk': '0', 'min': 9, 'max': 9, 'mobile': '[67]\\d{8}',
               'fixed': '[1-59]\\d{8}', 'other': '8\\d{8}'},
        'GB': {'trunk': '0', 'min': 9, 'max': 10, 'mobile': '7[1-57-9]\\d{8}',
               'fixed': '[123]\\d{8,9}', 'other': '[589]\\d{8,9}'},
        'US': {'trunk': '1', 'min': 10, 'max': 10, 'mobile': '',
               'fixed': '', 'other': '[2-9]\\d{2}[2-9]\\d{6}'},
    } -%}
    {%- do plans.update(var('phone_plans', {}) or {}) -%}
    {{ return(plans) }}
{%- endmacro %}


{% macro phone_text(expr) -%}
    {{ return(adapter.dispatch('phone_text', 'crm_segments')(expr)) }}
{%- endmacro %}

{#- The number as typed, from its first digit (or the + before it) to its last digit: full-width
    digits as ASCII, only the first of a list ("0722 123 456 / 0744 ...", ", ", "; ", " or "),
    an extension (ext. 12, доб. 12, int. 12, x12, #12) and labels or comments around it
    ("tel: ", " (mama)") removed. NULL when it has no digit. -#}
{% macro default__phone_text(expr) -%}
    {%- set typed = "(" ~ expr ~ ")::text" -%}
    {%- set t = "translate(" ~ typed ~ ", '０１２３４５６７８９＋（）－．', '0123456789+()-.')" -%}
    {#- the translation maps digits and + ( ) - . only, so the list separators, letters and '#'
        are looked for in the value as typed and the translated text is built once per value;
        an extension is written with letters or '#', so a value without any has none -#}
    {%- set first -%}
        case
            when {{ typed }} like any(array['%,%', '%;%', '%|%', '% /%', '%/ %', '% or %', '% sau %', '% или %', '%或%'])
                then regexp_replace({{ t }}, '\s*(?:[,;|]|\s/|/\s|\s(?:or|sau|или|或)\s).*$', '', 'i')
            else {{ t }}
        end
    {%- endset -%}
    substring(
        case
            when upper({{ typed }}) <> lower({{ typed }}) or strpos({{ typed }}, '#') > 0
                then regexp_replace({{ first }}, '\s*(?:ext|extension|доб|вн|int|interior|x|#)\.?\s*\d{1,6}\s*$', '', 'i')
            else {{ first }}
        end
        from '\+?[\s(]*[0-9](?:.*[0-9])?'
    )
{%- endmacro %}


{% macro phone_digits(text) -%}
    {{ return(adapter.dispatch('phone_digits', 'crm_segments')(text)) }}
{%- endmacro %}

{#- The digits of phone_text, NULL when none. -#}
{% macro default__phone_digits(text) -%}
    nullif(translate({{ text }}, translate({{ text }}, '0123456789', ''), ''), '')
{%- endmacro %}


{% macro phone_region_hint(country_code, national_id_type, name_script) -%}
    {{ return(adapter.dispatch('phone_region_hint', 'crm_segments')(country_code, national_id_type, name_script)) }}
{%- endmacro %}

{#- The region that a number without an international prefix is read in: the record's country;
    when the record has none, the country its national id belongs to (CNP -> RO, Chinese
    resident id -> CN), else the script of its name (Cyrillic -> RU, Han -> CN), else the var
    default_country. -#}
{% macro default__phone_region_hint(country_code, national_id_type, name_script) -%}
    coalesce(
        {{ country_code }},
        case {{ national_id_type }} when 'ro_cnp' then 'RO' when 'cn_resident_id' then 'CN' end,
        case {{ name_script }} when 'cyrillic' then 'RU' when 'han' then 'CN' end,
        '{{ var("default_country") }}'
    )
{%- endmacro %}


{% macro phone_inference_regions() -%}
    {{ return(['RO', 'RU', 'KZ', 'CN']) }}
{%- endmacro %}


{% macro phone_plan_pattern(region) -%}
    {{ return(adapter.dispatch('phone_plan_pattern', 'crm_segments')(region)) }}
{%- endmacro %}

{#- The patterns of every valid number of the region's calling code as one alternation (no
    anchors, no capturing group): the region's plan and the plans of the regions that share its
    code (+7: Russia and Kazakhstan, as libphonenumber reads a number typed in either). '' when
    no plan exists. Jinja-level helper. -#}
{% macro default__phone_plan_pattern(region) -%}
    {%- set plans = crm_segments.phone_plans() -%}
    {%- set regions = crm_segments.phone_region_codes() -%}
    {%- set parts = [] -%}
    {%- for r, plan in plans.items() if r == region or (r in regions and regions[r] == regions.get(region)) -%}
        {%- for category in ['mobile', 'fixed', 'other'] if plan[category] -%}{%- do parts.append(plan[category]) -%}{%- endfor -%}
    {%- endfor -%}
    {{ return('(?:' ~ (parts | join('|')) ~ ')' if parts else '') }}
{%- endmacro %}


{% macro phone_international(text, digits, hint, record_country='null') -%}
    {{ return(adapter.dispatch('phone_international', 'crm_segments')(text, digits, hint, record_country)) }}
{%- endmacro %}

{#- The digits after an international prefix (calling code + national number), or NULL for a
    number read in the region hint's plan: after a leading +, after 00, after the 8 10 of
    Russia and its neighbours, after the 011 of the North American plan (for those regions
    only). Without a prefix, the country comes from the number when the number is not valid
    in the hint's plan in any national reading (see phone_national_number) but is a mobile
    number of one of phone_inference_regions (RO, RU, KZ, CN) typed as (1) calling code +
    number without + ("79161234567" on a Romanian record, "40 0722 123 456"), or, only when
    the record has no country, (2) in national form, with or without trunk prefix (0722 ...
    -> Romania, 8 916 ... -> Russia, 138 0013 8000 -> China). Only mobiles: fixed-line and
    garbage numbers are too alike across plans to tell the country (8 677 ... is not read as
    +86 77 ...). -#}
{% macro default__phone_international(text, digits, hint, record_country='null') -%}
    {%- set plans = crm_segments.phone_plans() -%}
    {%- set regions = crm_segments.phone_region_codes() -%}
    {%- set inferred = [] -%}
    {%- for r in crm_segments.phone_inference_regions() if r in plans and r in regions -%}{%- do inferred.append(r) -%}{%- endfor -%}
    case
        when left({{ text }}, 1) = '+' then {{ digits }}
        when left({{ digits }}, 2) = '00' then substr({{ digits }}, 3)
        when {{ hint }} in ('RU', 'KZ', 'BY', 'UZ', 'TJ', 'TM') and left({{ digits }}, 3) = '810' and length({{ digits }}) >= 10
            then substr({{ digits }}, 4)
        when {{ hint }} in ('US', 'CA') and left({{ digits }}, 3) = '011' and length({{ digits }}) >= 10
            then substr({{ digits }}, 4)
        when {{ digits }} is null then null
        when case {{ hint }}
            {%- for region, plan in plans.items() if region in regions %}
            when '{{ region }}' then {{ digits }} ~ '^(?:{{ regions[region] }})?(?:{{ plan.trunk }})?{{ crm_segments.phone_plan_pattern(region) }}$'
            {%- endfor %}
            else true
        end then null
        {%- for region in inferred %}
        {%- set re = '^' ~ regions[region] ~ '(?:' ~ plans[region].trunk ~ ')?(' ~ plans[region].mobile ~ ')$' %}
        when {{ digits }} ~ '{{ re }}' then '{{ regions[region] }}' || substring({{ digits }} from '{{ re }}')
        {%- endfor %}
        when {{ record_country }} is null then case
            {%- for region in inferred %}
            {%- set re = '^' ~ plans[region].trunk ~ '(' ~ plans[region].mobile ~ ')$' %}
            when {{ digits }} ~ '{{ re }}' then '{{ regions[region] }}' || substring({{ digits }} from '{{ re }}')
            {%- endfor %}
            {%- for region in inferred %}
            {%- set re = '^(?:' ~ plans[region].mobile ~ ')$' %}
            when {{ digits }} ~ '{{ re }}' then '{{ regions[region] }}' || {{ digits }}
            {%- endfor %}
        end
    end
{%- endmacro %}


{% macro phone_calling_code(international, hint) -%}
    {{ return(adapter.dispatch('phone_calling_code', 'crm_segments')(international, hint)) }}
{%- endmacro %}

{#- The country calling code: the one the international digits start with (NULL when they start
    with no assigned code), else the one of the region hint. -#}
{% macro default__phone_calling_code(international, hint) -%}
    {%- set codes = crm_segments.phone_calling_codes().keys() | list -%}
    {%- set regions = crm_segments.phone_region_codes() -%}
    {%- set plans = crm_segments.phone_plans() -%}
    case
        when {{ international }} is not null then case
            {%- for n in [1, 2, 3] %}
            {%- set of_length = [] %}
            {%- for code in codes if code | length == n %}{% do of_length.append(code) %}{% endfor %}
            when left({{ international }}, {{ n }}) in ('{{ of_length | join("', '") }}') then left({{ international }}, {{ n }})
            {%- endfor %}
        end
        else case {{ hint }}
            {%- for region in plans.keys() if region in regions %}
            when '{{ region }}' then '{{ regions[region] }}'
            {%- endfor %}
            {%- for region, code in regions.items() if region not in plans %}
            when '{{ region }}' then '{{ code }}'
            {%- endfor %}
        end
    end
{%- endmacro %}


{% macro phone_national_number(digits, international, calling_code, hint) -%}
    {{ return(adapter.dispatch('phone_national_number', 'crm_segments')(digits, international, calling_code, hint)) }}
{%- endmacro %}

{#- The national significant number. After an international prefix: the digits after the
    calling code, without a trunk prefix typed out of habit ("+40 (0)722 ...", "+7 8 916 ...").
    In national form, read in the region hint's plan, the first that fits its lengths: trunk
    prefix + number (0722 123 456, 8 916 123 45 67), the number alone (722 123 456,
    138 0013 8000; not when it starts with the trunk prefix and is invalid: 0722 123 45 is a
    mobile number one digit short), calling code + number without + (40722123456, 79161234567), calling code +
    trunk + number; else the digits without a trunk prefix (then too short or too long).
    Regions without a plan: a leading 0 is taken as the trunk prefix. -#}
{% macro default__phone_national_number(digits, international, calling_code, hint) -%}
    {%- set plans = crm_segments.phone_plans() -%}
    {%- set regions = crm_segments.phone_region_codes() -%}
    {%- set after_code = 'substr(' ~ international ~ ', length(' ~ calling_code ~ ') + 1)' -%}
    case
        when {{ international }} is not null then case {{ calling_code }}
            {%- set seen = [] %}
            {%- for region, plan in plans.items() if region in regions and regions[region] not in seen %}
            {%- do seen.append(regions[region]) %}
            {%- set lt = plan.trunk | length %}
            when '{{ regions[region] }}' then
                {%- if lt > 0 %}
                case
                    when left({{ after_code }}, {{ lt }}) = '{{ plan.trunk }}'
                        and length({{ after_code }}) - {{ lt }} between {{ plan.min }} and {{ plan.max }}
                        then substr({{ after_code }}, {{ lt + 1 }})
                    else {{ after_code }}
                end
                {%- else %} {{ after_code }}
                {%- endif %}
            {%- endfor %}
            else case
                when left({{ after_code }}, 1) = '0' and length({{ after_code }}) >= 5 then substr({{ after_code }}, 2)
                else {{ after_code }}
            end
        end
        else case {{ hint }}
            {%- for region, plan in plans.items() if region in regions %}
            {%- set lt = plan.trunk | length %}
            {%- set cc = regions[region] %}
            {%- set lc = cc | length %}
            when '{{ region }}' then case
                {%- if lt > 0 %}
                when left({{ digits }}, {{ lt }}) = '{{ plan.trunk }}'
                    and length({{ digits }}) - {{ lt }} between {{ plan.min }} and {{ plan.max }}
                    then substr({{ digits }}, {{ lt + 1 }})
                {%- endif %}
                when length({{ digits }}) between {{ plan.min }} and {{ plan.max }}
                    {%- if lt > 0 %}
                    and (left({{ digits }}, {{ lt }}) <> '{{ plan.trunk }}' or {{ digits }} ~ '^{{ crm_segments.phone_plan_pattern(region) }}$')
                    {%- endif %}
                    then {{ digits }}
                {%- if lt > 0 %}
                when left({{ digits }}, {{ lc + lt }}) = '{{ cc ~ plan.trunk }}'
                    and length({{ digits }}) - {{ lc + lt }} between {{ plan.min }} and {{ plan.max }}
                    then substr({{ digits }}, {{ lc + lt + 1 }})
                {%- endif %}
                when left({{ digits }}, {{ lc }}) = '{{ cc }}'
                    and length({{ digits }}) - {{ lc }} between {{ plan.min }} and {{ plan.max }}
                    then substr({{ digits }}, {{ lc + 1 }})
                {%- if lt > 0 %}
                when left({{ digits }}, {{ lt }}) = '{{ plan.trunk }}' then substr({{ digits }}, {{ lt + 1 }})
                {%- endif %}
                else {{ digits }}
            end
            {%- endfor %}
            else case when left({{ digits }}, 1) = '0' then substr({{ digits }}, 2) else {{ digits }} end
        end
    end
{%- endmacro %}


{% macro phone_country(calling_code, national_number, international, hint) -%}
    {{ return(adapter.dispatch('phone_country', 'crm_segments')(calling_code, national_number, international, hint)) }}
{%- endmacro %}

{#- ISO alpha-2 of the number: +7 is Kazakhstan for 7xx and Russia otherwise (libphonenumber); an
    international number belongs to the main region of its calling code; a national one to
    the region hint. -#}
{% macro default__phone_country(calling_code, national_number, international, hint) -%}
    {%- set main = crm_segments.phone_calling_codes() -%}
    {%- set plans = crm_segments.phone_plans() -%}
    case
        when {{ calling_code }} = '7' then case when left({{ national_number }}, 1) = '7' then 'KZ' else 'RU' end
        when {{ international }} is null then {{ hint }}
        else case {{ calling_code }}
            {%- for code, region in main.items() if region in plans and code != '7' %}
            when '{{ code }}' then '{{ region }}'
            {%- endfor %}
            {%- for code, region in main.items() if region not in plans and code != '7' %}
            when '{{ code }}' then '{{ region }}'
            {%- endfor %}
        end
    end
{%- endmacro %}


{% macro phone_plan_match(national_number, country) -%}
    {{ return(adapter.dispatch('phone_plan_match', 'crm_segments')(national_number, country)) }}
{%- endmacro %}

{#- The national number matched against its country's plan in one regular expression: a text[]
    with one element per category of the plan (mobile, fixed, other, in this order, those the
    plan has), the matching one not NULL; NULL when the number does not fit or the country has
    no plan. Compute it in a fenced CTE, then phone_type reads it. -#}
{% macro default__phone_plan_match(national_number, country) -%}
    {%- set plans = crm_segments.phone_plans() -%}
    case {{ country }}
        {%- for region, plan in plans.items() %}
        {%- set groups = [] %}
        {%- for category in ['mobile', 'fixed', 'other'] if plan[category] %}{% do groups.append('(' ~ plan[category] ~ ')') %}{% endfor %}
        when '{{ region }}' then regexp_match({{ national_number }}, '^(?:{{ groups | join("|") }})$')
        {%- endfor %}
    end
{%- endmacro %}


{% macro phone_type(plan_match, national_number, country, calling_code) -%}
    {{ return(adapter.dispatch('phone_type', 'crm_segments')(plan_match, national_number, country, calling_code)) }}
{%- endmacro %}

{#- 'mobile', 'fixed' or 'unknown' (valid, but neither or not told apart: toll-free, premium,
    the North American plan, countries without a plan) when the national number fits the
    country's plan (phone_plan_match); NULL when it does not (an invalid number). Countries
    without a plan: valid when the whole number has 8 to 15 digits (E.164) and the national
    part at least 4. -#}
{% macro default__phone_type(plan_match, national_number, country, calling_code) -%}
    {%- set plans = crm_segments.phone_plans() -%}
    case {{ country }}
        {%- for region, plan in plans.items() %}
        when '{{ region }}' then case
            {%- set ns = namespace(i=0) %}
            {%- for category, label in [['mobile', 'mobile'], ['fixed', 'fixed'], ['other', 'unknown']] if plan[category] %}
            {%- set ns.i = ns.i + 1 %}
            when ({{ plan_match }})[{{ ns.i }}] is not null then '{{ label }}'
            {%- endfor %}
        end
        {%- endfor %}
        else case
            when length({{ national_number }}) >= 4
                and length({{ calling_code }}) + length({{ national_number }}) between 8 and 15
                then 'unknown'
        end
    end
{%- endmacro %}


{% macro phone_is_placeholder(digits, national_number) -%}
    {{ return(adapter.dispatch('phone_is_placeholder', 'crm_segments')(digits, national_number)) }}
{%- endmacro %}

{#- A stand-in rather than a number: one digit repeated (0, 0000000000), a run of consecutive
    digits (123456, 0123456789, 987654321), or a national number ending in seven or more equal
    digits (0722 222 222, 138 0000 0000). -#}
{% macro default__phone_is_placeholder(digits, national_number) -%}
    coalesce(
        translate({{ digits }}, left({{ digits }}, 1), '') = ''
        or (length({{ digits }}) >= 4
            and (strpos('01234567890123456789', {{ digits }}) > 0 or strpos('98765432109876543210', {{ digits }}) > 0))
        or (length({{ national_number }}) >= 7 and right({{ national_number }}, 7) = repeat(right({{ national_number }}, 1), 7)),
        false
    )
{%- endmacro %}


{% macro phone_invalid_reason(raw, text, digits, calling_code, national_number, country, type) -%}
    {{ return(adapter.dispatch('phone_invalid_reason', 'crm_segments')(raw, text, digits, calling_code, national_number, country, type)) }}
{%- endmacro %}

{#- Why a number is not usable (NULL when it is valid, or when there is no number at all):
    placeholder (also text without digits such as null, -, n/a), not_a_number (letters inside
    the number), bad_country_code, too_short / too_long (against the plan's lengths, or
    E.164's 8 to 15 digits), bad_prefix (a length that fits, a range the plan does not use).
    Arguments: the raw value and the outputs of the other steps. -#}
{% macro default__phone_invalid_reason(raw, text, digits, calling_code, national_number, country, type) -%}
    {%- set plans = crm_segments.phone_plans() -%}
    case
        when {{ crm_segments.trimmed(raw) }} is null then null
        when {{ digits }} is null or {{ crm_segments.phone_is_placeholder(digits, national_number) }} then 'placeholder'
        when translate({{ text }}, E'0123456789+() ./-\t\u00a0', '') <> '' then 'not_a_number'
        when {{ calling_code }} is null then 'bad_country_code'
        when {{ type }} is not null then null
        when length({{ national_number }}) < case {{ country }}
            {%- for region, plan in plans.items() %} when '{{ region }}' then {{ plan.min }}{% endfor %}
            else greatest(4, 8 - length({{ calling_code }}))
        end then 'too_short'
        when length({{ national_number }}) > case {{ country }}
            {%- for region, plan in plans.items() %} when '{{ region }}' then {{ plan.max }}{% endfor %}
            else 15 - length({{ calling_code }})
        end then 'too_long'
        else 'bad_prefix'
    end
{%- endmacro %}


{% macro phone_e164(calling_code, national_number, invalid_reason, type) -%}
    {{ return(adapter.dispatch('phone_e164', 'crm_segments')(calling_code, national_number, invalid_reason, type)) }}
{%- endmacro %}

{#- '+' || calling code || national number for a valid number, else NULL. -#}
{% macro default__phone_e164(calling_code, national_number, invalid_reason, type) -%}
    case when {{ invalid_reason }} is null and {{ type }} is not null then '+' || {{ calling_code }} || {{ national_number }} end
{%- endmacro %}

{#- The whole phone chain, once: the CTEs that read a number in a region, each step fenced
    (offset 0) so that it is computed once per row and the next step reads its result. Emits
    `<name>_digits`, `<name>_international`, `<name>_coded`, `<name>_numbered`,
    `<name>_countried`, `<name>_matched`, `<name>_typed`, `<name>_explained` and `<name>`, each
    `select *` of the one before plus one column: _phone_digits, _phone_international,
    _phone_calling_code, _phone_national_number, _phone_country, _phone_plan_match,
    _phone_type, _phone_invalid_reason and _phone_e164. The caller writes `with ..., source as
    (...),` then this, then reads `<name>`. -#}
{% macro phone_standardization_ctes(name, source, raw, text, hint, record_country='null') -%}
{{ name }}_digits as (

    select
        *,
        {{ crm_segments.phone_digits(text) }} as _phone_digits
    from {{ source }}
    /* noqa: AM09 */ offset 0

),

{{ name }}_international as (

    select
        *,
        {{ crm_segments.phone_international(text, '_phone_digits', hint, record_country) }} as _phone_international
    from {{ name }}_digits
    /* noqa: AM09 */ offset 0

),

{{ name }}_coded as (

    select
        *,
        {{ crm_segments.phone_calling_code('_phone_international', hint) }} as _phone_calling_code
    from {{ name }}_international
    /* noqa: AM09 */ offset 0

),

{{ name }}_numbered as (

    select
        *,
        {{ crm_segments.phone_national_number(
            '_phone_digits', '_phone_international', '_phone_calling_code', hint
        ) }} as _phone_national_number
    from {{ name }}_coded
    /* noqa: AM09 */ offset 0

),

{{ name }}_countried as (

    select
        *,
        {{ crm_segments.phone_country(
            '_phone_calling_code', '_phone_national_number', '_phone_international', hint
        ) }} as _phone_country
    from {{ name }}_numbered
    /* noqa: AM09 */ offset 0

),

{{ name }}_matched as (

    select
        *,
        {{ crm_segments.phone_plan_match('_phone_national_number', '_phone_country') }} as _phone_plan_match
    from {{ name }}_countried
    /* noqa: AM09 */ offset 0

),

{{ name }}_typed as (

    select
        *,
        {{ crm_segments.phone_type(
            '_phone_plan_match', '_phone_national_number', '_phone_country', '_phone_calling_code'
        ) }} as _phone_type
    from {{ name }}_matched
    /* noqa: AM09 */ offset 0

),

{{ name }}_explained as (

    select
        *,
        {{ crm_segments.phone_invalid_reason(
            raw, text, '_phone_digits', '_phone_calling_code',
            '_phone_national_number', '_phone_country', '_phone_type'
        ) }} as _phone_invalid_reason
    from {{ name }}_typed
    /* noqa: AM09 */ offset 0

),

{{ name }} as (

    select
        *,
        {{ crm_segments.phone_e164(
            '_phone_calling_code', '_phone_national_number', '_phone_invalid_reason', '_phone_type'
        ) }} as _phone_e164
    from {{ name }}_explained

)
{%- endmacro %}
