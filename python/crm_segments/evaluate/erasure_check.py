"""Where is an erased person's data? (issue 11) Used by python/tests/test_roles.py and bench/run.py.

``erased_identifiers`` reads the e-mails, phones (as typed, and the number's E.164 and national
forms, read again with libphonenumber: the project's own are scrubbed) and national ids of the
erased persons from the records resolved to them; ``find_anywhere`` searches every text, JSON
and array column of every table in the schemas the project writes -
staging, intermediate, the build and published marts, the kept versions, stored test failures,
clusters - and, on request, raw, for any of them. Only tables are read: views store nothing (the
public marts are partitioned tables whose one partition is the current version's table, and the
build schema's views read them), so reading them would only read the same rows again.

The search is linear in the data, whatever the number of identifiers (tens of thousands at 1M
customers): each value is cut into tokens that are probed against the identifiers by hash
(``= any`` of a constant array), instead of testing every value against every identifier with
``like``:

- e-mails: every run of characters around an ``@`` (up to a blank, quote, comma, colon,
  semicolon, bar, bracket or backslash: ``email:ana@x.ro`` holds ``ana@x.ro``), lower-cased,
  equal to an erased e-mail;
- phones and national ids by their digits: blanks, dots, dashes, slashes and brackets are
  dropped, so a number typed with separators is one number (``+7 (912) 345-67-89`` is
  ``79123456789``); a number holds a phone when it equals one of the phone's forms: its digits
  as typed, E.164 with or without 00, the national number with or without a trunk prefix
  (``0040 722 878 699``, ``+40722878699``, ``phone:+40722878699`` and ``0722-878-699`` all
  do; a longer number ending with the same digits does not), and a national id when it
  equals its digits; digits glued to a Latin letter are part of a code, not a number
  (``RT74-2321963`` is a record key, not the national number 742321963 of 0742 321 963;
  ``T0040722878699`` is an account);
- anything else (a national id with letters, an e-mail typed without its ``@``): equal to a
  whole word (a run of characters up to a blank, quote, comma, colon, semicolon, bar, bracket
  or backslash), as typed or with only its letters and digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg import sql

WRITTEN = (
    "schema_name in ('staging', 'intermediate', 'dq_test_failures', 'clusters') "
    "or schema_name like 'marts%'"
)

MIN_DIGITS = 9  # a number searched by its digits has at least this many
# a word: up to a blank, quote, comma, colon, semicolon, bar, bracket or backslash
WORD_BREAKS = " \t\n\r\f\v\"',;:|<>()[]{}\\"
WORD = r"""[^\s"',;:|<>()\[\]{}\\]+"""  # the same breaks as a regular expression
EMAIL_TOKEN = WORD + "@" + WORD
DIGIT_RUN = r"\d[\d\s().\-/]{7,}\d"  # a number of 9 digits or more, maybe typed with separators
SEPARATORS = " ().-/"
# digits glued to a Latin letter, with what follows them up to a blank, are part of a code (a
# record key RT74-2321963, an account T0040722878699), not a number typed with separators
CODE = r"[A-Za-z]\d[\d().\-/]*"
FIRST_NUMBERS = 4  # numbers of a value probed one by one; the rest (JSON records) through unnest


# every contact record resolved to a person, with its identifiers as typed (raw) and as the
# project standardized them (the E.164 number and its national significant number)
RECORDS = """
    select
        erased.customer_id is not null as is_erased,
        lower(trim(raw.email)) as email,
        trim(raw.phone) as phone,
        upper(trim(raw.national_id)) as national_id,
        standardized.phone_e164,
        standardized.phone_national_number,
        standardized.phone_country,
        standardized.phone_raw_digits
    from intermediate.int_contacts_resolved as records
    join intermediate.int_contacts_standardized as standardized
        on standardized.source_system = records.source_system
        and standardized.source_record_id = records.source_record_id
    join staging.base_crm__contacts as base
        on base._key_source_system = records.source_system
        and base._key_source_record_id = records.source_record_id
    join raw.crm_contacts as raw
        -- a resolved record has both keys, so plain equality finds its raw rows, and lets the
        -- planner hash-join (`is not distinct from` probed the raw table per record:
        -- quadratic, hours at 1M)
        on raw.source_system = base.source_system
        and raw.source_record_id = base.source_record_id
    left join intermediate.int_customers_erased as erased
        on erased.customer_id = records.customer_id
"""


def erased_identifiers(conn: psycopg.Connection[Any]) -> list[str]:
    """Identifiers of the erased persons, from their contact records; only those that no person
    who is not erased carries too.

    A family e-mail, a household's landline, a placeholder number or a national id typed on two
    persons' records is also the other person's data: it stays on their records (and in what is
    built from them), so it is not what must be gone. Shared means: the same lower-cased e-mail,
    the same letters and digits of a national id, or a phone one of whose forms (phone_forms)
    is the E.164 number, the national number or the digits as typed of a record of a person who
    is not erased (a Chinese mobile typed 130 1779 6947 by one and +86 130 1779 6947 by the
    other), or the line (msisdn) of a subscription whose account holder is not erased: an
    erased person's mobile can be a line of a relative's account, and the holder's contract
    keeps it.
    """
    # the records (a join of four tables) are read once for both queries, not once each
    conn.execute(f"create temporary table erasure_records as {RECORDS}")
    conn.execute("analyze erasure_records")
    identifiers = _erased_identifiers(conn)
    conn.execute("drop table erasure_records")
    return identifiers


def _erased_identifiers(conn: psycopg.Connection[Any]) -> list[str]:
    rows = conn.execute(
        """
        with records as (
            select * from erasure_records
        ),

        others as (
            select * from records where not is_erased
        )

        select
            case when shared_email.email is null then records.email end,
            records.phone,
            case when shared_id.national_id_key is null then records.national_id end,
            records.phone_e164,
            records.phone_national_number,
            records.phone_country
        from records
        -- hash joins with the distinct identifiers of the others (`not in` would probe per row)
        left join (select distinct email from others) as shared_email
            on shared_email.email = records.email
        left join (
            select distinct regexp_replace(national_id, '[^0-9A-Z]', '', 'g') as national_id_key
            from others
        ) as shared_id
            on shared_id.national_id_key = regexp_replace(records.national_id, '[^0-9A-Z]', '', 'g')
        where records.is_erased
        """
    ).fetchall()
    forms = {row: phone_forms(row[1], row[3], row[4], row[5]) for row in rows}
    candidates = sorted(set().union(*forms.values())) if forms else []
    shared = {
        key
        for (key,) in conn.execute(
            """
            with others as (
                select * from erasure_records where not is_erased
            ),

            other_phones as (
                select regexp_replace(phone_e164, '[^0-9]', '', 'g') as phone_key from others
                union
                select phone_raw_digits from others
                union
                select phone_national_number from others
                union
                select regexp_replace(subscriptions.msisdn, '[^0-9]', '', 'g')
                from staging.stg_crm__subscriptions as subscriptions
                join intermediate.int_accounts_resolved as accounts
                    on accounts.account_id = subscriptions.account_id
                left join intermediate.int_customers_erased as erased
                    on erased.customer_id = accounts.customer_id
                where erased.customer_id is null
            )

            select candidates.phone_key
            from unnest(%s::text[]) as candidates (phone_key)
            join other_phones on other_phones.phone_key = candidates.phone_key
            """,
            (candidates,),
        ).fetchall()
    }
    # a phone one of whose forms another person carries is left out (its e-mail and id stay)
    return identifiers_of(
        (row[0], None, row[2], None, None, None) if forms[row] & shared else row for row in rows
    )


def contact_records(conn: psycopg.Connection[Any], sample: int) -> list[Record]:
    """(e-mail, phone, national id, E.164, national number, phone country) of ``sample``
    contact records, a deterministic choice (for tests of the search)."""
    return conn.execute(  # type: ignore[return-value]
        f"""
        select email, phone, national_id, phone_e164, phone_national_number, phone_country
        from ({RECORDS}) as records
        order by md5(coalesce(email, '') || coalesce(phone, '') || coalesce(national_id, ''))
        limit %s
        """,
        (sample,),
    ).fetchall()


Record = tuple[str | None, str | None, str | None, str | None, str | None, str | None]


def phone_forms(
    phone: str | None, e164: str | None, national_number: str | None, country: str | None
) -> set[str]:
    """The digit strings a stored number equals when it is this phone: the numbers in the
    phone as typed (separators dropped, as the search cuts values, also after a leading 00);
    the E.164 digits, also after 00; the national significant number, also after a trunk
    prefix 0 or 8 (the numbering plans' prefixes: 0 in most countries, 8 in Russia and
    Kazakhstan). A stored number matches a phone only when it is one of these, not when it
    merely ends with the same digits.

    An erased person's E.164 number is scrubbed from the project's tables: it is read again
    from the phone as typed with libphonenumber (the dev extra ``phonenumbers``), in the
    country the project gave the number (``phone_country``, which is not personal data).
    """
    typed = numbers_in(phone or "")
    forms = set(typed) | {n[2:] for n in typed if n.startswith("00")}
    if not e164 and phone and country:
        e164, national_number = parsed_phone(phone, country)
    digits = re.sub(r"\D", "", e164 or "")
    if digits:
        forms.update({digits, "00" + digits})
    if national_number:
        forms.update({national_number, "0" + national_number, "8" + national_number})
    return forms


def parsed_phone(phone: str, country: str) -> tuple[str | None, str | None]:
    """(E.164, national significant number) of a typed phone in a country, by libphonenumber;
    (None, None) when it is not a valid number there."""
    import phonenumbers  # dev extra: the tests and the benchmark, not the CLI

    try:
        number = phonenumbers.parse(phone, country)
    except phonenumbers.NumberParseException:
        return None, None
    if not phonenumbers.is_valid_number(number):
        return None, None
    return (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        phonenumbers.national_significant_number(number),
    )


def numbers_in(text: str) -> list[str]:
    """The numbers of a text as the search cuts them (NUMBERS): separators dropped, so a number
    typed with blanks, dots, dashes, slashes or brackets is one number; digits glued to a letter
    (CODE) are part of a code, not a number."""
    return re.findall(r"\d+", re.sub(CODE, " ", text).translate(str.maketrans("", "", SEPARATORS)))


def identifiers_of(records: Iterable[Record]) -> list[str]:
    """What to search for, from (e-mail, phone, national id, E.164, national number, phone
    country): the e-mail lower-cased (also one typed without its @, of 8 characters or more),
    the phone's forms (phone_forms) of 9 digits or more, the national id upper-cased (8
    characters or more)."""
    values: set[str] = set()
    for email, phone, national_id, e164, national_number, country in records:
        email = (email or "").strip().lower()
        if "@" in email or len(email) >= 8:
            values.add(email)
        forms = phone_forms(phone, e164, national_number, country)
        values.update(f for f in forms if len(f) >= MIN_DIGITS)
        national_id = (national_id or "").strip().upper()
        if len(national_id) >= 8:
            values.add(national_id)
    return sorted(values)


def search_keys(values: list[str]) -> tuple[set[str], set[str], set[str]]:
    """The identifiers as the search matches them: e-mails, digit strings, words.

    A value with an ``@`` is an e-mail; a number (digits, maybe typed with blanks, dots,
    dashes, slashes, brackets or a +) of 9 digits or more is matched by its digits (a phone's
    forms, a numeric national id); anything else (a national id with letters, an e-mail
    without its ``@``) as a whole word (WORD), as typed and with only its letters and digits.
    """
    emails: set[str] = set()
    digits: set[str] = set()
    words: set[str] = set()
    for value in values:
        text = value.strip().lower()
        only_digits = re.sub(r"\D", "", text)
        if "@" in text:
            emails.add(text)
        elif re.fullmatch(r"[\d\s().+\-/]+", text) and len(only_digits) >= MIN_DIGITS:
            digits.add(only_digits)
        elif text:
            words.update({text, re.sub(r"[^0-9a-z]", "", text)} - {""})
    return emails, digits, words


def searched_columns(
    conn: psycopg.Connection[Any], *, include_raw: bool
) -> list[tuple[str, str, str]]:
    """The text, JSON and array columns of the tables (and materialized views) to search."""
    schemas = WRITTEN + (" or schema_name = 'raw'" if include_raw else "")
    return conn.execute(  # type: ignore[return-value]
        f"""
        select n.nspname, c.relname, a.attname
        from pg_class as c
        join pg_namespace as n on n.oid = c.relnamespace
        join pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
        join (select nspname as schema_name from pg_namespace) as s on s.schema_name = n.nspname
        where ({schemas})
            and c.relkind in ('r', 'm')
            and (a.atttypid in ('text'::regtype, 'jsonb'::regtype, 'json'::regtype,
                    'varchar'::regtype, 'bpchar'::regtype)
                or exists (select 1 from pg_type as t where t.oid = a.atttypid and t.typelem <> 0
                    and t.typcategory = 'A'))
        order by 1, 2, 3
        """
    ).fetchall()


# one value $V with its numbers $N and words $W (cut once, in a fenced subquery, and only for a
# value long enough to hold one): does a token equal an identifier? The first FIRST_NUMBERS
# numbers (words) are probed as array elements, without a set-returning function per row (most
# values have one number); the e-mail and word tests run only where they can match
EMAIL_MATCH = """(strpos($V, '@') > 0 and exists (
        select 1 from regexp_matches(lower($V), %(email_token)s, 'g') as m
        where m[1] = any(%(emails)s::text[])))"""


def probe(array: str, keys: str) -> str:
    """Does an element of the array column ``array`` equal one of the parameter ``keys``? The
    first FIRST_NUMBERS elements one by one, the rest through unnest."""
    first = " or ".join(
        f"{array}[{i}] = any(%({keys})s::text[])" for i in range(1, FIRST_NUMBERS + 1)
    )
    return f"""({array} is not null and ({first}
        or (cardinality({array}) > %(first)s and exists (
            select 1 from unnest({array}[%(first)s + 1:]) as e (element)
            where e.element = any(%({keys})s::text[])))))"""


NUMBER_MATCH = probe("$N", "digits")
TOKEN_MATCH = probe("$W", "tokens")
# the words of a value (WORD): the breaks turned into blanks by translate and split, without a
# regular expression per value (with regexp_matches over every value the 1M search was still
# running after 45 minutes, against about 10 without words)
WORDS = """case when length($V) >= %(shortest_token)s then
        string_to_array(translate(lower($V), %(word_breaks)s, %(word_blanks)s), ' ')
    end"""
NUMBERS = """case when length($V) >= %(min_digits)s and $V ~ %(digit_run)s then
        string_to_array(
            btrim(regexp_replace(translate(regexp_replace($V, %(code)s, ' ', 'g'),
                %(separators)s, ''), '\\D+', ' ', 'g')), ' ')
    end"""


def table_query(schema: str, table: str, columns: list[str], *, tokens: bool) -> sql.Composed:
    """One scan of a table: per column, the number of rows whose value holds an identifier."""
    values = sql.SQL(", ").join(
        sql.SQL("{}::text as {}").format(sql.Identifier(c), sql.Identifier(f"v{i}"))
        for i, c in enumerate(columns)
    )
    cut = [NUMBERS.replace("$V", f"v{i}") + f" as n{i}" for i in range(len(columns))]
    if tokens:
        cut += [WORDS.replace("$V", f"v{i}") + f" as w{i}" for i in range(len(columns))]
    numbers = sql.SQL(", ").join(sql.SQL(c) for c in cut)
    counts = []
    for i in range(len(columns)):
        match = EMAIL_MATCH + " or " + NUMBER_MATCH + (" or " + TOKEN_MATCH if tokens else "")
        match = match.replace("$V", f"t.v{i}").replace("$N", f"t.n{i}").replace("$W", f"t.w{i}")
        counts.append(sql.SQL(f"count(*) filter (where {match})"))
    return sql.SQL(
        "select {counts} from (select *, {numbers} from (select {values} from {table}) as raw "
        "offset 0) as t"
    ).format(
        counts=sql.SQL(", ").join(counts),
        numbers=numbers,
        values=values,
        table=sql.Identifier(schema, table),
    )


def find_anywhere(
    conn: psycopg.Connection[Any], values: list[str], *, include_raw: bool
) -> dict[str, int]:
    """``{"schema.table.column": rows}`` for every column whose text holds one of ``values``.

    Without ``include_raw`` the raw schema (the landing zone, which keeps the identifiers until
    ``crm-segments erase --purge-raw``) is left out.
    """
    if not values:
        return {}
    emails, digits, tokens = search_keys(values)
    parameters = {
        "email_token": EMAIL_TOKEN,
        "word_breaks": WORD_BREAKS,
        "word_blanks": " " * len(WORD_BREAKS),
        "shortest_token": min((len(t) for t in tokens), default=1),
        "digit_run": DIGIT_RUN,
        "separators": SEPARATORS,
        "code": CODE,
        "min_digits": MIN_DIGITS,
        "first": FIRST_NUMBERS,
        "emails": sorted(emails),
        "digits": sorted(digits),
        "tokens": sorted(tokens),
    }
    tables: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in searched_columns(conn, include_raw=include_raw):
        tables.setdefault((schema, table), []).append(column)
    found: dict[str, int] = {}
    for (schema, table), columns in tables.items():
        query = table_query(schema, table, columns, tokens=bool(tokens))
        row = conn.execute(query, parameters).fetchone() or ()
        found.update(
            (f"{schema}.{table}.{column}", int(count))
            for column, count in zip(columns, row, strict=True)
            if count
        )
    return found
