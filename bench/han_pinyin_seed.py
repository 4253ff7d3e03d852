"""Write seeds/reference/han_pinyin.csv: toneless pinyin readings of the GB2312 Han characters.

Entity resolution compares a Han name with its pinyin spelling (张敏 / Zhang Min) through
this table. The readings come from the PyPI package ``pypinyin`` (a one-off tool, not a
dependency of the project): ``PYTHONPATH=... python bench/han_pinyin_seed.py``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from pypinyin import Style, pinyin  # type: ignore[import-not-found]

MAX_READINGS = 3
OUT = Path(__file__).resolve().parent.parent / "seeds" / "reference" / "han_pinyin.csv"


def gb2312_characters() -> list[str]:
    """The 6,763 Han characters of GB2312 (rows 16-87), in code order."""
    chars = []
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def main() -> None:
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["han_character", "readings"])
        for char in gb2312_characters():
            readings: list[str] = []
            for reading in pinyin(char, style=Style.NORMAL, heteronym=True)[0]:
                key = reading.replace("ü", "v").lower()
                if key.isascii() and key.isalpha() and key not in readings:
                    readings.append(key)
            if readings:
                writer.writerow([char, "|".join(readings[:MAX_READINGS])])


if __name__ == "__main__":
    main()
