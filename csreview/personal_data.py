"""Personal data in free text, found and masked; any data text made inert before a person reads it.

The contract promises that phone numbers, e-mail addresses, ID-card and bank-card numbers
never reach a report. Free text arrives in every shape: numbers grouped by spaces, dashes or
dots, with country codes and parentheses, in full-width digits, split by invisible
characters; e-mail addresses in any script. Numbers are found as runs of digit groups and
judged by what they are (an ID card's check digit and birth date, a bank card's Luhn digit
and network prefix, a phone number's plan), so that order numbers, dates, amounts and
versions stay as they are. The data files keep every value exact; only what is shown is
masked, cleaned of control and bidirectional characters, and shortened.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

# ---------------------------------------------------------------- placeholders
EMAIL: Final = "[e-mail]"
ID_CARD: Final = "[ID]"
CARD: Final = "[card]"
PHONE: Final = "[phone]"
PLACEHOLDERS: Final = (EMAIL, ID_CARD, CARD, PHONE)

ELLIPSIS: Final = "…"
LABEL_CHARS: Final = 80  # a category, segment or id as shown
TEXT_CHARS: Final = 240  # a sentence holding data text (a problem title, evidence)
QUOTE_CHARS: Final = 200  # a customer's comment as quoted

# ---------------------------------------------------------------- invisible characters
# Unicode categories Cc, Cf, Cs, Zl and Zp (tab, line feed and carriage return apart) and the
# non-characters of the basic plane: controls, bidirectional overrides and isolates,
# zero-width characters, lone surrogates. None of them is text a reader should get: they
# reorder or hide what is shown, or break the HTML, the SVG or the PDF.
_INVISIBLE: Final = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891"
    "\u08e2\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff"
    "\ufdd0-\ufdef\ufff9-\ufffb\ufffe\uffff\U000110bd\U000110cd\U00013430-\U00013438"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
_BREAKS: Final = re.compile(r"[\t\n\r]+")
_MARGIN: Final = 512  # longer than any personal data item, separators included


def strip_invisible(text: str, *, keep_breaks: bool = False) -> str:
    """`text` without control, format (bidi, zero-width) and surrogate characters; tabs and
    line breaks become spaces unless kept: what is shown is what the reader sees, in order."""
    visible = _INVISIBLE.sub("", text)
    return visible if keep_breaks else _BREAKS.sub(" ", visible)


def cut(text: str, limit: int) -> str:
    """`text` within `limit` characters, ending in an ellipsis when shortened."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(ELLIPSIS), 0)].rstrip() + ELLIPSIS


def display_text(value: object, limit: int = LABEL_CHARS) -> str:
    """Data text as a person may read it: invisible characters removed, personal data masked,
    cut to `limit` characters. Removal comes first so that nothing hides a number from the
    masking, masking before the cut so that no part of a number is shown."""
    visible = strip_invisible(str(value))
    if len(visible) > limit + _MARGIN:  # a huge value: what can be shown, and a margin
        visible = visible[: limit + _MARGIN]
    return cut(mask_personal_data(visible), limit)


# ---------------------------------------------------------------- check digits
def _digits(text: str) -> str:
    """The ASCII digits of `text`'s decimal digits (full-width and other scripts too)."""
    return "".join(str(unicodedata.decimal(c)) for c in text if c.isdecimal())


def luhn_valid(number: str) -> bool:
    """Whether a digit string passes the Luhn check (bank cards' last digit)."""
    digits = _digits(number)
    if not digits or len(digits) != len(number.strip()):
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK: Final = "10X98765432"


def _birth_date(number: str) -> bool:
    """Whether digits 7–14 of an 18-digit ID number are a date of birth (1800–2099) and the
    first is a region (1–8)."""
    if number[0] not in "12345678":
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return 1800 <= born.year <= 2099


def id_card_valid(number: str) -> bool:
    """Whether an 18-character mainland ID-card number (GB 11643: 17 digits and a check digit
    or X, any case) has a region, a date of birth and the right check digit."""
    body, check = _digits(number[:17]), number[17:].upper()
    if len(number) != 18 or len(body) != 17 or len(check) != 1:
        return False
    if check != "X" and check.isdecimal():
        check = str(unicodedata.decimal(check))
    if not _birth_date(body):
        return False
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == check


def _card_network(digits: str) -> bool:
    """A card network's prefix: Mastercard 2221–2720, Amex/JCB/Diners 3, Visa 4,
    Mastercard/Maestro 5, Discover/UnionPay 6."""
    return digits[0] in "3456" or 2221 <= int(digits[:4]) <= 2720


def card_valid(digits: str) -> bool:
    """Whether 13–19 digits are a bank-card number: a network's prefix and the Luhn digit.
    UnionPay numbers (62…, 15–19 digits) do not all carry a Luhn digit: the prefix suffices."""
    if not 13 <= len(digits) <= 19 or not _card_network(digits):
        return False
    return luhn_valid(digits) or (digits.startswith("62") and len(digits) >= 15)


# ---------------------------------------------------------------- e-mail addresses
_LOCAL_CHARS: Final = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]")
_ASCII_LOCAL: Final = re.compile(r"[A-Za-z0-9_.!#$%&'*+/=?^`{|}~-]")
_EMAIL_DOMAIN: Final = re.compile(
    # an ASCII domain first (so that the CJK text after `.com` is no part of it), then any
    # script's (IDN); a bounded number of labels keeps the search linear
    r"[@＠](?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?[.．]){1,8}"
    r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})(?![A-Za-z0-9-])"
    r"|(?:[^\W_](?:[\w-]{0,61}[^\W_])?[.．]){1,8}(?:[^\W\d_]{2,63}|xn--[A-Za-z0-9-]{1,59}))"
)
_LOCAL_MAX: Final = 64


def _mask_emails(text: str) -> str:
    """E-mail addresses (any script; plus tags, subdomains, IDN) replaced by EMAIL."""
    pieces: list[str] = []
    done = 0
    for match in _EMAIL_DOMAIN.finditer(text):
        at = match.start()
        if at < done:
            continue
        # the local part: back from the `@`, ASCII only when it ends in ASCII (so that the
        # Chinese sentence before `li.lei@…` stays), any script otherwise (`张三@…`)
        allowed = _ASCII_LOCAL if text[at - 1 : at].isascii() else _LOCAL_CHARS
        start = at
        while start > max(done, at - _LOCAL_MAX) and allowed.fullmatch(text[start - 1]):
            start -= 1
        if start == at:
            continue
        pieces += [text[done:start], EMAIL]
        done = match.end()
    return "".join(pieces) + text[done:] if pieces else text


# ---------------------------------------------------------------- numbers
# a run of digit groups: joined by up to four spaces, dashes, dots, parentheses or invisible
# characters, perhaps after a `+`, perhaps ending in an ID card's X
_JOINER: Final = (
    r"[\s\-.()\u2010-\u2015\u2212\uff0d\uff0e\uff08\uff09\xad\u200b-\u200f\u2060\ufeff]{1,4}"
)
_RUN: Final = re.compile(
    rf"(?P<plus>[+＋][\s(\uff08]{{0,2}})?(?<!\d)\d+(?:{_JOINER}\d+)*(?P<x>[Xx](?![A-Za-z]))?"
)
_GROUP: Final = re.compile(r"\d+")
_CN_MOBILE: Final = re.compile(r"(?:86)?1[3-9]\d{9}")
_NANP_AREA: Final = "23456789"
_OPEN: Final = "(\uff08"
_MIN_DIGITS: Final = 8  # the shortest item: a country code and seven digits
_ITEM_DIGITS: Final = 20  # the longest: 00, a country code and 14 digits; a card's 19
_ITEM_GROUPS: Final = 6  # an item inside a longer run has at most this many groups
_CLOSE: Final = ")\uff09"


@dataclass(frozen=True)
class _Group:
    """One group of digits in a run: where it is, its ASCII digits, the joiner after it."""

    start: int
    end: int
    digits: str
    after: str


def _phone(digits: str, groups: Sequence[_Group], plus: bool, paren: bool) -> bool:
    """Whether digit groups are a phone number, and a likely one (not a date or an amount)."""
    n = len(digits)
    sizes = [len(g.digits) for g in groups]
    if plus:  # international: a country code and 7–14 more digits
        return 8 <= n <= 15 and digits[0] != "0"
    if digits.startswith("00") and len(groups) >= 2:  # 0086-138-…, 0044 20 …
        return 8 <= n - 2 <= 15 and digits[2] != "0"
    if _CN_MOBILE.fullmatch(digits):  # 138 0013 8000, 86 138…
        return True
    if paren and 10 <= n <= 12:  # (010) 1234 5678, (415) 555-2671
        return True
    if digits[0] == "0" and 10 <= n <= 12 and len(groups) >= 2 and 3 <= sizes[0] <= 5:
        # a trunk 0 and an area code: 010-12345678, 020 7946 0958 (not `01.000000000`)
        return digits[sizes[0]] != "0" and digits[sizes[0] :].strip("0") != ""
    if sizes == [3, 3, 4] and digits[0] in _NANP_AREA and digits[3] in _NANP_AREA:
        return True  # 415-555-2671, 415.555.2671
    return sizes == [1, 3, 3, 4] and digits[0] == "1" and digits[1] in _NANP_AREA


def _strong_phone(digits: str, plus: bool, paren: bool) -> bool:
    """A phone number recognisable inside a longer run of digits."""
    return plus or paren or digits.startswith("00") or bool(_CN_MOBILE.fullmatch(digits))


def _kind(groups: Sequence[_Group], plus: bool, paren: bool, x: bool) -> tuple[str, bool] | None:
    """What a window of digit groups is (a placeholder) and whether it is recognisable inside
    a longer run; None when it is no personal data."""
    digits = "".join(g.digits for g in groups)
    n = len(digits)
    if x:  # only an ID card ends in X
        return (ID_CARD, True) if n == 17 and id_card_valid(digits + "X") else None
    if n == 18 and not plus and _birth_date(digits):
        # shaped as an ID card: one with a wrong check digit is some other number
        return (ID_CARD, True) if id_card_valid(digits) else None
    if not plus and card_valid(digits):  # a UnionPay number without its Luhn digit: weak
        return CARD, len(groups) == 1 or luhn_valid(digits)
    if _phone(digits, groups, plus, paren):
        return PHONE, _strong_phone(digits, plus, paren)
    return None


def _groups(text: str, start: int, end: int) -> list[_Group]:
    found = list(_GROUP.finditer(text, start, end))
    return [
        _Group(
            m.start(),
            m.end(),
            _digits(m.group()),
            text[m.end() : found[i + 1].start()] if i + 1 < len(found) else "",
        )
        for i, m in enumerate(found)
    ]


def _parenthesised(text: str, groups: Sequence[_Group], first: int) -> bool:
    """Whether the window's first group is in parentheses: an area code."""
    group = groups[first]
    before = text[group.start - 1 : group.start]
    return bool(before) and before in _OPEN and any(c in _CLOSE for c in group.after)


def _windows(text: str, run: re.Match[str]) -> list[tuple[int, int, str]]:
    """The spans of a run of digit groups to mask, each with its placeholder: the whole run
    when it is one item; otherwise the items in it, longest first from the left."""
    x = run.group("x") is not None
    plus_start = run.start("plus") if run.group("plus") else -1
    digits_end = run.end("x") - 1 if x else run.end()
    groups = _groups(text, run.start(), digits_end)
    sizes = [len(g.digits) for g in groups]
    spans: list[tuple[int, int, str]] = []
    first = 0
    while first < len(groups):
        found = None
        whole = first == 0 and sum(sizes) <= _ITEM_DIGITS
        # the whole run in any grouping; inside a longer run, items of a few groups
        last = len(groups) if whole else min(len(groups), first + _ITEM_GROUPS)
        plus = first == 0 and plus_start >= 0
        paren = _parenthesised(text, groups, first)
        for end in range(last, first, -1):  # longest first
            if not _MIN_DIGITS <= sum(sizes[first:end]) <= _ITEM_DIGITS:
                continue
            ends_x = x and end == len(groups)
            kind = _kind(groups[first:end], plus, paren, ends_x)
            if kind is None or not (
                (first == 0 and end == len(groups)) or kind[1] or _delimited(groups, first, end)
            ):
                continue
            window = groups[first:end]
            start = plus_start if plus else window[0].start - (1 if paren else 0)
            stop = run.end() if ends_x else window[-1].end
            found = (start, stop, kind[0])
            first = end
            break
        if found is None:
            first += 1
        else:
            spans.append(found)
    return spans


def _delimited(groups: Sequence[_Group], first: int, end: int) -> bool:
    """Whether a window stands apart from the rest of its run: joined to it otherwise than
    its own groups are joined (`2026-10-15 020 7946 0958` holds no card or phone)."""
    inner = {g.after.strip() or g.after for g in groups[first : end - 1]}
    outer = []
    if first > 0:
        outer.append(groups[first - 1].after)
    if end < len(groups):
        outer.append(groups[end - 1].after)
    return all((o.strip() or o) not in inner for o in outer)


def _mask_numbers(text: str) -> str:
    """Phone, ID-card and bank-card numbers replaced by their placeholders."""
    pieces: list[str] = []
    done = 0
    for run in _RUN.finditer(text):
        for start, stop, placeholder in _windows(text, run):
            pieces += [text[done:start], placeholder]
            done = stop
    return "".join(pieces) + text[done:] if pieces else text


# ---------------------------------------------------------------- masking
def mask_personal_data(text: str) -> str:
    """`text` with e-mail addresses, phone, ID-card and bank-card numbers replaced by
    placeholders ([e-mail], [phone], [ID], [card]); everything else kept as it is."""
    return _mask_numbers(_mask_emails(text))
