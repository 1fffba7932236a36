"""The fishbone's tests in order: the six categories (人机料法环测), each with its hypotheses.

The order is the report's and the CSV's: categories as `FISHBONE` lists them, and within
each the order its module gives.
"""

from __future__ import annotations

from typing import Final

from tasks.fishbone import environment, machine, material, measurement, method, people

FISHBONE: Final = ("people", "machine", "material", "method", "environment", "measurement")
TESTS: Final = (
    *people.TESTS,
    *machine.TESTS,
    *material.TESTS,
    *method.TESTS,
    *environment.TESTS,
    *measurement.TESTS,
)
TESTS_BY_KEY: Final = {t.key: t for t in TESTS}
