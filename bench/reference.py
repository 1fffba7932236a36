"""The references each review stage is measured against, on the same data in the same run:

- reading the input once (the I/O floor of the extract): every table read by pandas from
  the SQLite file, nothing else;
- the validation rules as plain pandas masks (the quarantine sets, no GX record);
- the KPI catalog in SQL on DuckDB: every KPI of `kpis.csv` over the same segments, from the
  same validated rows, with targets and status, checked equal to the product's table.
"""

from __future__ import annotations

import itertools
import math
import sqlite3
from typing import Any, Final

import pandas as pd

from csreview import facts as f
from csreview import schema as s
from csreview.catalog import KPIS_BY_KEY
from csreview.periods import REPEAT_WINDOW, Period
from csreview.settings import Settings
from tasks.kpis.segments import hour_band_labels
from tasks.kpis.status import EDGE_TOLERANCE


# ---------------------------------------------------------------- the I/O floor
def read_once(database: str) -> dict[str, int]:
    """Every table of an SQLite file read into pandas once; the rows read per table."""
    with sqlite3.connect(database) as conn:
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return {
            t.name: len(pd.read_sql_query(f'SELECT * FROM "{t.name}"', conn))
            for t in s.TABLES
            if t.name in present
        }


# ---------------------------------------------------------------- KPIs in SQL
UNASSIGNED: Final = f.UNASSIGNED
SEGMENT_COLUMNS: Final = {d: f"d_{d}" for d in f.DIMENSIONS}


def _segments_sql(row: str, agent: str, settings: Settings, since: str = "") -> str:
    """The eleven segment columns of a row carrying channel, category and created_at (alias
    `row`), its agent's team, tier and site from `agent` (an agents row joined on the row's
    agent_id, or the evaluation's); rows created before SINCE (when given) have no day."""
    bands = settings.hour_bands
    labels = hour_band_labels(bands)
    band = " ".join(
        f"WHEN hour({row}.created_local) < {upper} THEN '{label}'"
        for upper, label in zip(bands[1:], labels, strict=True)
    )
    weekdays = ", ".join(f"'{w}'" for w in f.WEEKDAYS)
    live = ", ".join(f"'{c}'" for c in settings.live_channels)
    columns = {
        f.ALL: "'all'",
        s.CHANNEL: f"{row}.channel",
        f.CHANNEL_GROUP: f"CASE WHEN {row}.channel IN ({live}) THEN '{f.LIVE}' ELSE '{f.QUEUED}' END",
        s.CATEGORY: f"{row}.category",
        s.TEAM: f"coalesce({agent}.team, '{UNASSIGNED}')",
        s.TIER: f"coalesce({agent}.tier, '{UNASSIGNED}')",
        s.SITE: f"coalesce({agent}.site, '{UNASSIGNED}')",
        f.HOUR_BAND: f"CASE {band} END",
        f.WEEKDAY: f"[{weekdays}][isodow({row}.created_local)]",
        f.DATE: (
            f"CASE WHEN {row}.created_at >= TIMESTAMPTZ '{since}' "
            f"THEN strftime({row}.created_local, '%Y-%m-%d') END"
            if since
            else f"strftime({row}.created_local, '%Y-%m-%d')"
        ),
        f.AGENT: f"coalesce({agent}.agent_id_seen, '{UNASSIGNED}')",
    }
    return ",\n".join(f"{sql} AS {SEGMENT_COLUMNS[d]}" for d, sql in columns.items())


def _grouping_sets(extra: str = "") -> str:
    return ", ".join(f"({c}{extra})" for c in SEGMENT_COLUMNS.values())


def _dimension_sql() -> tuple[str, str]:
    """Which dimension a grouping-set row is of, and its segment."""
    dimension = " ".join(f"WHEN grouping({c}) = 0 THEN '{d}'" for d, c in SEGMENT_COLUMNS.items())
    segment = " ".join(f"WHEN grouping({c}) = 0 THEN {c}" for c in SEGMENT_COLUMNS.values())
    return f"CASE {dimension} END", f"CASE {segment} END"


def _seconds(later: str, earlier: str) -> str:
    """Seconds between two zoned times, exact to the microsecond (epochs: no calendar)."""
    return f"(epoch_us({later}) - epoch_us({earlier})) / 1e6"


RATIOS: Final = (  # kpi, numerator, denominator, from (the aggregates of c, qs, ss_ and vs)
    ("service_level", "within_sl", "counted", "cs"),
    ("asa_seconds", "wait_sum", "answered", "cs"),
    ("abandon_rate", "abandon_counted", "counted", "cs"),
    ("aht_seconds", "handle", "answered", "cs"),
    ("fcr", "not_repeated", "answered", "cs"),
    ("complaint_rate", "complained", "answered", "cs"),
    ("escalation_rate", "escalated_", "answered", "cs"),
    ("transfer_rate", "transferred_", "answered", "cs"),
    ("conversion_rate", "sold", "offered", "cs"),
    ("qa_score", "score", "n", "qs"),
    ("qa_fail_rate", "failed", "n", "qs"),
    ("qa_reviewer_spread", "spread", "n", "ss_"),
    ("csat", "csat", "csat_n", "vs"),
    ("csat_top2", "top2", "csat_n", "vs"),
    ("satisfaction_index", "points", "points_n", "vs"),
    ("effort_score", "effort", "effort_n", "vs"),
    (  # every segment with handled contacts, surveyed or not
        "survey_response_rate",
        "coalesce(vs.n, 0)",
        "cs.answered",
        "cs LEFT JOIN vs USING (dimension, segment)",
    ),
)


def _ratio(kpi: str, numerator: str, denominator: str, table: str) -> str:
    return (
        f"SELECT '{kpi}' AS kpi, dimension, segment, "
        f"CAST({numerator} AS DOUBLE) / NULLIF({denominator}, 0) AS value, "
        f"CAST({numerator} AS DOUBLE) AS numerator, CAST({denominator} AS DOUBLE) AS denominator "
        f"FROM {table}"
    )


def _reaches(edge: str) -> str:
    """Whether a row's value reaches a band edge, to within the product's tolerance (its
    sums, DuckDB's parallel ones too, land on an exact target in one order and a last bit
    short of it in another)."""
    return f"g.sign * (r.value - {edge}) >= -{EDGE_TOLERANCE!r} * greatest(abs({edge}), 1.0)"


def _kpi_sql(period: Period, settings: Settings) -> str:
    zone = settings.zone
    start = period.start(zone).isoformat()
    end = period.end(zone).isoformat()
    thresholds = " ".join(
        f"WHEN '{channel}' THEN {seconds}"
        for channel, seconds in settings.service_level_seconds.items()
    )
    weights = {
        key: settings.satisfaction_weights.get(key, 0.0) for key in ("csat", "nps", "effort")
    }
    window = REPEAT_WINDOW.total_seconds()
    dimension, segment = _dimension_sql()
    points = (
        f"(coalesce((25 * (v.csat - 1)) * {weights['csat']}, 0) "
        f"+ coalesce((10 * v.nps) * {weights['nps']}, 0) "
        f"+ coalesce((100 * (7 - v.effort) / 6) * {weights['effort']}, 0))"
    )
    present = (
        f"((v.csat IS NOT NULL)::DOUBLE * {weights['csat']} "
        f"+ (v.nps IS NOT NULL)::DOUBLE * {weights['nps']} "
        f"+ (v.effort IS NOT NULL)::DOUBLE * {weights['effort']})"
    )
    return f"""
WITH
agents_ AS (SELECT agent_id AS agent_id_seen, team, tier, site FROM agents),
moments AS (
    SELECT DISTINCT customer_id, category, created_at FROM contacts
    WHERE customer_id IS NOT NULL AND category IS NOT NULL AND created_at IS NOT NULL
),
following AS (
    SELECT *, lead(created_at) OVER (
        PARTITION BY customer_id, category ORDER BY created_at) AS next_at
    FROM moments
),
c AS (
    SELECT c.*, {_segments_sql("c", "a", settings)},
        c.answered_at IS NOT NULL AS answered,
        coalesce(c.abandoned, false) AS gave_up,
        coalesce({_seconds("c.closed_at", "c.created_at")} < {settings.short_abandon_seconds},
                 false) AS short,
        {_seconds("c.answered_at", "c.created_at")} AS wait,
        CASE c.channel {thresholds} END AS threshold,
        coalesce({_seconds("f.next_at", "c.created_at")} <= {window}, false) AS repeated
    FROM contacts c
    LEFT JOIN agents_ a ON a.agent_id_seen = c.agent_id
    LEFT JOIN following f USING (customer_id, category, created_at)
    WHERE c.created_at >= TIMESTAMPTZ '{start}' AND c.created_at < TIMESTAMPTZ '{end}'
),
cs AS (
    SELECT {dimension} AS dimension, {segment} AS segment,
        count(*) AS n,
        sum(answered::INT) AS answered,
        sum((answered OR (gave_up AND NOT short))::INT) AS counted,
        sum((gave_up AND NOT short)::INT) AS abandon_counted,
        sum((answered AND coalesce(wait <= threshold, false))::INT) AS within_sl,
        coalesce(sum(wait), 0) AS wait_sum,
        count(wait) AS waits,
        quantile_cont(wait, 0.5) AS wait_median,
        quantile_cont(wait, 0.9) AS wait_p90,
        sum(CASE WHEN answered THEN coalesce(talk_seconds, 0) + coalesce(hold_seconds, 0)
                 + coalesce(wrap_seconds, 0) ELSE 0 END) AS handle,
        sum((answered AND NOT repeated)::INT) AS not_repeated,
        sum((answered AND coalesce(complaint, false))::INT) AS complained,
        sum((answered AND coalesce(escalated, false))::INT) AS escalated_,
        sum((answered AND coalesce(transferred, false))::INT) AS transferred_,
        sum(coalesce(sales_offer, false)::INT) AS offered,
        sum(coalesce(sale, false)::INT) AS sold
    FROM c GROUP BY GROUPING SETS ({_grouping_sets()})
),
bs AS (
    SELECT {dimension} AS dimension, {segment} AS segment, count(*) AS n
    FROM (
        SELECT {_segments_sql("b", "a", settings, since=start)} FROM contacts b
        LEFT JOIN agents_ a ON a.agent_id_seen = b.agent_id
        WHERE NOT coalesce(b.abandoned, false) AND b.created_at < TIMESTAMPTZ '{end}'
          AND (b.closed_at IS NULL OR b.closed_at >= TIMESTAMPTZ '{end}')
    ) GROUP BY GROUPING SETS ({_grouping_sets()}) HAVING {segment} IS NOT NULL
),
q AS (
    SELECT e.contact_id, e.reviewer_id, e.score,
        (e.score < {settings.qa_pass_mark} OR coalesce(e.critical_error, false)) AS failed,
        {_segments_sql("c", "a", settings)}
    FROM qa_evaluations e
    JOIN (SELECT contact_id, channel, category, created_local FROM c) c USING (contact_id)
    LEFT JOIN agents_ a ON a.agent_id_seen = e.agent_id
),
qs AS (
    SELECT {dimension} AS dimension, {segment} AS segment,
        count(*) AS n, sum(score) AS score, sum(failed::INT) AS failed
    FROM q GROUP BY GROUPING SETS ({_grouping_sets()})
),
spreads AS (
    SELECT {dimension} AS dimension, {segment} AS segment,
        count(DISTINCT reviewer_id) AS reviewers, max(score) - min(score) AS spread
    FROM q GROUP BY GROUPING SETS ({_grouping_sets(", contact_id")})
),
ss_ AS (
    SELECT dimension, segment, sum(spread) AS spread, count(*) AS n
    FROM spreads WHERE reviewers >= 2 GROUP BY dimension, segment
),
v AS (
    SELECT v.csat, v.nps, v.effort, coalesce(c.sales_offer, false) AS offered,
        {points} / NULLIF({present}, 0) AS points,
        c.d_all, c.d_channel, c.d_channel_group, c.d_category, c.d_team, c.d_tier, c.d_site, c.d_hour_band,
        c.d_weekday, c.d_date, c.d_agent
    FROM surveys v JOIN c USING (contact_id)
),
vs AS (
    SELECT {dimension} AS dimension, {segment} AS segment,
        count(*) AS n,
        coalesce(sum(csat), 0) AS csat, count(csat) AS csat_n,
        sum((csat >= 4)::INT) AS top2,
        count(nps) AS nps_n, sum((nps >= 9)::INT) AS promoters,
        sum((nps <= 6)::INT) AS detractors,
        coalesce(sum(points), 0) AS points, count(points) AS points_n,
        coalesce(sum(effort), 0) AS effort, count(effort) AS effort_n,
        sum((csat IS NOT NULL AND offered)::INT) AS offer_n,
        sum((csat >= 4 AND offered)::INT) AS offer_top2,
        sum((csat IS NOT NULL AND NOT offered)::INT) AS no_offer_n,
        sum((csat >= 4 AND NOT offered)::INT) AS no_offer_top2
    FROM v GROUP BY GROUPING SETS ({_grouping_sets()})
),
rows_ AS (
    SELECT 'contacts' AS kpi, dimension, segment, n::DOUBLE AS value, n::DOUBLE AS numerator,
        NULL::DOUBLE AS denominator FROM cs
    UNION ALL SELECT 'frt_median_seconds', dimension, segment, wait_median, NULL, waits FROM cs
    UNION ALL SELECT 'frt_p90_seconds', dimension, segment, wait_p90, NULL, waits FROM cs
    UNION ALL SELECT 'backlog', dimension, segment, n, n, NULL FROM bs
    UNION ALL SELECT 'nps', dimension, segment,
        100.0 * (promoters - detractors) / NULLIF(nps_n, 0), NULL, nps_n FROM vs
    UNION ALL SELECT 'sales_satisfaction_ratio', dimension, segment,
        (offer_top2::DOUBLE / NULLIF(offer_n, 0))
            / NULLIF(no_offer_top2::DOUBLE / NULLIF(no_offer_n, 0), 0),
        NULL, least(offer_n, no_offer_n) FROM vs
    UNION ALL {" UNION ALL ".join(_ratio(*ratio) for ratio in RATIOS)}
)
SELECT r.kpi, r.dimension, r.segment, r.value, r.numerator, r.denominator,
    coalesce(o.target, g.target) AS target,
    CASE
        WHEN r.value IS NULL OR isnan(r.value) THEN 'na'
        WHEN r.denominator IS NOT NULL AND r.denominator < {settings.min_sample}
            THEN 'low_sample'
        WHEN coalesce(o.target, g.target) IS NULL OR g.sign = 0 THEN 'na'
        WHEN {_reaches("coalesce(o.target, g.target)")} THEN 'ok'
        WHEN {_reaches("coalesce(o.warn, g.warn)")} THEN 'warn'
        ELSE 'breach'
    END AS status
FROM rows_ r
LEFT JOIN targets g ON g.kpi = r.kpi AND g.dimension IS NULL
LEFT JOIN targets o ON o.kpi = r.kpi AND o.dimension = r.dimension AND o.segment = r.segment
WHERE r.segment IS NOT NULL
ORDER BY r.kpi, r.dimension, r.segment
"""


def _targets(period: Period, settings: Settings) -> pd.DataFrame:
    """Each KPI's base band for the period, and its channel and tier overrides (the config
    read by the product's own resolution: seasons included)."""
    months = period.calendar_months
    rows: list[dict[str, Any]] = []
    for key, kpi in KPIS_BY_KEY.items():
        sign = {"higher": 1, "lower": -1}.get(kpi.direction, 0)
        spec = settings.targets.get(key)
        if spec is None:
            rows.append({"kpi": key, "dimension": None, "segment": None, "sign": sign})
            continue
        base = spec.band(months=months)
        rows.append(  # a wait judged only within one channel group has no base target
            {"kpi": key, "dimension": None, "segment": None, "sign": sign}
            | ({} if spec.groups_only else {"target": base.target, "warn": base.warn})
        )
        named = {  # every channel: its group's band applies without a channel override
            s.CHANNEL: set(s.CHANNELS),
            f.CHANNEL_GROUP: set(f.CHANNEL_GROUPS),
            s.TIER: (
                set()
                if spec.groups_only
                else {*spec.tier, *(t for season in spec.season for t in season.tier)}
            ),
        }
        for dimension, segment in (
            (d, segment) for d, segments in named.items() for segment in sorted(segments)
        ):
            group = {
                s.CHANNEL: settings.channel_group(segment),
                f.CHANNEL_GROUP: segment,
            }.get(dimension)
            band = spec.band(
                months=months,
                group=group,
                **({dimension: segment} if dimension != f.CHANNEL_GROUP else {}),
            )
            rows.append(
                {"kpi": key, "dimension": dimension, "segment": segment, "sign": sign}
                | {"target": band.target, "warn": band.warn}
            )
    return pd.DataFrame(rows, columns=["kpi", "dimension", "segment", "sign", "target", "warn"])


def duckdb_kpis(
    clean: dict[str, pd.DataFrame], period: Period, settings: Settings, threads: int = 2
) -> pd.DataFrame:
    """The long KPI table, computed by DuckDB from the validated rows, handed over as Arrow
    tables (no copy); contacts carry their creation time also on the centre's wall clock,
    since DuckDB reads hours and weekdays of zoned times slowly (a second per million)."""
    import duckdb
    import pyarrow as pa

    contacts = clean[s.CONTACTS.name]
    local = contacts[s.CREATED_AT].dt.tz_localize(None)
    with duckdb.connect() as con:
        con.execute(f"SET TimeZone = '{settings.timezone}'")
        con.execute(f"SET threads = {threads}")
        for name, frame in (
            (s.AGENTS.name, clean[s.AGENTS.name]),
            (s.CONTACTS.name, contacts.assign(created_local=local)),
            (s.QA_EVALUATIONS.name, clean[s.QA_EVALUATIONS.name]),
            (s.SURVEYS.name, clean[s.SURVEYS.name]),
        ):
            con.register(name, pa.Table.from_pandas(frame, preserve_index=False))
        con.register("targets", _targets(period, settings))
        table: pd.DataFrame = con.sql(_kpi_sql(period, settings)).df()
    return table


# ---------------------------------------------------------------- like for like
def compare(product: pd.DataFrame, reference: pd.DataFrame) -> dict[str, Any]:
    """Row by row: the same (kpi, dimension, segment) rows, each figure equal to a relative
    1e-9 (sums in another order differ in their last bits), the same status; a status that
    differs is shown with both values and the target. KPIs the reference does not compute
    (the workforce KPIs, from the agents table rather than the facts) are named apart."""
    key = [f.KPI, f.DIMENSION, f.SEGMENT]
    covered = product[f.KPI].isin(set(reference[f.KPI]))  # the workforce KPIs are the agents'
    not_compared = sorted(set(product.loc[~covered, f.KPI]))
    left = product[covered].astype({f.SEGMENT: str}).set_index(key)
    right = reference.astype({f.SEGMENT: str}).set_index(key)
    only_product = left.index.difference(right.index)
    only_reference = right.index.difference(left.index)
    both = left.index.intersection(right.index)
    worst = 0.0
    mismatches: list[str] = []
    for column in (f.VALUE, f.NUMERATOR, f.DENOMINATOR, f.TARGET):
        a = pd.to_numeric(left.loc[both, column], errors="coerce").to_numpy(dtype=float)
        b = pd.to_numeric(right.loc[both, column], errors="coerce").to_numpy(dtype=float)
        for position, (x, y) in enumerate(zip(a, b, strict=True)):
            if math.isnan(x) and math.isnan(y):
                continue
            scale = max(abs(x), abs(y), 1e-300)
            difference = abs(x - y) / scale if not (math.isnan(x) or math.isnan(y)) else math.inf
            worst = max(worst, difference)
            if difference > 1e-9 and len(mismatches) < 10:
                mismatches.append(f"{both[position]} {column}: {x!r} vs {y!r}")
    statuses = (left.loc[both, f.STATUS] != right.loc[both, f.STATUS]).to_numpy()
    mismatches += [
        f"{i} status: {left.loc[i, f.STATUS]} vs {right.loc[i, f.STATUS]} "
        f"(value {left.loc[i, f.VALUE]!r} vs {right.loc[i, f.VALUE]!r}, "
        f"target {left.loc[i, f.TARGET]!r})"
        for i in itertools.islice(both[statuses], 10)
    ]
    return {
        "rows": len(both),
        "not_compared": not_compared,
        "only_in_product": [str(i) for i in only_product[:10]],
        "only_in_reference": [str(i) for i in only_reference[:10]],
        "max_relative_difference": worst,
        "mismatches": mismatches,
        "equal": not (len(only_product) or len(only_reference) or mismatches),
    }
