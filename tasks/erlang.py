"""Erlang C: the probability of waiting, the service level, the speed of answer and the
agents an interval needs, for contacts arriving at random and served by a pool of agents.

The staffing check (`tasks/staffing.py`) applies it per interval and live channel; kept
apart so the queueing maths reads, and is tested, on its own.
"""

from __future__ import annotations

import math


# ---------------------------------------------------------------- Erlang C
def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _finite(name: str, value: float, *, positive: bool = False) -> None:
    _check(math.isfinite(value), f"{name} must be finite, got {value!r}")
    if positive:
        _check(value > 0, f"{name} must be > 0, got {value!r}")
    else:
        _check(value >= 0, f"{name} must be >= 0, got {value!r}")


def _traffic(calls: float, interval_seconds: float, aht_seconds: float) -> float:
    _finite("calls", calls)
    _finite("interval_seconds", interval_seconds, positive=True)
    _finite("aht_seconds", aht_seconds, positive=True)
    return calls * aht_seconds / interval_seconds


def _next_erlang_b(traffic: float, agents: int, previous: float) -> float:
    """Erlang B with `agents` servers from Erlang B with one fewer (B(0) = 1)."""
    return traffic * previous / (agents + traffic * previous)


def _erlang_b(traffic: float, agents: int) -> float:
    b = 1.0
    for k in range(1, agents + 1):
        b = _next_erlang_b(traffic, k, b)
    return b


def _c_from_b(traffic: float, agents: int, b: float) -> float:
    return agents * b / (agents - traffic * (1.0 - b))


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a contact has to wait, for `traffic` erlangs offered to `agents` agents.

    Computed from the Erlang B recursion (no factorials or powers), so 1 000+ erlangs work;
    1.0 when agents <= traffic, because the queue then grows without bound.
    """
    _finite("traffic", traffic)
    _check(agents >= 0, f"agents must be >= 0, got {agents!r}")
    if agents <= traffic:
        return 1.0
    return _c_from_b(traffic, agents, _erlang_b(traffic, agents))


def _service_level(traffic: float, agents: int, c: float, target: float, aht: float) -> float:
    if traffic == 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    return 1.0 - c * math.exp(-(agents - traffic) * target / aht)


def service_level(
    calls: float, interval_seconds: float, aht_seconds: float, agents: int, target_seconds: float
) -> float:
    """Share of contacts answered within `target_seconds`: 1 − C·exp(−(N − A)·T / AHT).

    The service level is the usual staffing target; 1.0 without traffic and 0.0 when
    agents <= traffic (unstable queue: the formula would go negative).
    """
    traffic = _traffic(calls, interval_seconds, aht_seconds)
    _finite("target_seconds", target_seconds)
    c = erlang_c(traffic, agents)
    return _service_level(traffic, agents, c, target_seconds, aht_seconds)


def average_speed_of_answer(
    calls: float, interval_seconds: float, aht_seconds: float, agents: int
) -> float:
    """Mean wait before answer in seconds (ASA): C·AHT / (N − A).

    ASA is what a caller feels; inf when agents <= traffic (unstable queue), except 0.0
    without traffic (nobody waits).
    """
    traffic = _traffic(calls, interval_seconds, aht_seconds)
    c = erlang_c(traffic, agents)
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return c * aht_seconds / (agents - traffic)


def required_agents(
    calls: float,
    interval_seconds: float,
    aht_seconds: float,
    target_seconds: float,
    service_level: float,
) -> int:
    """The smallest number of agents whose Erlang C service level reaches `service_level`.

    This is the staffing requirement of one interval; 0 when there are no calls.
    `service_level` must lie strictly between 0 and 1 (Erlang C never reaches 1).
    """
    traffic = _traffic(calls, interval_seconds, aht_seconds)
    _finite("target_seconds", target_seconds)
    _check(
        math.isfinite(service_level) and 0 < service_level < 1,
        f"service_level must be strictly between 0 and 1, got {service_level!r}",
    )
    if traffic == 0:
        return 0
    agents = math.floor(traffic) + 1  # the smallest stable count
    b = _erlang_b(traffic, agents)
    while True:
        c = _c_from_b(traffic, agents, b)
        if _service_level(traffic, agents, c, target_seconds, aht_seconds) >= service_level:
            return agents
        agents += 1
        b = _next_erlang_b(traffic, agents, b)
