"""Loading a rulebook from disk, strictly, and looking rules up in it.

A rulebook is a directory holding ``sources.yaml`` and ``rules/*.yaml``, one
rule record per file. ``CITYHALL_RULEBOOK`` selects it: a name under
``cityhall/rulebooks/`` or a path to a directory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import RulebookError, RuleNotInForce, UnknownRule
from .numerals import article_citation, article_citation_en
from .quoted_numbers import disagreement
from .schema import RuleRecord, Source, SourcesFile
from .source_text import SourceText, StructureError, normalise

RULEBOOKS_DIR = Path(__file__).resolve().parent.parent / "rulebooks"
DEFAULT_RULEBOOK = "fushun-2022"


def _source_text(path: Path, key: str, source: Source) -> SourceText:
    """The source's text file, checked against its pin, parsed into articles, paragraphs and items."""
    where = f"sources.{key}"
    assert source.text_file is not None  # noqa: S101 - only called for sources with a text file
    text_path = path / source.text_file
    if not text_path.is_file():
        raise RulebookError("sources.yaml", f"{where}.text_file", f"文件 {source.text_file} 不存在")
    raw = text_path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != source.sha256:
        raise RulebookError(
            "sources.yaml",
            f"{where}.sha256",
            f"原文文件 {source.text_file} 已改变（现在的 sha256 为 {digest}，固定值为 {source.sha256}）；"
            "若确属有意更换官方文本，请核对后更新 sha256",
        )
    text = raw.decode("utf-8")
    flat = normalise(text)
    if source.document_number and normalise(source.document_number) not in flat:
        raise RulebookError("sources.yaml", f"{where}.document_number", f"原文中没有文号“{source.document_number}”")
    issued = source.issued
    if issued.isoformat() not in flat and f"{issued.year}年{issued.month}月{issued.day}日" not in flat:
        raise RulebookError("sources.yaml", f"{where}.issued", f"原文中没有成文日期 {issued.isoformat()}")
    try:
        return SourceText(text)
    except StructureError as exc:
        raise RulebookError("sources.yaml", f"{where}.text_file", f"无法识别原文的条款结构：{exc}") from None


def _check_params(rel: str, record: RuleRecord, sources: Mapping[str, Source], texts: Mapping[str, SourceText]) -> None:
    """Each number a rule computes with is stated by its own quote, or by the basis it cites."""
    for name, param in record.params.items():
        basis = getattr(param, "basis", None)
        problem = disagreement(param, record.clause)
        if problem is None:
            continue
        if basis is None:
            raise RulebookError(
                rel, f"params.{name}", f"{problem}；若该数出自别处，请在 basis 中引用其出处或写明解释（reading）"
            )
        if basis.reading:
            continue
        key = f"params.{name}.basis"
        if basis.source not in sources:
            raise RulebookError(rel, f"{key}.source", f"来源“{basis.source}”未在 sources.yaml 中定义")
        if basis.source in texts:
            where = texts[basis.source].check(basis.clause, basis.article, basis.paragraph, basis.item)
            if where:
                raise RulebookError(rel, f"{key}.clause", f"引用的条文与原文不一致：{where}")
        again = disagreement(param, basis.clause or "")
        if again:
            raise RulebookError(rel, f"{key}.clause", f"所引出处也未载明该数：{again}")


@dataclass(frozen=True)
class Rule:
    """One version of one rule, with its source resolved."""

    record: RuleRecord
    source_key: str
    source: Source
    file: str

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def version(self) -> int:
        return self.record.version

    @property
    def citation(self) -> str:
        """The Chinese citation, e.g. 《抚顺市人民政府工作规则》（抚政发〔2022〕8号）第四十四条第三款."""
        r = self.record
        doc = f"《{self.source.title}》"
        if self.source.document_number:
            doc += f"（{self.source.document_number}）"
        return doc + article_citation(r.article, r.paragraph, r.item)

    @property
    def short_citation(self) -> str:
        r = self.record
        return self.source.short + article_citation(r.article, r.paragraph, r.item)

    @property
    def citation_en(self) -> str:
        r = self.record
        return f"{self.source.short_en} " + article_citation_en(r.article, r.paragraph, r.item)

    @property
    def case_id(self) -> str:
        """A test-id form of the citation: ``44-3`` for Art 44 ¶3, ``51-0-5`` for Art 51(5)."""
        r = self.record
        parts = [str(r.article)]
        if r.paragraph or r.item:
            parts.append(str(r.paragraph or 0))
        if r.item:
            parts.append(str(r.item))
        return "-".join(parts)

    def in_force_on(self, day: dt.date) -> bool:
        r = self.record
        return r.effective_from <= day and (r.effective_to is None or day <= r.effective_to)


class Rulebook:
    def __init__(
        self,
        name: str,
        title: str,
        path: Path,
        primary_source: str,
        sources: dict[str, Source],
        chapters: list[Any],
        rules: list[Rule],
    ) -> None:
        self.name = name
        self.title = title
        self.path = path
        self.primary_source = primary_source
        self.sources = sources
        self.chapters = chapters
        self._versions: dict[str, list[Rule]] = {}
        for rule in rules:
            self._versions.setdefault(rule.id, []).append(rule)
        for versions in self._versions.values():
            versions.sort(key=lambda r: r.version)

    def __iter__(self) -> Iterator[Rule]:
        """The latest version of every rule, in citation order."""
        return iter(self.latest)

    def __len__(self) -> int:
        return len(self._versions)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._versions

    @cached_property
    def latest(self) -> list[Rule]:
        rules = [v[-1] for v in self._versions.values()]
        return sorted(
            rules,
            key=lambda r: (
                r.source_key != self.primary_source,
                r.source_key,
                r.record.article,
                r.record.paragraph or 0,
                r.record.item or 0,
                r.id,
            ),
        )

    def versions(self, rule_id: str) -> list[Rule]:
        try:
            return list(self._versions[rule_id])
        except KeyError:
            raise UnknownRule(rule_id) from None

    def rule(self, rule_id: str, on: dt.date | None = None) -> Rule:
        """The version of ``rule_id`` in force on ``on``; the latest version if ``on`` is None."""
        versions = self.versions(rule_id)
        if on is None:
            return versions[-1]
        for rule in reversed(versions):
            if rule.in_force_on(on):
                return rule
        raise RuleNotInForce(rule_id, on)

    def chapter_of(self, rule: Rule) -> Any | None:
        if rule.source_key != self.primary_source:
            return None
        for chapter in self.chapters:
            if chapter.first_article <= rule.record.article <= chapter.last_article:
                return chapter
        return None


def _error_key(error: Mapping[str, Any]) -> str:
    loc = [str(p) for p in error["loc"]]
    # A discriminated union puts its tag after the param name (params.<name>.<tag>.<key>);
    # the tag is noise to a reader.
    if (
        len(loc) >= 3
        and loc[0] == "params"
        and loc[2] in ("quantity", "period", "calendar_period_end", "day_of_month", "terms")
    ):
        del loc[2]
    return ".".join(loc)


def _read_yaml(path: Path, rel: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RulebookError(rel, "", f"不是合法的 YAML：{exc}") from None
    if not isinstance(data, dict):
        raise RulebookError(rel, "", "顶层必须是一个映射（mapping）")
    return data


def _validation_error(rel: str, exc: ValidationError) -> RulebookError:
    first = exc.errors()[0]
    key = _error_key(first)
    kind = first["type"]
    if kind == "extra_forbidden":
        problem = f"未知的键（unknown key）“{key.rsplit('.', 1)[-1]}”"
    elif kind == "missing":
        problem = f"缺少必填的键（missing key）“{key.rsplit('.', 1)[-1]}”"
    else:
        problem = first["msg"]
    return RulebookError(rel, key, problem)


def resolve_rulebook_path(name_or_path: str | None = None) -> Path:
    value = name_or_path or os.environ.get("CITYHALL_RULEBOOK") or DEFAULT_RULEBOOK
    path = Path(value)
    if not path.is_absolute() and (RULEBOOKS_DIR / value).is_dir():
        path = RULEBOOKS_DIR / value
    if not path.is_dir():
        raise RulebookError(value, "", "找不到该规则库目录（CITYHALL_RULEBOOK）")
    return path.resolve()


def load_rulebook(name_or_path: str | Path | None = None) -> Rulebook:
    path = resolve_rulebook_path(str(name_or_path) if name_or_path else None)
    sources_rel = "sources.yaml"
    try:
        sources_file = SourcesFile.model_validate(_read_yaml(path / sources_rel, sources_rel))
    except FileNotFoundError:
        raise RulebookError(sources_rel, "", f"规则库 {path} 缺少 sources.yaml") from None
    except ValidationError as exc:
        raise _validation_error(sources_rel, exc) from None
    if sources_file.primary_source not in sources_file.sources:
        raise RulebookError(sources_rel, "primary_source", f"来源“{sources_file.primary_source}”未定义")

    texts = {key: _source_text(path, key, source) for key, source in sources_file.sources.items() if source.text_file}

    rules: list[Rule] = []
    seen: dict[tuple[str, int], str] = {}
    rule_files = sorted((path / "rules").glob("*.yaml"))
    if not rule_files:
        raise RulebookError("rules/", "", "规则库中没有任何规则文件")
    for file in rule_files:
        rel = str(file.relative_to(path))
        try:
            record = RuleRecord.model_validate(_read_yaml(file, rel))
        except ValidationError as exc:
            raise _validation_error(rel, exc) from None
        if record.source not in sources_file.sources:
            raise RulebookError(rel, "source", f"来源“{record.source}”未在 sources.yaml 中定义")
        if record.source in texts:
            problem = texts[record.source].check(record.clause, record.article, record.paragraph, record.item)
            if problem:
                raise RulebookError(rel, "clause", f"引用的条文与原文不一致：{problem}")
        _check_params(rel, record, sources_file.sources, texts)
        if (record.id, record.version) in seen:
            raise RulebookError(
                rel, "version", f"规则 {record.id} 第{record.version}版已在 {seen[(record.id, record.version)]} 中定义"
            )
        seen[(record.id, record.version)] = rel
        rules.append(
            Rule(record=record, source_key=record.source, source=sources_file.sources[record.source], file=rel)
        )

    book = Rulebook(
        name=sources_file.rulebook,
        title=sources_file.title,
        path=path,
        primary_source=sources_file.primary_source,
        sources=dict(sources_file.sources),
        chapters=list(sources_file.chapters),
        rules=rules,
    )
    for rule_id in list(book._versions):
        versions = book.versions(rule_id)
        for earlier, later in itertools.pairwise(versions):
            if earlier.record.effective_to is None or earlier.record.effective_to >= later.record.effective_from:
                raise RulebookError(
                    later.file, "effective_from", f"与第{earlier.version}版的生效期间重叠（versions must not overlap）"
                )
    return book


_cache: dict[Path, Rulebook] = {}


def get_rulebook(name_or_path: str | None = None) -> Rulebook:
    """The selected rulebook, loaded once per process (the files are read-only at run time)."""
    path = resolve_rulebook_path(name_or_path)
    if path not in _cache:
        _cache[path] = load_rulebook(path)
    return _cache[path]
