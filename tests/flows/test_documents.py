"""The review's PDFs: the first language's printed by a forked process while the others are
worded and printed by the review itself; the files are the same either way."""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

import pytest
from prefect.utilities.annotations import quote

from flows import documents
from flows.background import Worker
from tasks import render


def _plain(fn: Any) -> Any:
    """A task's function called as the flow calls the task (quoted values unwrapped)."""

    def call(*args: Any, return_state: bool = False) -> Any:
        return fn(*(a.unquote() if isinstance(a, quote) else a for a in args))

    return call


@pytest.fixture
def printed_by_pid(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each PDF says which process printed it; nothing to get ready."""
    monkeypatch.setattr(render, "prepare_pdf", lambda: None)
    monkeypatch.setattr(
        render, "render_pdf", lambda html, attachments: f"{os.getpid()}:{html}".encode()
    )
    monkeypatch.setattr(documents, "_context", lambda *args: {"language": args[-1]})
    monkeypatch.setattr(
        documents, "render_task", _plain(lambda context, cadence, language: f"<{language}>")
    )
    monkeypatch.setattr(documents, "pdf_task", _plain(documents.pdf_task.fn))


def _reviews(printer: Worker[bytes] | None) -> dict[str, bytes]:
    settings = SimpleNamespace(language="en", extra_languages=("zh-CN",))
    review = SimpleNamespace(settings=settings, period=SimpleNamespace(cadence="monthly"))
    found = SimpleNamespace(drafted=SimpleNamespace(worded={"en": None, "zh-CN": None}))
    run: Any = SimpleNamespace(review=review)
    return documents._reviews(run, found, {}, printer)  # type: ignore[arg-type]


@pytest.mark.usefixtures("printed_by_pid")
def test_the_first_language_is_printed_beside_the_review() -> None:
    with Worker[bytes](documents._prepare) as printer:
        files = _reviews(printer)
    assert list(files) == ["review.html", "review.pdf", "review.zh-CN.html", "review.zh-CN.pdf"]
    assert files["review.html"] == b"<en>"
    printer_pid, page = files["review.pdf"].decode().split(":")
    assert (page, printer_pid != str(os.getpid())) == ("<en>", True)
    assert files["review.zh-CN.pdf"] == f"{os.getpid()}:<zh-CN>".encode()


@pytest.mark.usefixtures("printed_by_pid")
def test_without_a_printer_the_review_prints_every_pdf() -> None:
    files = _reviews(None)
    assert files["review.pdf"] == f"{os.getpid()}:<en>".encode()
    assert files["review.zh-CN.pdf"] == f"{os.getpid()}:<zh-CN>".encode()


@pytest.mark.parametrize(("cores", "forked"), [({0}, False), ({0, 1}, True)])
def test_a_printer_is_forked_only_with_a_second_core(
    monkeypatch: pytest.MonkeyPatch, cores: set[int], forked: bool
) -> None:
    monkeypatch.setattr(render, "prepare_pdf", lambda: None)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: cores)
    printer = documents._printer()
    try:
        assert (printer is not None) == forked
    finally:
        if printer is not None:
            printer.close()
