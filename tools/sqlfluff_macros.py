"""Lint the SQL inside the macro files with sqlfluff (issue 14).

sqlfluff does not lint macro bodies: its dbt templater skips every file of macros/ ("it is a
macro") and its jinja templater renders a file of macro definitions to nothing. This script lints
each macro's body on its own: the body between ``{% macro ... %}`` and ``{% endmacro %}`` is
rendered with Jinja where an argument renders as a column name (``expr`` as ``arg_expr``) and
every other name the macro does not define as itself (a call ``crm_segments.phone_digits(x)`` as
``crm_segments_phone_digits``), an expression fragment becomes ``select <body>``, statements of
a PL/pgSQL block (``if ... then``, ``execute``, ``perform``) are left out (sqlfluff has no
PL/pgSQL grammar; the publish and erasure tests run them), and the SQL is linted with the project's
.sqlfluff and the rules that make sense for a fragment (capitalisation, aliasing, conventions,
spacing, commas; not indentation, which inside a macro follows the Jinja). Findings are reported
at the line of the macro file (approximate inside loops).

Usage: python tools/sqlfluff_macros.py [macros]   (exit 1 on findings)
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import jinja2
from sqlfluff.core import FluffConfig, Linter

ROOT = Path(__file__).resolve().parents[1]
MACRO = re.compile(r"\{%-?\s*macro\s+(\w+)\s*\((.*?)\)\s*-?%\}(.*?)\{%-?\s*endmacro\s*-?%\}", re.S)
STATEMENT = re.compile(
    r"^\s*(select|with|create|update|insert|delete|begin|do|set|grant|revoke|alter|drop|comment)\b",
    re.I,
)
#: statements of a PL/pgSQL block (a macro that writes part of a DO block)
PLPGSQL = re.compile(r"^\s*(if|execute|perform|raise|declare|for|loop|return|elsif)\b", re.I)
#: Jinja markup, to tell a body of only Jinja from one with SQL in it
JINJA = re.compile(r"\{[{%#].*?[}%#]\}", re.S)
#: rules that mean something on a fragment of SQL cut out of a macro
RULES = "capitalisation,aliasing,convention,ambiguous,layout.spacing,layout.commas"
#: the dispatching wrappers and the macros that compute a value in Jinja ({{ return(...) }})
#: hold no SQL of their own
SKIP_BODY = re.compile(r"\breturn\(")
#: a fragment that is a list of CTEs (``{{ name }}_digits as (...), ...``): linted as a with
#: clause of a query
CTE_LIST = re.compile(r"^\w+\s+as\s+\(", re.I)
#: a fragment that continues a from clause (``cross join lateral (...)``): linted after a from
JOIN = re.compile(r"^\s*((cross|inner|left|right|full)\s+)?(outer\s+)?join\b", re.I)


class Name(jinja2.Undefined):
    """An unknown name renders as itself; attributes and calls extend the name."""

    def __str__(self) -> str:
        return str(self._undefined_name)

    def __getattr__(self, attr: str) -> Name:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return Name(name=f"{self._undefined_name}_{attr}")

    def __call__(self, *args: object, **kwargs: object) -> Name:
        name = str(self._undefined_name)
        if name.endswith("_ctes"):  # a macro that writes CTEs (phone_standardization_ctes)
            return Name(name=f"{name} as (select 1 as stub)")
        return Name(name=name)

    def __int__(self) -> int:
        return 1


ENV = jinja2.Environment(undefined=Name, extensions=["jinja2.ext.do"])
_JOIN = ENV.filters["join"]


@jinja2.pass_eval_context
def _join_names(context: jinja2.nodes.EvalContext, value: object, *args: object) -> str:
    """A list argument joined into SQL (the columns of a group by) renders as one name."""
    return str(value) if isinstance(value, Name) else _JOIN(context, value, *args)


ENV.filters["join"] = _join_names


def fragments(path: Path) -> list[tuple[str, int, str]]:
    """(macro name, line of the body's first line in the file, lintable SQL) per macro."""
    text = path.read_text(encoding="utf-8")
    out = []
    for match in MACRO.finditer(text):
        name, body = match.group(1), match.group(3)
        if SKIP_BODY.search(body) or not re.search(r"[a-z]", JINJA.sub("", body)):
            continue
        names = [arg.split("=")[0].strip() for arg in match.group(2).split(",")]
        arguments = {arg: Name(name=f"arg_{arg}") for arg in names if arg.isidentifier()}
        line = text.count("\n", 0, match.start(3)) + 1
        line += len(body) - len(body.lstrip("\n"))
        try:
            rendered = ENV.from_string(body.strip("\n")).render(**arguments)
        except Exception:  # Jinja that needs dbt's context (call blocks, ...): dbt renders it
            continue
        sql = textwrap.dedent(rendered.expandtabs(4)).strip("\n")
        if PLPGSQL.match(sql):
            continue
        prefix, suffix = "", ""
        if CTE_LIST.match(sql):
            prefix, suffix = "with\n", "\nselect 1 as stub"
        elif JOIN.match(sql):
            prefix = "select *\nfrom stub\n"
        elif not STATEMENT.match(sql):
            prefix = "select\n"
        out.append((name, line - prefix.count("\n"), prefix + sql + suffix + "\n"))
    return out


def main(argv: list[str]) -> int:
    folders = [ROOT / a for a in argv] or [ROOT / "macros"]
    config = FluffConfig(
        configs={"core": {"templater": "raw", "dialect": "postgres", "rules": RULES,
                          "exclude_rules": "layout.long_lines,ambiguous.column_count"}},
        extra_config_path=str(ROOT / ".sqlfluff"),
        ignore_local_config=True,
    )  # fmt: skip
    linter = Linter(config=config)
    findings = 0
    files = 0
    unparsed: set[str] = set()
    for folder in folders:
        for path in sorted(folder.rglob("*.sql")):
            for name, first_line, sql in fragments(path):
                files += 1
                result = linter.lint_string(sql, fname=f"{path.name}:{name}")
                for violation in result.get_violations():
                    if violation.rule_code() == "PRS":  # a fragment sqlfluff cannot parse whole
                        unparsed.add(name)
                        continue
                    findings += 1
                    line = first_line + violation.line_no - 1
                    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                    where = f"{shown}:{line}"
                    print(f"{where}: {violation.rule_code()} {violation.desc()} [{name}]")
    print(
        f"sqlfluff on {files} macro bodies: {findings} findings "
        f"({len(unparsed)} with a part sqlfluff cannot parse, linted around it)"
    )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
