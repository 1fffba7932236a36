"""Message catalogs: every string a manager reads, in English (the msgids) and Simplified Chinese.

Catalogs are Babel `.po` files under `report_templates/locale/`; they are compiled in memory
when first used, so there is no build step to forget.
"""

from __future__ import annotations

import gettext
from functools import cache
from importlib import resources
from io import BytesIO

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from csreview.settings import Language

DOMAIN = "messages"


def mark(message: str) -> str:
    """Marks a msgid for extraction (import it as `_n`); translated where it is shown."""
    return message


def babel_locale(language: Language) -> Locale:
    return Locale.parse(language.replace("-", "_"))


@cache
def translations(language: Language) -> gettext.NullTranslations:
    """The catalog of a report language (English needs none: msgids are English)."""
    if language == "en":
        return gettext.NullTranslations()
    folder = language.replace("-", "_")
    po = resources.files("report_templates").joinpath(f"locale/{folder}/LC_MESSAGES/{DOMAIN}.po")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=folder)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)
