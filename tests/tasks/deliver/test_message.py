"""The review's e-mail: plain attachment names, and CSV copies safe for spreadsheets."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from tasks.deliver import Recipients
from tasks.publish import tables as publish_tables
from tests.tasks.deliver.messages import KPI_HEADER, PDF_NAME, review_message


def test_message_needs_recipients_and_plain_file_names() -> None:
    with pytest.raises(ValueError, match="no recipients"):
        review_message(recipients=Recipients())
    with pytest.raises(ValueError, match="plain file name"):
        review_message(pdf_name="../review.pdf")
    with pytest.raises(ValueError, match="must differ"):
        review_message(extra_attachments={PDF_NAME: b""})
    with pytest.raises(ValueError, match="linefeed"):
        review_message(subject="review\nBcc: someone@example.net")
    plain = review_message(extra_attachments={}, pdf_name="review.pdf")
    assert [p.get_filename() for p in plain.iter_attachments()] == ["review.pdf"]
    assert plain["Cc"] == "qa@example.com" and plain["Date"]


def test_emailed_csvs_are_neutralised_and_the_published_ones_exact() -> None:
    kpis = pd.DataFrame(
        [
            ("fcr", "category", '=HYPERLINK("http://x")', -0.5, None, 40, 0.7, "breach"),
            ("fcr", "category", "＋cmd", 0.25, 10.0, 40, 0.7, "breach"),
            ("fcr", "all", "all", 0.5, 20.0, 40, 0.7, "breach"),
        ],
        columns=KPI_HEADER,
    )
    published = publish_tables.kpis_csv(kpis)
    assert b"\n=HYPERLINK" not in published and b',"=HYPERLINK' in published  # exact
    message = review_message(extra_attachments={"kpis.csv": published, "notes.txt": b"=1+1"})
    attached = {p.get_filename(): p.get_payload(decode=True) for p in message.iter_attachments()}
    rows = list(csv.reader(io.StringIO(attached["kpis.csv"].decode(), newline="")))
    assert [r[2] for r in rows[1:]] == ["all", '\'=HYPERLINK("http://x")', "'＋cmd"]
    assert [r[3] for r in rows[1:]] == ["0.5", "-0.5", "0.25"]  # numbers stay numbers
    assert attached["notes.txt"] == b"=1+1"  # only CSV files are for spreadsheets
    assert publish_tables.kpis_csv(kpis) == published
