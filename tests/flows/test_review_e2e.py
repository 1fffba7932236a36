"""End to end: the `csreview` command on a generated contact centre, checked independently."""

from __future__ import annotations

import csv
import json
import shutil
import stat
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape
from pypdf import PdfReader

from csreview.demo import DemoSpec, generate, to_database, to_folder
from csreview.messy_export import plant_bad_rows
from csreview.periods import Period
from csreview.schema import AGENT_ID, TABLES_BY_NAME
from csreview.store import list_runs
from flows.cli import main
from tasks.deliver import spreadsheet_safe
from tests.conftest import ZONE, pdf_not_rendered
from tests.tasks.render.page_fit import words_past_the_margin

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]
SEPTEMBER = Period("monthly", 2026, 9)
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=ZONE)
FORMULA = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, pd.DataFrame], str]:
    """A messy export in the database; the clean frames, for checking by hand."""
    frames = generate(DemoSpec(SEPTEMBER, months=3, contacts_per_day=120, seed=11), now=NOW)
    messy, _ = plant_bad_rows(frames, SEPTEMBER, ZONE)
    path = tmp_path_factory.mktemp("source") / "centre.sqlite"
    to_database(messy, f"sqlite:///{path}")
    return frames, f"sqlite:///{path}"


@pytest.fixture(scope="module")
def published(
    centre: tuple[dict[str, pd.DataFrame], str], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("out")
    code = review(centre[1], str(out))
    assert code == 0
    return out / "monthly" / "2026-09"


def review(
    source: str, out: Path | str, *extra: str, cadence: str = "monthly", period: str = "2026-09"
) -> int:
    """`csreview run` as a user types it; returns the exit code."""
    args = ["run", "--cadence", cadence, "--period", period, "--source", source, "--out", str(out)]
    return main([*args, *extra])


def independent_kpis(
    contacts: pd.DataFrame, first: str = "2026-09-01", after: str = "2026-10-01"
) -> dict[str, float]:
    """The contract's definitions, recomputed here without the product's code."""
    start, end = pd.Timestamp(first), pd.Timestamp(after)
    c = contacts[(contacts.created_at >= start) & (contacts.created_at < end)]
    answered = c.answered_at.notna()
    wait = (c.answered_at - c.created_at).dt.total_seconds()
    abandoned = c.abandoned.astype(bool)
    short = abandoned & ((c.closed_at - c.created_at).dt.total_seconds() < 5)
    threshold = c.channel.map({"phone": 20, "chat": 60, "app": 60, "social": 3600, "email": 86400})
    offered = answered.sum() + abandoned.sum() - short.sum()
    # every later contact of the same customer and category, paired with each answered one
    pairs = (
        c[answered]
        .reset_index(names="handled")
        .merge(contacts, on=["customer_id", "category"], suffixes=("", "_later"))
    )
    gap = pairs.created_at_later - pairs.created_at
    repeated = pairs.loc[(gap > pd.Timedelta(0)) & (gap <= pd.Timedelta(days=7)), "handled"]
    return {
        "contacts": len(c),
        "service_level": ((wait <= threshold) & answered).sum() / offered,
        "asa_seconds": wait[answered].sum() / answered.sum(),
        "abandon_rate": (abandoned & ~short).sum() / offered,
        "frt_median_seconds": float(np.median(wait[answered])),
        "frt_p90_seconds": float(np.percentile(wait[answered], 90)),
        "fcr": 1 - repeated.nunique() / answered.sum(),
        "complaint_rate": (c.complaint & answered).sum() / answered.sum(),
        "conversion_rate": c.sale.sum() / c.sales_offer.sum(),
    }


def test_kpis_csv_matches_the_contract(
    published: Path, centre: tuple[dict[str, pd.DataFrame], str]
) -> None:
    with (published / "kpis.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "kpi",
        "dimension",
        "segment",
        "value",
        "numerator",
        "denominator",
        "target",
        "status",
    ]
    keys = [(r["kpi"], r["dimension"], r["segment"]) for r in rows]
    assert keys == sorted(keys)
    overall = {r["kpi"]: r for r in rows if r["dimension"] == "all"}
    expected = independent_kpis(centre[0]["contacts"])
    for kpi, value in expected.items():
        assert float(overall[kpi]["value"]) == pytest.approx(value, rel=1e-12), kpi
    assert overall["contacts"]["value"] == str(expected["contacts"])
    assert {r["dimension"] for r in rows} >= {"all", "channel", "category"}


def test_published_folder_holds_the_contract_files(published: Path) -> None:
    assert published.is_symlink()
    for name in (
        "review.pdf",
        "review.html",
        "kpis.csv",
        "problems.csv",
        "root_causes.csv",
        "actions.csv",
        "followups.csv",
        "manifest.json",
        "validation/results.json",
    ):
        assert (published / name).is_file(), name
    manifest = json.loads((published / "manifest.json").read_text())
    for table, counts in manifest["tables"].items():
        assert counts["read"] == counts["used"] + counts["quarantined"], table
        assert len(counts["sha256"]) == 64
    assert manifest["reissue"] == 0 and manifest["period"] == "2026-09"
    for private in (
        "quarantine/contacts.csv",
        "validation/results.json",
        "validation/great_expectations.json",
    ):  # rows and failing values as found: they may hold personal data
        assert stat.S_IMODE((published / private).stat().st_mode) == 0o600, private


def test_every_planted_bad_row_is_in_quarantine_with_its_reason(
    centre: tuple[dict[str, pd.DataFrame], str], published: Path
) -> None:
    _, planted = plant_bad_rows(centre[0], SEPTEMBER, ZONE)
    manifest = json.loads((published / "manifest.json").read_text())
    for table in manifest["tables"]:
        with (published / "quarantine" / f"{table}.csv").open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        expected = [p for p in planted if p.table == table]
        assert manifest["tables"][table]["quarantined"] == len(rows) == len(expected)
        key = TABLES_BY_NAME[table].key or AGENT_ID
        for p in expected:
            assert any(r[key] == p.row_id and p.reason in r["reason"] for r in rows), p


def test_auditor_evidence_lists_every_rule(published: Path) -> None:
    evidence = published / "validation"
    results = json.loads((evidence / "results.json").read_text())
    gx = json.loads((evidence / "great_expectations.json").read_text())
    assert set(gx) == {"agents", "contacts", "qa_evaluations", "surveys", "shifts"}
    checked = [r for r in results["rules"] if r["engine"] == "great_expectations"]
    assert all(r["gx_unexpected"] in (None, r["failed"]) for r in checked)
    report = (evidence / "report.html").read_text()
    assert "http://" not in report and "https://" not in report
    for rule in results["rules"]:
        assert rule["rule"] in report
    # the failing values GX reported, each in its rule's row (not a method's repr)
    assert "built-in method" not in report
    shown = [r for r in checked if r["gx_values"]]
    assert shown
    for rule in shown:
        row = report.split(f"<code>{rule['rule']}</code>", 1)[1].split("</tr>", 1)[0]
        first = str(rule["gx_values"][0])
        assert escape("(empty)" if first in {"<NA>", "None", "NaT", "nan"} else first) in row


def test_pdf_reports_the_numbers(published: Path) -> None:
    reader = PdfReader(published / "review.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Monthly service-quality review" in text
    assert "Executive summary" in text and "Problem list" in text
    for heading in ("Staffing", "Scoring consistency", "What customers write about"):
        assert heading in text, heading
    with (published / "kpis.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    overall = {r["kpi"]: r for r in rows if r["dimension"] == "all"}
    live = {
        r["kpi"]: r for r in rows if (r["dimension"], r["segment"]) == ("channel_group", "live")
    }
    assert f"{float(live['service_level']['value']):.1%}" in text  # the headline is per group
    assert f"{int(overall['contacts']['value']):,}" in text
    assert len(reader.pages) >= 8


def test_planted_problem_is_rank_one(published: Path) -> None:
    problems = pd.read_csv(published / "problems.csv")
    assert problems.loc[0, "segment"] == "channel_group=live;hour_band=20-24"
    causes = pd.read_csv(published / "root_causes.csv")
    assert list(causes.columns[:5]) == [
        "problem_rank",
        "category",
        "hypothesis",
        "verified",
        "evidence",
    ]
    first = causes[causes.problem_rank == 1]
    verified = first[first["verified"]]
    assert "environment" in set(verified["category"])
    assert set(first["verdict"]) <= {"verified", "not_supported", "not_testable"}
    assert first.groupby("category").size().min() >= 2  # several hypotheses per category
    text = "\n".join(p.extract_text() for p in PdfReader(published / "review.pdf").pages)
    assert "Five whys: environment" in text and "Erlang C staffing plan" in text
    assert "How the hypotheses are tested" in text
    manifest = json.loads((published / "manifest.json").read_text())
    assert manifest["crisis_level"] is not None  # the evening band is far off its targets
    assert text.count(" crisis (") >= 2  # on the cover and at the top of the summary


@pytest.mark.usefixtures("no_pdf")
def test_folder_source_in_gb18030(
    centre: tuple[dict[str, pd.DataFrame], str], tmp_path: Path
) -> None:
    to_folder(centre[0], str(tmp_path / "src"), encoding="gb18030")
    with pdf_not_rendered():  # the subject is reading the folder
        code = review(str(tmp_path / "src"), str(tmp_path / "out"))
    assert code == 0
    assert (tmp_path / "out/monthly/2026-09/kpis.csv").is_file()


def test_reissue_needs_a_reason(
    published: Path, centre: tuple[dict[str, pd.DataFrame], str], capsys: pytest.CaptureFixture[str]
) -> None:
    out = published.parent.parent
    args = [
        "run",
        "--cadence",
        "monthly",
        "--period",
        "2026-09",
        "--source",
        centre[1],
        "--out",
        str(out),
    ]
    assert main(args) == 2
    assert "--reason" in capsys.readouterr().err
    first = (published / "kpis.csv").read_bytes()
    assert main([*args, "--reason", "late survey data"]) == 0
    manifest = json.loads((published / "manifest.json").read_text())
    assert manifest["reissue"] == 1
    assert (published / "kpis.csv").read_bytes() == first  # same input, same numbers
    assert len(list((out / "monthly" / "_runs").iterdir())) == 2


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--period", "2026-13"], 2, "YYYY-MM"),
        (["--period", "2026-Q3"], 2, "YYYY-MM"),
        (["--period", "2026-09", "--source", "/no/such/folder"], 2, "does not exist"),
        (["--period", "2026-09", "--source", "sqlite:////no/such.db"], 2, "no SQLite database at"),
        (["--period", "2026-09", "--source", "postgresql://u@127.0.0.1:1/x"], 2, "cannot connect"),
        (
            ["--period", "2026-09", "--source", "postgresql://u:secret@127.0.0.1:1/x"],
            2,
            "holds a password in clear",
        ),
    ],
)
def test_user_errors_are_one_clear_line(
    centre: tuple[dict[str, pd.DataFrame], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    message: str,
) -> None:
    base = ["run", "--cadence", "monthly", "--out", str(tmp_path)]
    if "--source" not in args:
        args = [*args, "--source", centre[1]]
    assert main([*base, *args]) == code
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err and "secret" not in err
    assert len(err.strip().splitlines()) == 1


def test_missing_column_blocks(
    centre: tuple[dict[str, pd.DataFrame], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frames = dict(centre[0])
    frames["contacts"] = frames["contacts"].drop(columns=["channel"])
    to_database(frames, f"sqlite:///{tmp_path / 'broken.sqlite'}")
    code = review(f"sqlite:///{tmp_path / 'broken.sqlite'}", str(tmp_path / "out"))
    assert code == 3
    err = capsys.readouterr().err
    assert "channel" in err and "contacts" in err and "Traceback" not in err
    assert not (tmp_path / "out/monthly/2026-09").exists()
    runs = list((tmp_path / "out/monthly/_runs").iterdir())
    manifest = json.loads((runs[0] / "manifest.json").read_text())
    assert manifest["status"] == "blocked"
    report = (runs[0] / "validation" / "report.html").read_text()
    assert "required column channel is missing from table contacts" in report
    assert main(["audit", "--out", str(tmp_path / "out"), "--period", "2026-09"]) == 0
    listing = capsys.readouterr().out
    assert "blocked" in listing and "required column channel is missing" in listing


def test_audit_lists_runs_and_verifies_a_published_folder(
    published: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = published.parent.parent
    assert main(["audit", "--out", str(out)]) == 0
    listing = capsys.readouterr().out
    manifest = json.loads((published / "manifest.json").read_text())
    assert manifest["run_id"] in listing and "published" in listing
    assert manifest["tables"]["contacts"]["sha256"] in listing
    assert "conflicting duplicate contact_id" in listing  # a failing rule of the messy export
    assert main(["audit", "--verify", str(published)]) == 0
    said = capsys.readouterr().out
    assert "files match the manifest, the store's record" in said  # the store beside OUT
    assert manifest["run_log"]["size"] > 0 and "not checked: run.log" not in said
    assert {r.status for r in list_runs(f"sqlite:///{out / 'store.sqlite'}")} == {"published"}


def test_audit_verify_finds_an_altered_file(
    published: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(published, copy)
    with (copy / "kpis.csv").open("a", encoding="utf-8") as handle:
        handle.write("contacts,all,all,1,,,,ok\n")
    (copy / "actions.csv").unlink()
    assert main(["audit", "--verify", str(copy)]) == 1
    out = capsys.readouterr().out
    assert "altered: kpis.csv" in out and "missing: actions.csv" in out


@pytest.mark.usefixtures("no_pdf")
def test_backfill_runs_periods_in_order(
    centre: tuple[dict[str, pd.DataFrame], str], tmp_path: Path
) -> None:
    code = main(
        [
            "backfill",
            "--cadence",
            "monthly",
            "--from",
            "2026-08",
            "--to",
            "2026-09",
            "--source",
            centre[1],
            "--out",
            str(tmp_path),
            "--tenant",
            "north",
        ]
    )
    assert code == 0
    for label in ("2026-08", "2026-09"):
        manifest = json.loads((tmp_path / "north/monthly" / label / "manifest.json").read_text())
        assert manifest["tenant"] == "north" and manifest["status"] == "published"


def test_pdca_loop_follows_up_approved_actions_and_the_quarter_reviews_them(
    centre: tuple[dict[str, pd.DataFrame], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """July drafts actions and one is approved; August and September follow it up (the PDCA
    loop); the third quarter compares its months, reviews the action and has its own KPIs."""
    from markupsafe import escape

    from tasks.render import Formatter

    with pdf_not_rendered():  # July and September: their PDFs are not read here
        assert review(centre[1], tmp_path, period="2026-07") == 0
    with (tmp_path / "monthly/2026-07/actions.csv").open(encoding="utf-8") as handle:
        drafted = list(csv.DictReader(handle))
    assert drafted, "the planted evening problem must yield at least one action"
    assert len({a["action"] for a in drafted}) == len(drafted)  # one action per cause
    chosen = drafted[0]  # the evening rota: one action for every problem of the band
    assert ";" in chosen["problem_ranks"] and chosen["problem_rank"] == "1"
    capsys.readouterr()
    assert main(["actions", "--out", str(tmp_path), "--status", "proposed"]) == 0
    assert chosen["action_id"] in capsys.readouterr().out
    approve = ["actions", "--out", str(tmp_path), "approve", chosen["action_id"], "--by", "Li Lei"]
    assert main([*approve, "--target", chosen["target"]]) == 0
    assert "approved" in capsys.readouterr().out
    assert main(["actions", "--out", str(tmp_path), "reject", "ACT-nosuch", "--by", "x"]) == 2
    assert review(centre[1], tmp_path, period="2026-08") == 0
    with pdf_not_rendered():
        assert review(centre[1], tmp_path, period="2026-09") == 0

    # ---- the PDCA loop: August checks July's approved action
    with (tmp_path / "monthly/2026-08/followups.csv").open(encoding="utf-8") as handle:
        followed = list(csv.DictReader(handle))
    assert [f["action_id"] for f in followed] == [chosen["action_id"]]
    problems = pd.read_csv(tmp_path / "monthly/2026-08/problems.csv")
    # July was reviewed: the trend of a one-dimension segment is known (the store keeps
    # no two-dimension segment, such as a time band within the live channels)
    single = problems[~problems["segment"].str.contains(";")]
    assert not single.empty and (single["trend"] != "na").all()
    assert followed[0]["opened_in"] == "2026-07"
    assert followed[0]["verdict"] in {"effective", "not_effective", "too_early"}
    assert float(followed[0]["current"]) >= 0
    text = "\n".join(
        p.extract_text() for p in PdfReader(tmp_path / "monthly/2026-08/review.pdf").pages
    )
    assert chosen["action_id"] in text
    words = {"effective": "effective", "not_effective": "not effective", "too_early": "too early"}
    assert words[followed[0]["verdict"]] in text  # the verdict in words, not its key
    assert followed[0]["verdict"] == "effective" or followed[0]["verdict"] not in text

    # ---- the quarter
    both = tmp_path / "both-languages.toml"
    both.write_text('language = "en"\nextra_languages = ["zh-CN"]\n', encoding="utf-8")
    quarter = review(
        centre[1], tmp_path, "--config", str(both), cadence="quarterly", period="2026-Q3"
    )
    assert quarter == 0
    folder = tmp_path / "quarterly/2026-Q3"
    for name in ("review.pdf", "review.zh-CN.pdf"):  # no text past the page's edge
        assert words_past_the_margin(folder / name) == [], name
    kpis = pd.read_csv(folder / "kpis.csv")
    overall = kpis[kpis.dimension == "all"].set_index("kpi")["value"]
    expected = independent_kpis(centre[0]["contacts"], "2026-07-01", "2026-10-01")
    for kpi, value in expected.items():
        assert overall[kpi] == pytest.approx(value, rel=1e-12), kpi
    text = "\n".join(p.extract_text() for p in PdfReader(folder / "review.pdf").pages)
    assert "Quarterly service-quality review" in text and "Twelve-month trend" in text
    titles = [i.title for i in PdfReader(folder / "review.pdf").outline if not isinstance(i, list)]
    assert {"Quarter over quarter", "Effectiveness review of the quarter's actions"} <= set(titles)
    html = (folder / "review.html").read_text(encoding="utf-8")
    quarter = html[html.index('<section id="quarter">') :].split("</section>")[0]
    assert "The previous quarter, 2026-Q2, was never reviewed" in quarter
    f = Formatter("en")
    levels = []
    for month in ("2026-07", "2026-08", "2026-09"):
        kpis = pd.read_csv(tmp_path / "monthly" / month / "kpis.csv")
        levels.append(kpis[(kpis.kpi == "service_level") & (kpis.dimension == "all")].value.iloc[0])
    cells = "".join(f'<td class="num">{f.kpi_value("service_level", v)}</td>' for v in levels)
    assert f"<tr><td>service level</td>{cells}" in quarter
    assert f.delta("service_level", levels[2] - levels[0]) in quarter  # September vs July

    effectiveness = html[html.index('<section id="effectiveness">') :].split("</section>")[0]
    assert chosen["action_id"] in effectiveness and escape(chosen["action"]) in effectiveness
    checks = {}
    for month in ("2026-08", "2026-09"):
        followups = pd.read_csv(tmp_path / "monthly" / month / "followups.csv").set_index(
            "action_id"
        )
        checks[month] = followups.loc[chosen["action_id"]]
        value = f.kpi_value(chosen["kpi"], float(checks[month]["current"]))
        assert f'{value}<br><span class="verdict-{checks[month]["verdict"]}">' in effectiveness
    final = checks["2026-09"]["verdict"]  # opened inside the quarter: its latest monthly check
    counts = {v: int(v == final) for v in ("effective", "not_effective", "too_early")}
    assert (
        f"Actions reviewed: 1 — {counts['effective']} effective, {counts['not_effective']} not "
        f"effective, {counts['too_early']} too early to tell, 0 not yet measured."
    ) in effectiveness
    assert pd.read_csv(
        folder / "followups.csv"
    ).empty  # July's action is not the quarter's to measure


def test_prefect_artifacts_summarise_the_run(published: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        found = {
            key: client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
            )
            for key in ("review-summary", "review-kpis", "review-pdf")
        }
    assert all(found.values()), {k: len(v) for k, v in found.items()}
    summary = str(found["review-summary"][-1].data)
    assert "service_level" in summary and "## Top problems" in summary
    assert "review.pdf" in str(found["review-pdf"][-1].data)


def test_review_is_delivered_by_email_and_a_failure_is_exit_4(
    centre: tuple[dict[str, pd.DataFrame], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from email import message_from_bytes, policy

    from tests.tasks.deliver.smtp_servers import closed_port, smtp_server

    def config(port: int) -> Path:
        path = tmp_path / f"config-{port}.toml"
        path.write_text(
            f'smtp_url = "smtp://127.0.0.1:{port}"\n'
            'smtp_sender = "reviews@example.com"\n'
            "delivery_retries = 1\ndelivery_retry_seconds = 0\n"
            '[recipients.default.monthly]\nto = ["ops@example.com"]\nlanguages = ["zh-CN", "en"]\n',
            encoding="utf-8",
        )
        return path

    # hostile categories: spreadsheet formulas, and a megabyte one
    frames = dict(centre[0])
    contacts = frames["contacts"].astype("object")
    september = contacts.index[pd.to_datetime(contacts["created_at"]) >= "2026-09-01"]
    category = contacts["category"].copy()
    category[september[:60]] = FORMULA
    category[september[60]] = "c" * 1_000_000
    frames["contacts"] = contacts.assign(category=category)
    hostile = f"sqlite:///{tmp_path / 'hostile.sqlite'}"
    to_database(frames, hostile)
    with smtp_server() as (port, inbox):
        assert review(hostile, tmp_path / "ok", "--config", str(config(port))) == 0
    assert len(inbox.envelopes) == 1
    mail = message_from_bytes(inbox.envelopes[0].original_content or b"", policy=policy.default)
    folder = tmp_path / "ok/monthly/2026-09"
    exact = (folder / "kpis.csv").read_bytes()
    assert b',"=HYPERLINK(""http://evil.example"",""x"")",' in exact and len(exact) < 10**6
    assert (
        json.loads((folder / "manifest.json").read_text())["tables"]["contacts"]["quarantined"] == 1
    )
    emailed = next(p for p in mail.iter_attachments() if p.get_filename() == "kpis.csv")
    assert emailed.get_payload(decode=True) == spreadsheet_safe(exact)
    assert b',"\'=HYPERLINK(""http://evil.example' in spreadsheet_safe(exact)
    embedded = PdfReader(folder / "review.pdf").attachments["kpis.csv"][0]
    assert embedded == spreadsheet_safe(exact)
    assert inbox.envelopes[0].rcpt_tos == ["ops@example.com"]
    assert "2026-09" in str(mail["subject"])
    body = mail.get_body(preferencelist=("plain",))
    assert (
        body is not None
        and "服务水平" in body.get_content()
        and "service level" in body.get_content()
    )
    pdf = next(p for p in mail.iter_attachments() if p.get_filename() == "review.pdf")
    published = tmp_path / "ok/monthly/2026-09/review.pdf"
    assert pdf.get_content() == published.read_bytes()

    capsys.readouterr()
    with pdf_not_rendered():  # published, then not delivered: its PDFs are not read
        down = review(centre[1], tmp_path / "down", "--config", str(config(closed_port())))
    assert down == 4
    err = capsys.readouterr().err
    assert "published" in err and "e-mail failed" in err and "Traceback" not in err
    assert (tmp_path / "down/monthly/2026-09/review.pdf").is_file()


def test_pdf_fonts_are_embedded_and_the_outline_lists_the_sections(published: Path) -> None:
    import subprocess

    listing = subprocess.run(
        ["pdffonts", str(published / "review.pdf")], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert listing, "no font in the PDF"
    assert all(line.split()[-5] == "yes" for line in listing), listing  # the `emb` column
    assert any("Noto-Sans-CJK-SC" in line for line in listing)
    reader = PdfReader(published / "review.pdf")
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    for section in ("Executive summary", "Staffing", "Problem list", "Root-cause analysis"):
        assert section in titles, titles
    assert {"kpis.csv", "problems.csv"} <= set(reader.attachments)


def test_a_failed_run_alerts_the_data_engineers(
    centre: tuple[dict[str, pd.DataFrame], str], tmp_path: Path
) -> None:
    from email import message_from_bytes, policy

    from tests.tasks.deliver.smtp_servers import smtp_server

    frames = dict(centre[0])
    frames["contacts"] = frames["contacts"].drop(columns=["channel"])
    source = f"sqlite:///{tmp_path / 'broken.sqlite'}"
    to_database(frames, source)
    with smtp_server() as (port, inbox):
        config = tmp_path / "alerts.toml"
        config.write_text(
            f'smtp_url = "smtp://127.0.0.1:{port}"\nsmtp_sender = "reviews@example.com"\n'
            'alert_to = ["data-eng@example.com"]\n',
            encoding="utf-8",
        )
        assert review(source, tmp_path / "out", "--config", str(config)) == 3
    assert [e.rcpt_tos for e in inbox.envelopes] == [["data-eng@example.com"]]
    mail = message_from_bytes(inbox.envelopes[0].original_content or b"", policy=policy.default)
    assert "failed at validate" in str(mail["subject"])
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "period: 2026-09" in text and "required column channel is missing" in text
