"""The structure of a source text: articles, paragraphs (款) and items (项), so that a quote can be
checked against the very unit it cites, and must be a whole clause of it.

The Work Rules number their articles 一、二、… at the start of a line, under 第N章 headings; an
article's first line is its paragraph 1, each further line a paragraph, and lines opening with
(一)(二)… are the items of the paragraph before them. A plain line after an item continues that
item (Art 8(3) runs on for a second line). Everything before the first chapter heading is the
covering notice and is not part of the rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .numerals import article_citation, cn_to_int

_ARTICLE = re.compile(r"^([零一二三四五六七八九十百]+)、(.*)$")
_ITEM = re.compile(r"^[(（]([零一二三四五六七八九十]+)[)）](.*)$")
_CHAPTER = re.compile(r"^第[零一二三四五六七八九十]+章")
# A whole clause ends at one of these (full-width or ASCII, as the published text mixes both) or at
# the end of its unit; it begins at the start of its unit or just after one.
CLAUSE_ENDS = "。；;：:！!？?"


def normalise(text: str) -> str:
    # The published text wraps lines and mixes spaces in; a quote matches after whitespace is removed.
    return re.sub(r"\s+", "", text)


@dataclass
class Item:
    number: int
    text: str


@dataclass
class Paragraph:
    number: int
    lead: str
    items: list[Item] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.lead + "".join(item.text for item in self.items)


@dataclass
class Article:
    number: int
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.paragraphs)


@dataclass(frozen=True)
class Place:
    """Where a quote sits: the article, and the paragraph and item if it lies within one."""

    article: int
    paragraph: int | None
    item: int | None


class StructureError(ValueError):
    pass


def parse(text: str) -> dict[int, Article]:
    articles: dict[int, Article] = {}
    started = False
    current: Article | None = None
    in_item = False
    for raw in text.splitlines():
        line = normalise(raw)
        if not line:
            continue
        if _CHAPTER.match(line):
            started = True
            continue
        if not started:
            continue
        if match := _ARTICLE.match(line):
            number = cn_to_int(match.group(1))
            expected = (current.number + 1) if current else 1
            if number != expected:
                raise StructureError(f"条文编号不连续：第{expected}条之后出现“{match.group(1)}、”")
            current = Article(number, [Paragraph(1, match.group(2))])
            articles[number] = current
            in_item = False
        elif current is None:
            continue
        elif match := _ITEM.match(line):
            paragraph = current.paragraphs[-1]
            paragraph.items.append(Item(cn_to_int(match.group(1)), match.group(2)))
            in_item = True
        elif in_item:
            item = current.paragraphs[-1].items[-1]
            item.text += line
        else:
            current.paragraphs.append(Paragraph(len(current.paragraphs) + 1, line))
    if not articles:
        raise StructureError("原文中找不到任何条文（“第一章”之后应有“一、”开头的条文）")
    return articles


def _whole_at(unit: str, quote: str) -> bool:
    """Does ``quote`` occur in ``unit`` as whole clauses: starting at the unit's start or after a
    clause end, and ending with a clause end or at the unit's end?"""
    start = unit.find(quote)
    while start != -1:
        end = start + len(quote)
        starts_whole = start == 0 or unit[start - 1] in CLAUSE_ENDS
        ends_whole = end == len(unit) or quote[-1] in CLAUSE_ENDS
        if starts_whole and ends_whole:
            return True
        start = unit.find(quote, start + 1)
    return False


class SourceText:
    def __init__(self, text: str) -> None:
        self.articles = parse(text)

    def places(self, quote: str) -> list[Place]:
        """Every smallest unit that holds ``quote``."""
        quote = normalise(quote)
        found: list[Place] = []
        for article in self.articles.values():
            if quote not in article.text:
                continue
            inner: list[Place] = []
            for paragraph in article.paragraphs:
                if quote in paragraph.text:
                    items = [i for i in paragraph.items if quote in i.text]
                    if items:
                        inner += [Place(article.number, paragraph.number, i.number) for i in items]
                    else:
                        inner.append(Place(article.number, paragraph.number, None))
            found += inner or [Place(article.number, None, None)]
        return found

    def unit(self, article: int, paragraph: int | None, item: int | None) -> str:
        """The text of the cited unit; StructureError if the citation names no such unit."""
        if article not in self.articles:
            raise StructureError(f"原文没有第{article}条")
        art = self.articles[article]
        if paragraph is not None and not 1 <= paragraph <= len(art.paragraphs):
            raise StructureError(f"第{article}条只有{len(art.paragraphs)}款，没有第{paragraph}款")
        if item is None:
            return art.paragraphs[paragraph - 1].text if paragraph else art.text
        candidates = [art.paragraphs[paragraph - 1]] if paragraph else art.paragraphs
        matches = [i for p in candidates for i in p.items if i.number == item]
        if not matches:
            raise StructureError(f"第{article}条{f'第{paragraph}款' if paragraph else ''}没有第（{item}）项")
        if len(matches) > 1:
            raise StructureError(f"第{article}条有多款含第（{item}）项，须写明是第几款")
        return matches[0].text

    def check(self, quote: str, article: int, paragraph: int | None, item: int | None) -> str | None:
        """None if ``quote`` is whole clauses of the cited unit and cites it precisely; else why not."""
        quote = normalise(quote)
        try:
            unit = self.unit(article, paragraph, item)
        except StructureError as exc:
            return str(exc)
        places = self.places(quote)
        where = "、".join(_cite(p) for p in places) or "原文中找不到"
        if quote not in unit:
            return f"引文不在所引的{_cite(Place(article, paragraph, item))}之内（引文实际位于：{where}）"
        if not _whole_at(unit, quote):
            return "引文须是完整的句子或分句（以“。；：”或该条款项的结尾为界），不能是片段"
        art = self.articles[article]
        inside = [p for p in places if p.article == article]
        if paragraph is None and item is None and len(art.paragraphs) > 1:
            paragraphs = {p.paragraph for p in inside}
            if len(paragraphs) == 1 and None not in paragraphs:
                return f"第{article}条有{len(art.paragraphs)}款，引文位于{_cite(inside[0])}，须写明款、项"
        if item is None:
            items = {(p.paragraph, p.item) for p in inside if (paragraph is None or p.paragraph == paragraph)}
            if items and all(i is not None for _, i in items) and len(items) == 1:
                return f"引文位于{_cite(inside[0])}，须写明项"
        return None


def _cite(place: Place) -> str:
    return article_citation(place.article, place.paragraph, place.item)
