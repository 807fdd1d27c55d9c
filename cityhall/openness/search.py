"""Chinese full-text search over the published items, on SQLite FTS5 and on PostgreSQL.

Chinese has no spaces, so the text is segmented before either engine sees it. Two kinds of token go
into the index (``index_text``):

- every pair of adjacent Chinese characters (bigrams), in order, so that any run of two or more
  characters can be found as a phrase: 专项债 is the phrase 「专项 项债」, which 专项债券额度 contains,
  although jieba cuts that into 专项 / 债券 / 额度 and has no 专项债;
- jieba's search-mode words, which repeat the meaningful words and so rank a text that uses the
  query as a word above one where the characters merely meet.

A query is cut the same way (``query_terms``): each Chinese run becomes one bigram phrase, each Latin
word or number a word. All terms must match. SQLite ranks with bm25 and PostgreSQL with ts_rank, the
title weighing ten times the body. Both read the same token columns, kept on the row.

Highlighting is done on the original text, not on tokens, so the marks fall on what the reader sees.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[0-9A-Za-z]+")
# Between two runs, so that a phrase never matches across a punctuation mark or a Latin word.
SEPARATOR = "qqsep"
MAX_QUERY = 60

_jieba: Any = None


def _segmenter() -> Any:
    global _jieba
    if _jieba is None:
        import jieba  # type: ignore[import-untyped]

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _jieba = jieba
    return _jieba


def _runs(text: str) -> list[tuple[str, str]]:
    """The text's Chinese runs and Latin words, in order, as ("cjk"|"word", text)."""
    out: list[tuple[str, str]] = []
    for m in re.finditer(f"{CJK.pattern}|{WORD.pattern}", text):
        out.append(("cjk" if CJK.fullmatch(m.group()) else "word", m.group()))
    return out


def _bigrams(run: str) -> list[str]:
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


def index_text(text: str) -> str:
    """The tokens both engines index, space-separated."""
    stream: list[str] = []
    for kind, run in _runs(text):
        if kind == "cjk":
            stream += _bigrams(run)
        else:
            stream.append(run.lower())
        stream.append(SEPARATOR)
    words = [w for w in _segmenter().cut_for_search(text) if CJK.fullmatch(w) and len(w) > 1]
    return " ".join(stream + words)


def query_terms(query: str) -> list[list[str]]:
    """Each term of a query as the phrase of tokens it must match."""
    terms: list[list[str]] = []
    for kind, run in _runs(query[:MAX_QUERY]):
        phrase = _bigrams(run) if kind == "cjk" else [run.lower()]
        if phrase not in terms:
            terms.append(phrase)
    return terms


def _fts5_query(terms: list[list[str]]) -> str:
    # Each token is a bare word of letters and digits, so quoting it as an FTS5 string is exact.
    parts = []
    for phrase in terms:
        if len(phrase) == 1 and len(phrase[0]) == 1 and CJK.fullmatch(phrase[0]):
            parts.append(f'"{phrase[0]}"*')  # one character: any bigram it begins
        else:
            parts.append('"' + " ".join(phrase) + '"')
    return " AND ".join(parts)


def _ts_query(terms: list[list[str]]) -> str:
    parts = []
    for phrase in terms:
        if len(phrase) == 1 and len(phrase[0]) == 1 and CJK.fullmatch(phrase[0]):
            parts.append(f"{phrase[0]}:*")
        else:
            parts.append("(" + " <-> ".join(phrase) + ")")
    return " & ".join(parts)


# PostgreSQL reads the stored generated column ``search_vector`` (migration 0008): the weighted vector of
# the token columns, parsed once per write instead of once per match (docs/benchmarks.md).
PG_VECTOR = "p.search_vector"
# Counting every match of a common term costs as much as ranking them; past this many the page says "N+".
COUNT_CAP = 1000


@dataclass(frozen=True)
class Hits:
    ids: list[int]
    total: int
    # More than COUNT_CAP match: ``total`` is the cap and the count stopped there.
    capped: bool = False


def search_ids(query: str, *, limit: int = 20, offset: int = 0) -> Hits:
    """The ids of the published items matching ``query``, best first, and how many match."""
    terms = query_terms(query)
    if not terms:
        return Hits([], 0)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            tsq = _ts_query(terms)
            where = f"p.state = 'published' AND {PG_VECTOR} @@ to_tsquery('simple', %s)"
            cur.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM openness_publication p WHERE {where} LIMIT %s) hits",  # noqa: S608
                [tsq, COUNT_CAP + 1],
            )
            total = cur.fetchone()[0]
            cur.execute(
                f"SELECT p.id FROM openness_publication p WHERE {where} "  # noqa: S608
                f"ORDER BY ts_rank('{{0.1, 0.2, 0.4, 1.0}}', {PG_VECTOR}, to_tsquery('simple', %s)) DESC, "
                "p.published_at DESC LIMIT %s OFFSET %s",
                [tsq, tsq, limit, offset],
            )
        else:
            match = _fts5_query(terms)
            base = (
                "FROM openness_fts JOIN openness_publication p ON p.id = openness_fts.rowid "
                "WHERE openness_fts MATCH %s AND p.state = 'published'"
            )
            cur.execute(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT %s) hits", [match, COUNT_CAP + 1])  # noqa: S608
            total = cur.fetchone()[0]
            cur.execute(
                f"SELECT p.id {base} ORDER BY bm25(openness_fts, 10.0, 1.0), p.published_at DESC LIMIT %s OFFSET %s",
                [match, limit, offset],
            )
        return Hits([row[0] for row in cur.fetchall()], min(int(total), COUNT_CAP), int(total) > COUNT_CAP)


def _needles(query: str) -> list[str]:
    return sorted({run for _, run in _runs(query[:MAX_QUERY])}, key=len, reverse=True)


def highlight(text: str, query: str) -> SafeString:
    """The text, escaped, with each occurrence of a query term in <mark>."""
    needles = _needles(query)
    if not needles:
        return escape(text)
    pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)
    out: list[str] = []
    last = 0
    for m in pattern.finditer(text):
        out.append(escape(text[last : m.start()]))
        out.append(f"<mark>{escape(m.group())}</mark>")
        last = m.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped above


def snippet(text: str, query: str, width: int = 60) -> SafeString:
    """The passage around the first match, highlighted; the opening when nothing matches."""
    needles = _needles(query)
    lowered = text.lower()
    first = min((i for i in (lowered.find(n.lower()) for n in needles) if i >= 0), default=-1)
    if first < 0:
        piece = text[: width * 2]
        return highlight(piece + ("…" if len(text) > len(piece) else ""), query)
    start = max(0, first - width)
    piece = text[start : first + width]
    return highlight(("…" if start else "") + piece + ("…" if first + width < len(text) else ""), query)


SQLITE_TRIGGERS = {
    "openness_fts_ai": "CREATE TRIGGER openness_fts_ai AFTER INSERT ON openness_publication BEGIN "
    "INSERT INTO openness_fts(rowid, title_index, body_index) VALUES (new.id, new.title_index, new.body_index); END",
    "openness_fts_ad": "CREATE TRIGGER openness_fts_ad AFTER DELETE ON openness_publication BEGIN "
    "INSERT INTO openness_fts(openness_fts, rowid, title_index, body_index) "
    "VALUES ('delete', old.id, old.title_index, old.body_index); END",
    "openness_fts_au": "CREATE TRIGGER openness_fts_au AFTER UPDATE OF title_index, body_index ON openness_publication "
    "BEGIN INSERT INTO openness_fts(openness_fts, rowid, title_index, body_index) "
    "VALUES ('delete', old.id, old.title_index, old.body_index); "
    "INSERT INTO openness_fts(rowid, title_index, body_index) VALUES (new.id, new.title_index, new.body_index); END",
}


def ensure_sqlite_index(using: str = "default", **_: Any) -> bool:
    """Keep SQLite's FTS5 table and its triggers in place. Django remakes a SQLite table to alter it
    (create, copy, drop, rename), which drops its triggers, so after every migration the missing ones are
    put back and the index rebuilt from the token columns. Returns whether anything was repaired."""
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "sqlite":
        return False
    with conn.cursor() as cur:
        tables = {r[0] for r in cur.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
        if "openness_publication" not in tables:
            return False
        repaired = False
        if "openness_fts" not in tables:
            cur.execute(
                "CREATE VIRTUAL TABLE openness_fts USING fts5(title_index, body_index, "
                "content='openness_publication', content_rowid='id', tokenize='unicode61')"
            )
            repaired = True
        for name, sql in SQLITE_TRIGGERS.items():
            if name not in tables:
                cur.execute(sql)
                repaired = True
        if repaired:
            cur.execute("INSERT INTO openness_fts(openness_fts) VALUES ('rebuild')")
    return repaired
