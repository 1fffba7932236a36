"""Personal data masking on a corpus of formats and near-misses, and display text made inert."""

from __future__ import annotations

import time
import unicodedata

import pytest

from csreview.personal_data import (
    ELLIPSIS,
    card_valid,
    display_text,
    id_card_valid,
    luhn_valid,
    mask_personal_data,
    strip_invisible,
)

# ---------------------------------------------------------------- the corpus
MASKED = [
    # phone numbers: Chinese mobiles and landlines, country codes, NANP, UK, any separator
    ("请回电 13812345678", "请回电 [phone]"),
    ("请回电13812345678谢谢", "请回电[phone]谢谢"),
    ("call +86 138-1234-5678 now", "call [phone] now"),
    ("138.0013.8000", "[phone]"),
    ("138-0013-8000", "[phone]"),
    ("138 0013 8000", "[phone]"),
    ("+86 138 0013 8000", "[phone]"),
    ("+8613800138000", "[phone]"),
    ("0086-138-0013-8000", "[phone]"),
    ("86 138 0013 8000", "[phone]"),
    ("(010) 1234 5678", "[phone]"),
    ("（010）1234-5678", "[phone]"),
    ("tel 010-12345678.", "tel [phone]."),
    ("0755 8888 9999", "[phone]"),
    ("+1 (415) 555-2671", "[phone]"),
    ("(415) 555-2671", "[phone]"),
    ("415.555.2671", "[phone]"),
    ("415-555-2671", "[phone]"),
    ("1 415 555 2671", "[phone]"),
    ("+44 20 7946 0958", "[phone]"),
    ("020 7946 0958", "[phone]"),
    ("0044 20 7946 0958", "[phone]"),
    ("+852 9123 4567", "[phone]"),
    ("１３８００１３８０００", "[phone]"),  # full-width digits
    ("138\u200b0013\u200b8000", "[phone]"),  # zero-width spaces inside
    ("$\\x13800138000$", "$\\x[phone]$"),
    ("2026-10-15 13800138000", "2026-10-15 [phone]"),
    ("138 0013 8000 139 0013 9000", "[phone] [phone]"),
    # ID cards: with spaces or dashes, X in either case
    ("身份证 11010519491231002X", "身份证 [ID]"),
    ("身份证11010519491231002X号", "身份证[ID]号"),
    ("110105 19491231 002X", "[ID]"),
    ("110105-19491231-002x", "[ID]"),
    ("11010519491231002x", "[ID]"),
    ("440308199901010012", "[ID]"),
    # e-mail addresses: plus tags, subdomains, IDN, full-width at sign
    ("mail li.lei@example.com", "mail [e-mail]"),
    ("user+tag@mail.sub.example.co.uk", "[e-mail]"),
    ("张三@例子.公司", "[e-mail]"),
    ("联系 张三@例子.公司 谢谢", "联系 [e-mail] 谢谢"),
    ("我的邮箱是zhangsan@example.com谢谢", "我的邮箱是[e-mail]谢谢"),
    ("li_lei＠example.cn", "[e-mail]"),
    ("user@xn--fiqs8s.xn--55qx5d", "[e-mail]"),
    ("o'brien.x@sub.domain.org, thanks", "[e-mail], thanks"),
    # bank cards: Luhn-valid, 13–19 digits, any grouping; UnionPay without a Luhn digit
    ("card 6222 0212 3456 7890", "card [card]"),
    ("card 6222021234567890123", "card [card]"),
    ("6222 0212 3456 7890 123", "[card]"),
    ("6222-0212-3456-789", "[card]"),
    ("3782 822463 10005", "[card]"),
    ("4111 1111 1111 1111", "[card]"),
    ("4111-1111-1111-1111", "[card]"),
    ("4111.1111.1111.1111", "[card]"),
    ("4111111111111111", "[card]"),
    ("5500 0000 0000 0004", "[card]"),
    ("2223 0000 4841 0010", "[card]"),
    ("4222222222222", "[card]"),
    ("3056 9309 0259 04", "[card]"),
    ("6011 1111 1111 1117", "[card]"),
    ("3530 1113 3330 0000", "[card]"),
    ("2026-10-15 4111 1111 1111 1111", "2026-10-15 [card]"),
]
KEPT = [
    "order 12345 arrived",
    "ORD-20261015-0042",
    "order ORD20261015004 shipped",
    "2026-10-15",
    "2026/10/15 14:30",
    "2026.10.15",
    "2026年10月15日 14:30:00",
    "20261015143000",
    "¥1,234.56",
    "12345.67",
    "CNY 12,345,678.90",
    "1 234 567.89",
    "v3.11.4",
    "version 10.2.3.4567",
    "14:30:00",
    "4111 1111 1111 1112",  # an invoice number: Luhn fails
    "1234 5678 9012 3456",
    "1234567890123456",
    "INV 1234 5678 9012 3456",
    "110105194912310021",  # an 18-digit number: the ID check digit is wrong
    "11010519491231002Y",
    "555-2671",
    "time band 20-24: service level 22.0% (target 80.0%)",
    "wait 0.5 s, 12 contacts, 3 agents",
    "a@b",
    "hello @everyone.",
    "192.168.100.1",
    "room 1203, building 5",
    "2026-09-03T17:15:01.000000000",
    "0.000000000001",
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_personal_data_is_masked(text: str, expected: str) -> None:
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_near_misses_are_kept(text: str) -> None:
    assert mask_personal_data(text) == text


def test_the_corpus_is_large_enough() -> None:
    assert len(MASKED) + len(KEPT) >= 50 and len(KEPT) >= 20


# ---------------------------------------------------------------- check digits
@pytest.mark.parametrize(
    ("number", "valid"),
    [("378282246310005", True), ("4111111111111111", True), ("4111111111111112", False),
     ("", False), ("4111 1111", False)],
)  # fmt: skip
def test_luhn(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


@pytest.mark.parametrize(
    ("number", "valid"),
    [("11010519491231002X", True), ("11010519491231002x", True), ("110105194912310021", False),
     ("110105194913310021", False), ("91010519491231002X", False), ("1101051949123100", False)],
)  # fmt: skip
def test_id_card(number: str, valid: bool) -> None:
    assert id_card_valid(number) is valid


@pytest.mark.parametrize(
    ("digits", "valid"),
    [("4111111111111111", True), ("6222021234567890123", True), ("1234567890123452", False),
     ("0000000000000", False), ("411111111111", False)],
)  # fmt: skip
def test_card(digits: str, valid: bool) -> None:
    assert card_valid(digits) is valid


# ---------------------------------------------------------------- display text
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("billing\x00", "billing"),
        ("\u202ebilling\u202c", "billing"),
        ("a\u2066b\u2069c\u200ed\u200ff\u200dg\ufeffh", "abcdfgh"),
        ("bill\x1b[31ming\x85", "bill[31ming"),
        ("line\nbreak\ttab", "line break tab"),
        ("lone \ud800 surrogate", "lone  surrogate"),
        ("$x$ \\frac{1}{2}", "$x$ \\frac{1}{2}"),  # inert for the report: kept as written
        ("call 138\u202e0013\u202c8000", "call [phone]"),
        ("x" * 100, "x" * 79 + ELLIPSIS),
        (12345, "12345"),
    ],
)
def test_display_text(value: object, expected: str) -> None:
    assert display_text(value) == expected


def test_display_text_masks_before_it_cuts() -> None:
    # a phone number straddling the cut: masked first, so no digit of it is shown
    shown = display_text("x" * 70 + " 13800138000", limit=80)
    assert "1380" not in shown and shown == "x" * 70 + " [phone]"
    assert display_text("x" * 75 + " 13800138000", limit=80) == "x" * 75 + " [ph" + ELLIPSIS


def test_a_huge_value_is_shown_cut_and_quickly() -> None:
    started = time.perf_counter()
    shown = display_text("\u200b" * 600 + "13800138000" + "类" * 1_000_000, limit=80)
    assert shown.startswith("[phone]") and len(shown) == 80
    assert time.perf_counter() - started < 1


def test_every_invisible_character_is_stripped() -> None:
    """The hard-coded class covers every control, format, surrogate and separator character
    this Python's Unicode database knows."""
    invisible = "".join(
        chr(c)
        for c in range(0x110000)
        if unicodedata.category(chr(c)) in {"Cc", "Cf", "Cs", "Zl", "Zp"} and chr(c) not in "\t\n\r"
    )
    assert strip_invisible(invisible) == ""


def test_masking_is_quick_on_hostile_text() -> None:
    started = time.perf_counter()
    for text in (
        "1 " * 50_000,
        "1234-" * 20_000,
        "a@" * 50_000,
        "x@" + "a." * 50_000,
        "+1 " * 30_000,
    ):
        mask_personal_data(text)
    assert time.perf_counter() - started < 3
