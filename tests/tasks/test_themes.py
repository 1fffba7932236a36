"""Verbatim themes: hand-counted themes of a few Chinese, English and mixed comments."""

from __future__ import annotations

import itertools
import math
import time
from pathlib import Path

import pandas as pd
import pytest

from csreview import schema as s
from tasks import themes as t
from tasks.themes import load_themes, theme_labels, tokens, top_terms, verbatim_themes

THEMES = load_themes()  # the packaged config, read once as the review does
STOP = t.stop_words(THEMES)


def surveys(rows: list[tuple[str, float | None, float | None, str | None]]) -> pd.DataFrame:
    """A clean surveys frame: (survey_id, csat, nps, comment) per row."""
    return pd.DataFrame(
        {
            s.SURVEY_ID: pd.Series([r[0] for r in rows], dtype="string"),
            s.CONTACT_ID: pd.Series([f"c-{r[0]}" for r in rows], dtype="string"),
            s.CSAT: pd.Series([r[1] for r in rows], dtype="float64"),
            s.NPS: pd.Series([r[2] for r in rows], dtype="float64"),
            s.COMMENT: pd.Series([r[3] for r in rows], dtype="string"),
        }
    )


S1 = "等了一个小时才接通，客服态度很差"  # waiting, staff_attitude
S2 = "Refund still not received after 3 weeks, I waited forever"  # refund_price, waiting
S3 = "快递很快，包装完好"  # delivery
S4 = "APP闪退，退款也没到账"  # app_website, refund_price
S5 = "Nice!"  # other
S8 = "The courier was rude and the parcel arrived damaged"  # delivery, staff, quality
MIXED = surveys(
    [
        ("s1", 1, 2, S1),
        ("s2", 2, 5, S2),
        ("s3", 5, 10, S3),
        ("s4", None, 9, S4),
        ("s5", 4, None, S5),
        ("s6", 3, 7, ""),  # no text: not counted
        ("s7", 2, None, None),  # no comment: not counted
        ("s8", 1, 0, S8),
    ]
)


def test_tokens_of_chinese_english_and_mixed_text() -> None:
    assert tokens("我等了半个小时，客服态度很差！", STOP) == ["等", "半个", "小时", "态度", "很差"]
    assert tokens("The agent was RUDE, I waited 2 hours.", STOP) == [
        "agent",
        "rude",
        "waited",
        "hours",
    ]
    assert tokens("APP闪退 don’t work", STOP) == ["app", "闪退", "work"]
    assert tokens("ＡＰＰ", STOP) == ["app"]  # full-width letters
    assert tokens("！？…… 123 --- a", STOP) == []
    assert tokens("", STOP) == []


def test_packaged_keywords_are_single_tokens() -> None:
    # a keyword jieba cuts into pieces (打不通 → 打 / 不通) or a stop word would never match
    for key, theme in THEMES["themes"].items():
        for word in theme["keywords"].get("zh", []) + theme["keywords"].get("en", []):
            stem = word.rstrip("*")
            assert tokens(stem, STOP) == [stem], (key, word)


def test_themes_hand_counted() -> None:
    table = verbatim_themes(MIXED, THEMES)
    assert tuple(table.columns) == t.THEME_COLUMNS
    # 6 comments with text; each theme's comments, in order (count desc, then key)
    expected = [
        # theme, comments, mean csat, detractor share, examples by csat then survey_id
        ("delivery", 2, 3.0, 0.5, (S8, S3)),  # s3 (5, nps 10), s8 (1, nps 0)
        ("refund_price", 2, 2.0, 0.5, (S2, S4)),  # s2 (2, nps 5), s4 (no csat, nps 9)
        ("staff_attitude", 2, 1.0, 1.0, (S1, S8)),  # s1 (1, nps 2), s8 (1, nps 0)
        ("waiting", 2, 1.5, 1.0, (S1, S2)),  # s1 (1, nps 2), s2 (2, nps 5)
        ("app_website", 1, math.nan, 0.0, (S4,)),  # s4 (no csat, nps 9)
        ("product_quality", 1, 1.0, 1.0, (S8,)),  # s8
        ("other", 1, 4.0, math.nan, (S5,)),  # s5 (4, no nps)
    ]
    assert table[t.THEME].tolist() == [e[0] for e in expected]
    assert table[t.COMMENTS].tolist() == [e[1] for e in expected]
    assert table[t.SHARE].tolist() == pytest.approx([e[1] / 6 for e in expected])
    assert table[t.MEAN_CSAT].tolist() == pytest.approx([e[2] for e in expected], nan_ok=True)
    assert table[t.DETRACTOR_SHARE].tolist() == pytest.approx([e[3] for e in expected], nan_ok=True)
    assert table[t.EXAMPLES].tolist() == [e[4] for e in expected]
    assert str(table[t.THEME].dtype) == "string"
    assert str(table[t.COMMENTS].dtype) == "int64"


def test_examples_are_limited_distinct_and_lowest_csat_first() -> None:
    frame = surveys(
        [
            ("b", 3, None, "退款太慢"),
            ("a", 3, None, "refund please"),
            ("c", None, None, "refund please"),  # same quote as a: shown once
            ("d", 1, None, "no refund yet"),
        ]
    )
    table = verbatim_themes(frame, THEMES, examples=2)
    assert table[t.EXAMPLES].tolist() == [("no refund yet", "refund please")]
    assert verbatim_themes(frame, THEMES)[t.EXAMPLES].tolist() == [
        ("no refund yet", "refund please", "退款太慢")
    ]
    assert verbatim_themes(frame, THEMES, examples=0)[t.EXAMPLES].tolist() == [()]


def test_personal_data_masked_in_quotes_and_terms() -> None:
    comment = "退款没到账，请回电 13812345678 或发邮件 li.lei@example.com"
    frame = surveys([("s1", 1, 0, comment)])
    table = verbatim_themes(frame, THEMES)
    assert table[t.THEME].tolist() == ["refund_price", "waiting"]  # 退款, 回电
    for quotes in table[t.EXAMPLES]:
        assert quotes == ("退款没到账，请回电 [phone] 或发邮件 [e-mail]",)
    terms = set(top_terms(frame, THEMES, n=50)[t.TERM])
    assert terms.isdisjoint({"li", "lei", "example", "com", "phone", "mail", "e-mail"})
    assert {"退款", "回电"} <= terms


def test_long_quote_is_masked_then_shortened() -> None:
    # the phone number straddles the cut: masking first, so no digit is shown
    comment = "refund " + "好" * 105 + "13812345678" + "好" * 200
    quote = verbatim_themes(surveys([("s1", 1, 1, comment)]), THEMES)[t.EXAMPLES][0][0]
    assert len(quote) == t.QUOTE_CHARS
    assert quote.endswith(t.ELLIPSIS)
    assert quote.startswith("refund " + "好" * 105 + "[phone]")
    assert not any(c.isdigit() for c in quote)


def test_markup_is_kept_as_plain_text() -> None:
    comment = "<script>alert('refund')</script> & <b>退款</b>"
    table = verbatim_themes(surveys([("s1", 2, None, comment)]), THEMES)
    assert table[t.EXAMPLES].tolist() == [(comment,)]


def test_other_row_holds_comments_without_theme() -> None:
    frame = surveys([("s1", 5, 10, "谢谢👍"), ("s2", 4, 8, "Great job"), ("s3", 1, 1, "退款")])
    table = verbatim_themes(frame, THEMES)
    assert table[t.THEME].tolist() == ["refund_price", "other"]
    other = table.iloc[-1]
    assert other[t.COMMENTS] == 2
    assert other[t.SHARE] == pytest.approx(2 / 3)
    assert other[t.MEAN_CSAT] == pytest.approx(4.5)
    assert other[t.DETRACTOR_SHARE] == 0.0
    assert other[t.EXAMPLES] == ("Great job", "谢谢👍")
    # every comment has a theme: no "other" row
    assert "other" not in verbatim_themes(frame.iloc[2:], THEMES)[t.THEME].tolist()


@pytest.mark.parametrize(
    "frame",
    [
        surveys([]),
        surveys([("s1", 5, 10, None), ("s2", 3, None, "  \n")]),
        pd.DataFrame(),
    ],
    ids=["empty", "no-comments", "no-columns"],
)
def test_empty_input(frame: pd.DataFrame) -> None:
    table = verbatim_themes(frame, THEMES)
    assert table.empty
    assert tuple(table.columns) == t.THEME_COLUMNS
    assert str(table[t.SHARE].dtype) == "float64"
    terms = top_terms(frame, THEMES)
    assert terms.empty
    assert tuple(terms.columns) == t.TERM_COLUMNS


def test_deterministic_whatever_the_row_order() -> None:
    first = verbatim_themes(MIXED, THEMES)
    shuffled = verbatim_themes(MIXED.sample(frac=1, random_state=7), THEMES)
    pd.testing.assert_frame_equal(first, shuffled)
    pd.testing.assert_frame_equal(verbatim_themes(MIXED, THEMES), first)
    pd.testing.assert_frame_equal(top_terms(MIXED, THEMES), top_terms(MIXED.iloc[::-1], THEMES))


def test_top_terms_counts_comments_and_occurrences() -> None:
    frame = surveys(
        [
            ("s1", 1, None, "refund refund please"),
            ("s2", 2, None, "Refund now!"),
            ("s3", 3, None, "where is my parcel"),
        ]
    )
    terms = top_terms(frame, THEMES)
    assert tuple(terms.columns) == t.TERM_COLUMNS
    assert terms[t.TERM].tolist() == ["refund", "parcel", "please", "where"]
    assert terms[t.COMMENTS].tolist() == [2, 1, 1, 1]
    assert terms[t.OCCURRENCES].tolist() == [3, 1, 1, 1]
    assert terms[t.THEME].tolist() == ["refund_price", "delivery", pd.NA, pd.NA]
    assert top_terms(frame, THEMES, n=2)[t.TERM].tolist() == ["refund", "parcel"]


def test_a_100_kb_comment_is_quick() -> None:
    tokens("预热", STOP)  # jieba's dictionary loads once, about a second
    frame = surveys(
        [
            ("s1", 1, 1, ("我等了很久，退款还没到。Waiting for my refund! " * 3000)[:100_000]),
            ("s2", 2, 2, "a" * 100_000),  # quadratic for a naive e-mail pattern
            ("s3", 3, 3, "1" * 100_000),
        ]
    )
    started = time.perf_counter()
    table = verbatim_themes(frame, THEMES)
    top_terms(frame, THEMES)
    assert time.perf_counter() - started < 10
    assert set(table[t.THEME]) == {"refund_price", "waiting", "other"}


def test_custom_config_file(tmp_path: Path) -> None:
    path = tmp_path / "themes.toml"
    path.write_text(
        """
[other]
label = { en = "Other", zh-CN = "其他" }

[themes.noise]
label = { en = "Noise", zh-CN = "噪音" }
keywords.en = ["loud*", "noise"]
keywords.zh = ["噪音"]

[stop_words]
en = ["the", "is"]
zh = ["的"]
""",
        encoding="utf-8",
    )
    config = load_themes(path)
    frame = surveys(
        [("s1", 2, None, "The line is loud"), ("s2", 4, None, "背景的噪音"), ("s3", 5, None, "ok")]
    )
    table = verbatim_themes(frame, config)
    assert table[t.THEME].tolist() == ["noise", "other"]
    assert table[t.COMMENTS].tolist() == [2, 1]
    assert theme_labels(config) == {
        "noise": {"en": "Noise", "zh-CN": "噪音"},
        "other": {"en": "Other", "zh-CN": "其他"},
    }


OTHER_LABEL = '[other]\nlabel = { en = "Other", zh-CN = "其他" }'
GOOD_THEME = 'keywords.en = ["loud"]\nlabel = { en = "X", zh-CN = "X" }'


def test_config_needs_other_label(tmp_path: Path) -> None:
    path = tmp_path / "themes.toml"
    path.write_text(f"[themes.noise]\n{GOOD_THEME}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"other\.label"):
        load_themes(path)
    path.write_text(f"{OTHER_LABEL}\n\n[themes.noise]\n{GOOD_THEME}\n", encoding="utf-8")
    assert load_themes(path)["themes"]["noise"]["keywords"]["en"] == ["loud"]


@pytest.mark.parametrize(
    "theme",
    [
        'keywords.en = ["the"]\nlabel = { en = "X", zh-CN = "X" }',  # a stop word
        'keywords.en = ["Loud"]\nlabel = { en = "X", zh-CN = "X" }',  # not lower case
        'keywords.zh = ["噪音*"]\nlabel = { en = "X", zh-CN = "X" }',  # no stems in Chinese
        'keywords.en = ["loud"]\nlabel = { en = "X" }',  # no zh-CN label
        'label = { en = "X", zh-CN = "X" }',  # no keywords
    ],
)
def test_malformed_config_is_refused(tmp_path: Path, theme: str) -> None:
    path = tmp_path / "themes.toml"
    path.write_text(
        f'[stop_words]\nen = ["the"]\n\n{OTHER_LABEL}\n\n[themes.noise]\n{theme}\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="themes config"):
        load_themes(path)


def test_labels_in_both_languages() -> None:
    labels = theme_labels(THEMES)
    assert set(labels) == {*THEMES["themes"], "other"}
    assert all(set(by_language) == {"en", "zh-CN"} for by_language in labels.values())
    assert labels["waiting"]["zh-CN"] == "等待与接通"
    assert labels["other"]["en"] == "Other"


# ---------------------------------------------------------------- in parts
# S2's quote again under another survey: the same quote must be shown once after a merge
PARTS = pd.concat(
    [MIXED, surveys([("s0", 2, 1, S2), ("s9", 1, 3, "the app crashed")])], ignore_index=True
)


@pytest.mark.parametrize(
    "cuts",
    [[0, 10], [0, 5, 10], [0, 0, 3, 10], [0, 9, 10, 10]],
    ids=["whole", "halves", "empty-first", "empty-last"],
)
@pytest.mark.parametrize(("order", "examples"), [("as-read", 2), ("shuffled", 1)])
def test_themes_of_merged_parts_are_the_whole(cuts: list[int], order: str, examples: int) -> None:
    rows = {
        "as-read": PARTS,
        "reversed": PARTS.iloc[::-1],
        "shuffled": PARTS.sample(frac=1, random_state=3),
    }[order]
    parts = [t.themes_part(rows.iloc[a:b], THEMES, examples) for a, b in itertools.pairwise(cuts)]
    merged = parts[0]
    for part in parts[1:]:
        merged = t.merge_themes(merged, part)
    pd.testing.assert_frame_equal(t.finish_themes(merged), verbatim_themes(PARTS, THEMES, examples))


def test_merged_theme_quotes_are_the_first_distinct_of_both_parts() -> None:
    # refund_price: s0 (2, S2) and s2 (2, S2) share a quote; s4 has no CSAT: last
    a = t.themes_part(PARTS.iloc[[1, 3]], THEMES)  # s2, s4
    b = t.themes_part(PARTS.iloc[[8]], THEMES)  # s0
    merged = t.finish_themes(t.merge_themes(a, b)).set_index(t.THEME)
    assert merged.loc["refund_price", t.EXAMPLES] == (S2, S4)
    assert merged.loc["refund_price", t.COMMENTS] == 3
    assert merged.loc["refund_price", t.MEAN_CSAT] == 2.0  # (2 + 2) / 2 answers
    assert merged.loc["refund_price", t.DETRACTOR_SHARE] == pytest.approx(2 / 3)  # 5, 9, 1
