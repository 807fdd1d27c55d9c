"""Chinese numerals for citations: 44 → 四十四, so Art 44 ¶3 reads 第四十四条第三款; and back (cn_to_int)."""

from __future__ import annotations

_DIGITS = "零一二三四五六七八九"
_VALUE = {c: i for i, c in enumerate(_DIGITS)}


def chinese_number(n: int) -> str:
    if not 0 < n < 1000:
        raise ValueError(f"{n} is out of range for a citation")
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += _DIGITS[hundreds] + "百"
        if rest and tens == 0:
            out += "零"
    if tens:
        # 十二, not 一十二, when it stands alone; 一百一十二 inside hundreds.
        out += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    if ones:
        out += _DIGITS[ones]
    return out


def cn_to_int(text: str) -> int:
    """一 → 1, 十五 → 15, 二十 → 20, 四十四 → 44, 一百零二 → 102."""
    if not text:
        raise ValueError("empty numeral")
    total, current = 0, 0
    for char in text:
        if char in _VALUE:
            current = _VALUE[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text}")
    return total + current


def article_citation(article: int, paragraph: int | None = None, item: int | None = None) -> str:
    text = f"第{chinese_number(article)}条"
    if paragraph:
        text += f"第{chinese_number(paragraph)}款"
    if item:
        text += f"第（{chinese_number(item)}）项"
    return text


def article_citation_en(article: int, paragraph: int | None = None, item: int | None = None) -> str:
    text = f"Art {article}"
    if paragraph:
        text += f" ¶{paragraph}"
    if item:
        text += f"({item})"
    return text
