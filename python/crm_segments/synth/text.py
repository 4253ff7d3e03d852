# ruff: noqa: RUF001, RUF002  (Cyrillic text is intended, not a confusable)
"""Text mess for the synthetic data generator: typos, diacritics, casing, date formats.

Scalar helpers take a ``random.Random``; the vectorised ones (``format_timestamps``,
``format_dates``) take numpy arrays of epoch seconds / epoch days and return lists of text.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np

from crm_segments.synth.names import CN_HOMOPHONES, ROMANIAN_ASCII

EPOCH = date(1970, 1, 1)

_LATIN_LOWER = "abcdefghijklmnopqrstuvwxyz"
_CYRILLIC_LOWER = "абвгдежзийклмнопрстуфхцчшщыэюя"
_CEDILLA = str.maketrans({"ș": "ş", "ț": "ţ", "Ș": "Ş", "Ț": "Ţ"})
_NO_DIACRITICS = str.maketrans(ROMANIAN_ASCII)
_NO_YO = str.maketrans({"ё": "е", "Ё": "Е"})


def typo(text: str, rnd: random.Random) -> str:
    """One edit (substitution, deletion, insertion or transposition) inside a word.

    Han text gets a homophone character instead (the usual input-method slip).
    """
    if not text:
        return text
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        positions = [i for i, ch in enumerate(text) if ch in CN_HOMOPHONES]
        if not positions:
            return text
        i = rnd.choice(positions)
        return text[:i] + CN_HOMOPHONES[text[i]] + text[i + 1 :]
    positions = [i for i in range(1, len(text)) if text[i].isalpha()]
    if not positions:
        return text
    i = rnd.choice(positions)
    ch = text[i]
    alphabet = _CYRILLIC_LOWER if "\u0400" <= ch <= "\u04ff" else _LATIN_LOWER
    new = rnd.choice(alphabet)
    if ch.isupper():
        new = new.upper()
    op = rnd.random()
    if op < 0.4:
        return text[:i] + new + text[i + 1 :]
    if op < 0.6:
        return text[:i] + text[i + 1 :]
    if op < 0.8:
        return text[:i] + new + text[i:]
    if i + 1 < len(text) and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + text[i - 1] + text[i + 1 :]


def drop_diacritics(text: str) -> str:
    """Romanian diacritics removed (ș -> s, ă -> a) and Russian ё written as е."""
    return text.translate(_NO_DIACRITICS).translate(_NO_YO)


def to_cedilla(text: str) -> str:
    """Comma-below ș ț replaced by the legacy cedilla forms ş ţ."""
    return text.translate(_CEDILLA)


def has_comma_below(text: str) -> bool:
    """True when the text contains a comma-below letter that the cedilla mess would change."""
    return any(ch in "șțȘȚ" for ch in text)


def stray_spaces(text: str, rnd: random.Random) -> str:
    """Leading, trailing or doubled spaces."""
    r = rnd.random()
    if r < 0.35:
        return f" {text}"
    if r < 0.7:
        return f"{text}  "
    return text.replace(" ", "  ", 1) if " " in text else f"{text} "


def recase(text: str, rnd: random.Random, upper: float, lower: float) -> tuple[str, str]:
    """Upper- or lower-case the text with the given probabilities; returns (text, defect)."""
    r = rnd.random()
    if r < upper:
        new, defect = text.upper(), "upper"
    elif r < upper + lower:
        new, defect = text.lower(), "lower"
    else:
        return text, ""
    return (new, defect) if new != text else (text, "")


# --------------------------------------------------------------------------------------------
# dates
# --------------------------------------------------------------------------------------------

BIRTH_DATE_STYLES: tuple[str, ...] = ("iso", "dotted", "slashed", "compact")


def format_birth_date(d: date, style: str) -> str:
    """``1985-03-07``, ``07.03.1985``, ``07/03/1985`` or ``19850307``."""
    if style == "iso":
        return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"
    if style == "dotted":
        return f"{d.day:02d}.{d.month:02d}.{d.year:04d}"
    if style == "slashed":
        return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def impossible_birth_date(as_of: date, rnd: random.Random) -> str:
    """A birth date that must be rejected: in the future, too old, or not a calendar date."""
    r = rnd.random()
    if r < 0.3:
        return (as_of + timedelta(days=rnd.randint(30, 4000))).isoformat()
    if r < 0.55:
        return f"1890-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
    if r < 0.8:
        return f"31.02.{rnd.randint(1950, 2000)}"
    return f"{rnd.randint(1950, 2000)}-{rnd.choice(('02-30', '04-31', '13-01', '00-10'))}"


def format_timestamp(seconds: int, style: int) -> str:
    """Epoch seconds as ``2024-05-01 10:22:33`` (0), ``2024-05-01T10:22:33Z`` (1) or
    ``01.05.2024 10:22`` (2)."""
    day, sec = divmod(seconds, 86_400)
    d = EPOCH + timedelta(days=day)
    hh, rem = divmod(sec, 3600)
    mm, ss = divmod(rem, 60)
    if style == 0:
        return f"{d.isoformat()} {hh:02d}:{mm:02d}:{ss:02d}"
    if style == 1:
        return f"{d.isoformat()}T{hh:02d}:{mm:02d}:{ss:02d}Z"
    return f"{d.day:02d}.{d.month:02d}.{d.year:04d} {hh:02d}:{mm:02d}"


class DateTables:
    """Lookup tables that turn epoch days / seconds into text quickly (vectorised).

    Covers ``first_day`` .. ``last_day`` (epoch days); values outside are clipped.
    """

    def __init__(self, first_day: int, last_day: int) -> None:
        self.first_day = first_day
        days = [EPOCH + timedelta(days=d) for d in range(first_day, last_day + 1)]
        self.iso = [d.isoformat() for d in days]
        self.dotted = [f"{d.day:02d}.{d.month:02d}.{d.year:04d}" for d in days]
        self.month = [d.isoformat()[:7] for d in days]
        self.hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)]
        self.hm = [f"{m // 60:02d}:{m % 60:02d}" for m in range(1440)]  # by minute
        self._n = len(days)

    def _day_index(self, days: np.ndarray) -> list[int]:
        return np.clip(days - self.first_day, 0, self._n - 1).tolist()

    def dates(self, days: np.ndarray, styles: np.ndarray | None = None) -> list[str]:
        """Epoch days as ``YYYY-MM-DD`` (style 0) or ``DD.MM.YYYY`` (style 1)."""
        idx = self._day_index(days)
        iso, dotted = self.iso, self.dotted
        if styles is None:
            return [iso[i] for i in idx]
        return [dotted[i] if s else iso[i] for i, s in zip(idx, styles.tolist(), strict=True)]

    def timestamps(self, seconds: np.ndarray, styles: np.ndarray) -> list[str]:
        """Epoch seconds in the three timestamp styles of ``format_timestamp``."""
        days, secs = np.divmod(seconds, 86_400)
        idx = self._day_index(days)
        iso, dotted, hms, hm = self.iso, self.dotted, self.hms, self.hm
        out: list[str] = []
        append = out.append
        for i, s, st in zip(idx, secs.tolist(), styles.tolist(), strict=True):
            if st == 0:
                append(f"{iso[i]} {hms[s]}")
            elif st == 1:
                append(f"{iso[i]}T{hms[s]}Z")
            else:
                append(f"{dotted[i]} {hm[s // 60]}")
        return out


def pick_styles(rng: np.random.Generator, n: int, weights: Sequence[float]) -> np.ndarray:
    """Random style numbers ``0..len(weights)-1`` with the given weights."""
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def money(values: np.ndarray) -> list[str]:
    """Amounts with two decimals as text."""
    return [f"{v:.2f}" for v in values.tolist()]


def ints(values: np.ndarray) -> list[str]:
    """Integers as text."""
    return [str(v) for v in values.tolist()]


def epoch_day(d: date) -> int:
    """Days since 1970-01-01."""
    return (d - EPOCH).days
