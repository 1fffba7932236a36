"""The documents: one Jinja2 environment per language (autoescape, undefined values fail)
→ HTML → WeasyPrint PDF/A-3b.

Layout lives in the templates and their CSS; this only assembles and prints."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from importlib import resources
from io import BytesIO
from pathlib import Path
from typing import Any, Final

import jinja2
import markupsafe

from csreview.i18n import translations
from csreview.personal_data import strip_invisible
from csreview.settings import Language

TEMPLATES: Final = Path(str(resources.files("report_templates")))


def _inert(value: Any) -> Any:
    """Every value a template prints, without control or bidirectional characters (markup
    stays markup): the last guard, behind the display text of the context."""
    if isinstance(value, markupsafe.Markup):
        return markupsafe.Markup(strip_invisible(str(value), keep_breaks=True))
    if isinstance(value, str):
        return strip_invisible(value, keep_breaks=True)
    return value


@cache
def environment(language: Language) -> jinja2.Environment:
    """The report environment of a language: autoescape on, undefined values fail."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_inert,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


def render_html(context: Mapping[str, Any], cadence: str, language: Language) -> str:
    """The report as one self-contained HTML document."""
    return environment(language).get_template(f"{cadence}.html").render(context)


def render_pdf(html: str, attachments: Mapping[str, bytes]) -> bytes:
    """The report as PDF/A-3b with the given files attached; fetches nothing but `data:`
    URLs and files of the template folder."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    class TemplateFolderFetcher(URLFetcher):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file", "data"})

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("file:"):
                path = Path(url.removeprefix("file://")).resolve()
                if not path.is_relative_to(TEMPLATES.resolve()):
                    raise ValueError(f"refused to fetch {url}")
            return super().fetch(url, headers)

    files = [
        weasyprint.Attachment(file_obj=BytesIO(data), name=name, description=name)
        for name, data in attachments.items()
    ]
    document = weasyprint.HTML(
        string=html, base_url=str(TEMPLATES), url_fetcher=TemplateFolderFetcher()
    )
    pdf: bytes = document.write_pdf(pdf_variant="pdf/a-3b", attachments=files)
    return pdf


# a page with the report's fonts and style, in both scripts: what the first PDF sets up once
_WARM_UP: Final = (
    f"<html><head><style>{(TEMPLATES / 'report.css').read_text('utf-8')}</style></head>"
    "<body><h1>Review 评审</h1><table><tr><td>1 %</td><td>服务</td></tr></table>"
    "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'>"
    "<text x='0' y='8'>a 字</text></svg></body></html>"
)


def prepare_pdf() -> None:
    """WeasyPrint imported and its fonts and styles set up, by printing a small page once.

    The first PDF of a process pays about a second for these; a process getting ready
    beside the review (`flows.documents`) pays it instead, while the review words its report."""
    render_pdf(_WARM_UP, {})


@contextmanager
def no_garbage_collection() -> Iterator[None]:
    """No cyclic garbage collection inside the block; the collector runs again after it.

    A review process holds half a million long-lived objects (frames, Prefect, Great
    Expectations), and rendering allocates enough to trigger full collections that walk them
    all (0.3–0.7 s each). Reference counting still frees what rendering drops; the few
    reference cycles it leaves (about 10 MB for the demo review) wait for the next collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
