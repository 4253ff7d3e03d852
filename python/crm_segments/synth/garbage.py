"""Garbage rows (quarantine material) for any raw table, and CSV encoding of a chunk.

A table chunk is a list of columns (lists of text, contract column order). ``inject_garbage``
blanks keys, duplicates rows (exactly, or with the same key and other values) and puts values
that cannot be parsed into number, date, boolean and enum columns. Duplicates land a few rows
after their original, as they would in a real extract.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter

BAD_NUMBERS: tuple[str, ...] = ("12,5O", "abc", "1.2.3", "12 5", "#N/A", "--5", "1e")
BAD_DATES: tuple[str, ...] = (
    "31.02.2025",
    "2025-13-01",
    "yesterday",
    "0000-00-00",
    "2025/02/30",
    "32.01.2024",
    "2024-5",
)
BAD_BOOLEANS: tuple[str, ...] = ("maybe", "yes?", "2", "unknown", "da/nu")
MIN_ROWS_FOR_GARBAGE = 10  # a chunk of a table this big always gets at least one garbage row


@dataclass(frozen=True, slots=True)
class TableSpec:
    """Which columns of a table are keys, numbers, dates, booleans and enums."""

    key: tuple[int, ...]
    numbers: tuple[int, ...] = ()
    dates: tuple[int, ...] = ()
    booleans: tuple[int, ...] = ()
    enums: dict[int, tuple[str, ...]] = field(default_factory=dict)  # column -> unknown values


def _count(n: int, rate: float, rnd: random.Random) -> int:
    expected = n * rate
    whole = int(expected)
    return whole + (1 if rnd.random() < expected - whole else 0)


def inject_garbage(
    cols: list[list[str]], spec: TableSpec, rnd: random.Random, rate: float
) -> list[list[str]]:
    """Columns with about ``rate`` of the rows turned into garbage (see module docstring)."""
    n = len(cols[0]) if cols else 0
    if n == 0:
        return cols
    kinds: list[str] = ["empty_key", "exact_duplicate", "key_conflict"]
    if spec.numbers:
        kinds.append("bad_number")
    if spec.dates:
        kinds.append("bad_date")
    if spec.booleans:
        kinds.append("bad_boolean")
    if spec.enums:
        kinds.append("bad_enum")
    per_kind = rate / len(kinds)
    counts = {kind: _count(n, per_kind, rnd) for kind in kinds}
    if n >= MIN_ROWS_FOR_GARBAGE and not any(counts.values()):
        counts[rnd.choice(kinds)] = 1  # small tables get some quarantine material too
    non_key = [c for c in range(len(cols)) if c not in spec.key]
    extra_src: list[int] = []
    extra_changes: list[tuple[int, str] | None] = []
    for kind in kinds:
        for _ in range(counts[kind]):
            i = rnd.randrange(n)
            if kind == "empty_key":
                cols[rnd.choice(spec.key)][i] = ""
            elif kind == "exact_duplicate":
                extra_src.append(i)
                extra_changes.append(None)
            elif kind == "key_conflict":
                candidates = (spec.numbers + spec.dates) or tuple(non_key)
                c = rnd.choice(candidates)
                other = cols[c][rnd.randrange(n)]
                for _ in range(5):
                    if other != cols[c][i]:
                        break
                    other = cols[c][rnd.randrange(n)]
                extra_src.append(i)
                extra_changes.append((c, other) if other != cols[c][i] else None)
            elif kind == "bad_number":
                cols[rnd.choice(spec.numbers)][i] = rnd.choice(BAD_NUMBERS)
            elif kind == "bad_date":
                cols[rnd.choice(spec.dates)][i] = rnd.choice(BAD_DATES)
            elif kind == "bad_boolean":
                cols[rnd.choice(spec.booleans)][i] = rnd.choice(BAD_BOOLEANS)
            else:
                c = rnd.choice(tuple(spec.enums))
                cols[c][i] = rnd.choice(spec.enums[c])
    if not extra_src:
        return cols
    sort_keys = [2.0 * i for i in range(n)]
    for src, change in zip(extra_src, extra_changes, strict=True):
        for c, col in enumerate(cols):
            col.append(change[1] if change is not None and change[0] == c else col[src])
        sort_keys.append(2.0 * min(n - 1, src + rnd.randrange(30)) + 1.0 + rnd.random() * 0.5)
    order = sorted(range(len(sort_keys)), key=sort_keys.__getitem__)
    pick = itemgetter(*order)
    return [list(pick(col)) for col in cols]


def replace_some(col: list[str], rate: float, values: Sequence[str], rnd: random.Random) -> int:
    """Overwrite about ``rate`` of a column's cells with one of ``values``; returns how many."""
    n = len(col)
    if n == 0:
        return 0
    k = _count(n, rate, rnd)
    for _ in range(k):
        col[rnd.randrange(n)] = rnd.choice(values)
    return k


def encode_rows(rows: Sequence[Sequence[str]]) -> tuple[bytes, int]:
    """CSV text (QUOTE_MINIMAL, ``\\n`` line ends, UTF-8) of the rows, and how many there were."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8"), len(rows)


def encode_columns(cols: list[list[str]]) -> tuple[bytes, int]:
    """CSV text of a table given as columns (all of the same length)."""
    if not cols or not cols[0]:
        return b"", 0
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(zip(*cols, strict=True))
    return buf.getvalue().encode("utf-8"), len(cols[0])
