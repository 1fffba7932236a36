"""Verbatim themes: what customers write about in survey comments, in Chinese and English.

Managers read which themes come up, how often, how satisfied the customers who raised them
were, and a few of their own words. Themes are data (csreview/config/themes.toml): keywords
in both languages, matched against the tokens of each comment (jieba segments for Chinese,
lower-cased words for English). `top_terms` lists the frequent words, to find themes the
config does not know yet.

Personal data never leaves this module: quotes are masked with
`csreview.personal_data.mask_personal_data` (and cleaned of invisible characters),
and tokens are taken from masked text, so e-mail addresses never become terms (numbers never
do: tokens are words, not digits).
"""

from __future__ import annotations

import functools
import logging
import math
import re
import tomllib
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from csreview import schema as s
from csreview.personal_data import PLACEHOLDERS, display_text, mask_personal_data
from csreview.settings import config_text

# ---------------------------------------------------------------- output columns
THEME: Final = "theme"
COMMENTS: Final = "comments"
SHARE: Final = "share"
MEAN_CSAT: Final = "mean_csat"
DETRACTOR_SHARE: Final = "detractor_share"
EXAMPLES: Final = "examples"
THEME_COLUMNS: Final = (THEME, COMMENTS, SHARE, MEAN_CSAT, DETRACTOR_SHARE, EXAMPLES)

TERM: Final = "term"
OCCURRENCES: Final = "occurrences"
TERM_COLUMNS: Final = (TERM, COMMENTS, OCCURRENCES, THEME)

OTHER: Final = "other"  # the row of comments that mention no configured theme
LANGUAGES: Final = ("en", "zh-CN")  # label languages, as csreview.settings.LANGUAGES
QUOTE_CHARS: Final = 120  # a quote is at most this long, ellipsis included
ELLIPSIS: Final = "…"
DETRACTOR_MAX: Final = 6  # NPS 0–6

_THEME_DTYPES: Final[dict[str, str]] = {
    THEME: "string",
    COMMENTS: "int64",
    SHARE: "float64",
    MEAN_CSAT: "float64",
    DETRACTOR_SHARE: "float64",
    EXAMPLES: "object",
}
_TERM_DTYPES: Final[dict[str, str]] = {
    TERM: "string",
    COMMENTS: "int64",
    OCCURRENCES: "int64",
    THEME: "string",
}

_CJK: Final = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LETTER: Final = rf"[^\W\d_{_CJK}]"
_TOKEN: Final = re.compile(rf"(?P<han>[{_CJK}]+)|(?P<word>{_LETTER}+(?:'{_LETTER}+)*)")
_CJK_WORD: Final = re.compile(rf"[{_CJK}]+")
_EN_KEYWORD: Final = re.compile(rf"{_LETTER}+(?:'{_LETTER}+)*\*?")
_THEME_KEY: Final = re.compile(r"[a-z][a-z0-9_]*")
# the placeholders mask_personal_data writes: dropped before tokenising, so that they do not
# count as the words "e-mail", "id", "card" or "phone"
_PLACEHOLDERS: Final = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))


# ---------------------------------------------------------------- configuration
def themes_text(path: Path | None = None) -> str:
    """The themes config as written: the shipped one, or the given file."""
    return config_text("themes.toml", path)


def load_themes(path: Path | None = None) -> dict[str, Any]:
    """The themes config as data (validated: a malformed file raises ValueError)."""
    config = tomllib.loads(themes_text(path))
    _compile(config)
    return config


@dataclass(frozen=True)
class _Theme:
    """One theme's keywords, sorted by how they match a token."""

    key: str
    exact: frozenset[str]
    prefixes: tuple[str, ...]
    contained: tuple[str, ...]

    def matches(self, token: str) -> bool:
        return (
            token in self.exact
            or any(token.startswith(p) for p in self.prefixes)
            or any(k in token for k in self.contained)
        )


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"themes config: {where} must be a list of non-empty strings")
    return list(value)


def _stop_words(config: Mapping[str, Any]) -> frozenset[str]:
    table = config.get("stop_words", {})
    if not isinstance(table, Mapping):
        raise ValueError("themes config: [stop_words] must be a table")
    words: set[str] = set()
    for language, values in table.items():
        words.update(w.lower() for w in _strings(values, f"stop_words.{language}"))
    return frozenset(words)


def _compile(config: Mapping[str, Any]) -> tuple[_Theme, ...]:
    """The themes of a config, checked: labels in every language, well-formed keywords."""
    stop = _stop_words(config)
    _labels(config.get(OTHER, {}), OTHER)
    table = config.get("themes")
    if not isinstance(table, Mapping) or not table:
        raise ValueError("themes config: [themes] must hold at least one theme")
    compiled = []
    for key, theme in table.items():
        if not _THEME_KEY.fullmatch(key) or key == OTHER:
            raise ValueError(f"themes config: bad theme key {key!r}")
        if not isinstance(theme, Mapping):
            raise ValueError(f"themes config: themes.{key} must be a table")
        _labels(theme, f"themes.{key}")
        keywords = theme.get("keywords", {})
        if not isinstance(keywords, Mapping) or set(keywords) - {"en", "zh"}:
            raise ValueError(f"themes config: themes.{key}.keywords takes en and zh lists")
        english = _strings(keywords.get("en", []), f"themes.{key}.keywords.en")
        chinese = _strings(keywords.get("zh", []), f"themes.{key}.keywords.zh")
        if not english and not chinese:
            raise ValueError(f"themes config: themes.{key} has no keywords")
        for word in english:
            if not _EN_KEYWORD.fullmatch(word) or word != word.lower():
                raise ValueError(f"themes config: themes.{key}: bad English keyword {word!r}")
        for word in chinese:
            if not _CJK_WORD.fullmatch(word):
                raise ValueError(f"themes config: themes.{key}: bad Chinese keyword {word!r}")
        for word in english + chinese:
            if word.rstrip("*") in stop:
                raise ValueError(f"themes config: themes.{key}: keyword {word!r} is a stop word")
        compiled.append(
            _Theme(
                key=key,
                exact=frozenset(
                    [w for w in english if not w.endswith("*")]
                    + [w for w in chinese if len(w) == 1]
                ),
                prefixes=tuple(w[:-1] for w in english if w.endswith("*")),
                contained=tuple(w for w in chinese if len(w) > 1),
            )
        )
    return tuple(compiled)


def _labels(table: Mapping[str, Any], where: str) -> dict[str, str]:
    label = table.get("label")
    if not isinstance(label, Mapping) or not all(
        isinstance(label.get(language), str) and label[language] for language in LANGUAGES
    ):
        raise ValueError(f"themes config: {where}.label needs {' and '.join(LANGUAGES)}")
    return {language: str(label[language]) for language in LANGUAGES}


def theme_labels(themes: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Theme key → its label in each report language ("en", "zh-CN"), "other" included."""
    _compile(themes)  # checks every label
    labels = {key: _labels(t, f"themes.{key}") for key, t in themes["themes"].items()}
    labels[OTHER] = _labels(themes.get(OTHER, {}), OTHER)
    return labels


# ---------------------------------------------------------------- tokens
@functools.cache
def _jieba() -> Any:
    """jieba, imported and its dictionary loaded once, quietly (it warns and logs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import jieba  # type: ignore[import-untyped]

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
    return jieba


def stop_words(themes: Mapping[str, Any]) -> frozenset[str]:
    """The stop words of a themes config, in every language: never a token."""
    return _stop_words(themes)


def tokens(text: str, stop: Set[str]) -> list[str]:
    """The words of a text in order: jieba segments of its Chinese, lower-cased words of its
    English (two letters or more). Digits, punctuation and the `stop` words are dropped;
    full-width letters count as their ASCII form."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'")
    found: list[str] = []
    for match in _TOKEN.finditer(text):
        han = match.group("han")
        if han:
            pieces: Iterable[str] = _jieba().lcut(han)
        else:
            word = match.group("word").lower()
            pieces = [word] if len(word) > 1 else []
        found.extend(p for p in pieces if p not in stop)
    return found


def _analysis_tokens(text: str, stop: Set[str]) -> list[str]:
    """Tokens of a comment with its personal data masked and the placeholders removed."""
    masked = mask_personal_data(text)
    return tokens(_PLACEHOLDERS.sub(" ", masked), stop)


def _quote(text: str) -> str:
    """The comment as shown: invisible characters removed, personal data masked, cut to
    QUOTE_CHARS with an ellipsis."""
    return display_text(text, QUOTE_CHARS)


# ---------------------------------------------------------------- themes and terms
def _comments(surveys: pd.DataFrame) -> pd.DataFrame:
    """survey_id, csat, nps and comment of the rows whose comment has any text, in order."""

    def text(name: str) -> pd.Series:
        if name in surveys.columns:
            return surveys[name].astype("string").fillna("")
        return pd.Series("", index=surveys.index, dtype="string")

    def number(name: str) -> pd.Series:
        if name in surveys.columns:
            return surveys[name].astype("float64")
        return pd.Series(math.nan, index=surveys.index, dtype="float64")

    frame = pd.DataFrame(
        {
            s.SURVEY_ID: text(s.SURVEY_ID),
            s.CSAT: number(s.CSAT),
            s.NPS: number(s.NPS),
            s.COMMENT: text(s.COMMENT),
        },
        index=surveys.index,
    )
    has_text = frame[s.COMMENT].str.strip() != ""
    return frame[has_text.astype(bool)].reset_index(drop=True)


Example = tuple[float, str, str, str]  # (CSAT, none as inf; survey_id; comment; quote)


def _examples(picked: pd.DataFrame, limit: int) -> tuple[Example, ...]:
    """Up to `limit` distinct quotes with their rank: lowest CSAT first (none last), then
    survey_id and comment; a quote's rank is that of its first comment."""
    ranked = picked.assign(_csat=picked[s.CSAT].fillna(math.inf)).sort_values(
        ["_csat", s.SURVEY_ID, s.COMMENT]
    )
    found: list[Example] = []
    quotes: set[str] = set()
    ranks = zip(ranked["_csat"], ranked[s.SURVEY_ID], ranked[s.COMMENT], strict=True)
    for csat, survey, text in ranks:
        if len(found) >= limit:
            break
        quote = _quote(str(text))
        if quote not in quotes:
            quotes.add(quote)
            found.append((float(csat), str(survey), str(text), quote))
    return tuple(found)


def _first_examples(examples: Iterable[Example], limit: int) -> tuple[Example, ...]:
    """The first LIMIT distinct quotes of several parts' examples, by rank."""
    found: list[Example] = []
    quotes: set[str] = set()
    for example in sorted(examples, key=lambda e: e[:3]):
        if len(found) >= limit:
            break
        if example[3] not in quotes:
            quotes.add(example[3])
            found.append(example)
    return tuple(found)


@dataclass(frozen=True)
class ThemeCounts:
    """One theme's comments in a part: how many, their CSAT sum and answers, their NPS
    answers and detractors, and its first example quotes with their rank."""

    comments: int
    csat_sum: float
    csat_n: int
    nps_n: int
    detractors: int
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class ThemesPart:
    """The verbatim themes of a part of a period's surveys, mergeable: the comments with any
    text, and the counts of each theme mentioned ("other" for comments mentioning none)."""

    total: int
    themes: dict[str, ThemeCounts]
    limit: int  # example quotes per theme


def _counts(picked: pd.DataFrame, limit: int) -> ThemeCounts:
    nps = picked[s.NPS].dropna()
    return ThemeCounts(
        comments=len(picked),
        csat_sum=float(picked[s.CSAT].sum()),
        csat_n=int(picked[s.CSAT].notna().sum()),
        nps_n=len(nps),
        detractors=int((nps <= DETRACTOR_MAX).sum()),
        examples=_examples(picked, limit),
    )


def themes_part(surveys: pd.DataFrame, themes: Mapping[str, Any], examples: int = 3) -> ThemesPart:
    """The themes part of some surveys: every comment tokenised and matched here, so the
    merge and finish steps only add counts and pick quotes."""
    compiled = _compile(themes)
    stop = _stop_words(themes)
    comments = _comments(surveys)
    limit = max(examples, 0)
    if comments.empty:
        return ThemesPart(0, {}, limit)
    # each distinct text is read once: customers often write the same few words
    codes, texts = comments[s.COMMENT].factorize()
    words = [set(_analysis_tokens(str(text), stop)) for text in texts]
    counts: dict[str, ThemeCounts] = {}
    mentions_any = np.zeros(len(texts), dtype=bool)
    for theme in compiled:
        mentions = np.array([any(theme.matches(w) for w in found) for found in words], dtype=bool)
        mentions_any |= mentions
        picked = comments[mentions[codes]]
        if len(picked):
            counts[theme.key] = _counts(picked, limit)
    unmatched = comments[~mentions_any[codes]]
    if len(unmatched):
        counts[OTHER] = _counts(unmatched, limit)
    return ThemesPart(len(comments), counts, limit)


def _add(a: ThemeCounts, b: ThemeCounts, limit: int) -> ThemeCounts:
    return ThemeCounts(
        comments=a.comments + b.comments,
        csat_sum=a.csat_sum + b.csat_sum,
        csat_n=a.csat_n + b.csat_n,
        nps_n=a.nps_n + b.nps_n,
        detractors=a.detractors + b.detractors,
        examples=_first_examples((*a.examples, *b.examples), limit),
    )


def merge_themes(a: ThemesPart, b: ThemesPart) -> ThemesPart:
    """The themes part of two disjoint parts' surveys: counts added, each theme's first
    quotes picked from both parts' first quotes (which hold the union's first)."""
    if a.limit != b.limit:
        raise ValueError(f"theme parts of {a.limit} and {b.limit} examples")
    counts = dict(a.themes)
    for key, theirs in b.themes.items():
        counts[key] = _add(counts[key], theirs, a.limit) if key in counts else theirs
    return ThemesPart(a.total + b.total, counts, a.limit)


def _theme_row(key: str, counts: ThemeCounts, total: int) -> dict[str, Any]:
    return {
        THEME: key,
        COMMENTS: counts.comments,
        SHARE: counts.comments / total,
        MEAN_CSAT: counts.csat_sum / counts.csat_n if counts.csat_n else math.nan,
        DETRACTOR_SHARE: counts.detractors / counts.nps_n if counts.nps_n else math.nan,
        EXAMPLES: tuple(example[3] for example in counts.examples),
    }


def finish_themes(part: ThemesPart) -> pd.DataFrame:
    """The themes table read from a (merged) part: `verbatim_themes` describes it."""
    if part.total == 0:
        return _typed(pd.DataFrame(columns=list(THEME_COLUMNS)), _THEME_DTYPES)
    rows = [_theme_row(k, c, part.total) for k, c in part.themes.items() if k != OTHER]
    rows.sort(key=lambda row: (-row[COMMENTS], row[THEME]))
    if OTHER in part.themes:
        rows.append(_theme_row(OTHER, part.themes[OTHER], part.total))
    return _typed(pd.DataFrame(rows, columns=list(THEME_COLUMNS)), _THEME_DTYPES)


def verbatim_themes(
    surveys: pd.DataFrame, themes: Mapping[str, Any], examples: int = 3
) -> pd.DataFrame:
    """One row per theme mentioned in the comments, most mentioned first (then by key), and a
    last row "other" for comments that mention no theme (left out when there are none).

    comments: comments that mention the theme (a comment may count for several themes, so
    shares add up to more than 1); share: of all comments with any text; mean_csat and
    detractor_share (NPS 0–6) over those of its comments that have the score, NaN if none;
    examples: a tuple of up to `examples` distinct quotes, lowest CSAT first, masked and
    shortened — plain text, for the template to escape. `themes` is a config as
    `load_themes` returns it, loaded by the caller. The surveys are one part: the whole.
    """
    return finish_themes(themes_part(surveys, themes, examples))


def top_terms(surveys: pd.DataFrame, themes: Mapping[str, Any], n: int = 15) -> pd.DataFrame:
    """The `n` terms most comments use (stop words left out): comments that use the term,
    its occurrences in all, and the configured themes it already belongs to (comma-separated
    keys; NA for a term no theme knows — a candidate for a new theme). Ties: more
    occurrences first, then the term."""
    compiled = _compile(themes)
    stop = _stop_words(themes)
    occurrences: Counter[str] = Counter()
    in_comments: Counter[str] = Counter()
    for text in _comments(surveys)[s.COMMENT]:
        words = _analysis_tokens(str(text), stop)
        occurrences.update(words)
        in_comments.update(set(words))
    ranked = sorted(in_comments, key=lambda term: (-in_comments[term], -occurrences[term], term))
    rows = [
        {
            TERM: term,
            COMMENTS: in_comments[term],
            OCCURRENCES: occurrences[term],
            THEME: ",".join(sorted(t.key for t in compiled if t.matches(term))) or pd.NA,
        }
        for term in ranked[: max(n, 0)]
    ]
    return _typed(pd.DataFrame(rows, columns=list(TERM_COLUMNS)), _TERM_DTYPES)


def _typed(frame: pd.DataFrame, dtypes: Mapping[str, str]) -> pd.DataFrame:
    return frame.astype(dict(dtypes))
