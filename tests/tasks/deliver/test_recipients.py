"""Recipients of a tenant's review: the first configured table wins."""

from __future__ import annotations

from typing import Any

import pytest

from csreview.settings import ConfigError
from tasks.deliver import Recipients, recipients_for

CONFIG: dict[str, Any] = {
    "recipients": {
        "default": {
            "monthly": {"to": ["ops@example.com"], "cc": ["qa@example.com"]},
            "all": {"to": ["all@example.com"], "languages": ["en"]},
        },
        "north": {
            "quarterly": {"to": ["north-q@example.com"], "languages": ["zh-CN", "en"]},
            "all": {"to": ["north@example.com"]},
        },
        "east": {"quarterly": {"to": ["east@example.com"]}},
        "south": {"monthly": {"to": []}},  # south opts out of monthly mail
    }
}
OPS = Recipients(("ops@example.com",), ("qa@example.com",), ("en", "zh-CN"))
ALL_EN = Recipients(("all@example.com",), (), ("en",))


@pytest.mark.parametrize(
    ("tenant", "cadence", "expected"),
    [
        ("north", "quarterly", Recipients(("north-q@example.com",), (), ("zh-CN", "en"))),
        ("north", "monthly", Recipients(("north@example.com",))),  # tenant's all
        ("east", "quarterly", Recipients(("east@example.com",))),
        ("east", "monthly", OPS),  # default's cadence
        ("west", "monthly", OPS),  # unknown tenant
        ("west", "quarterly", ALL_EN),  # default's all
        (None, "monthly", OPS),
        (None, "quarterly", ALL_EN),
        ("south", "monthly", Recipients()),  # opted out: no delivery
        ("south", "quarterly", ALL_EN),
    ],
)
def test_recipients_fallbacks(tenant: str | None, cadence: str, expected: Recipients) -> None:
    assert recipients_for(CONFIG, tenant, cadence) == expected


def test_no_recipients_configured_means_no_delivery() -> None:
    assert recipients_for({}, "north", "monthly").to == ()
    only_monthly = {"recipients": {"default": {"monthly": {"to": ["ops@example.com"]}}}}
    assert recipients_for(only_monthly, None, "quarterly") == Recipients()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"to": "ops@example.com"}, "must be a list of addresses"),
        ({"to": ["ops"]}, "'ops' is not an e-mail address"),
        ({"to": ["a@example.com, b@example.com"]}, "is not an e-mail address"),
        ({"too": ["ops@example.com"]}, "unknown key"),
        ({"to": ["ops@example.com"], "languages": ["fr"]}, "languages must list"),
        ({"to": ["ops@example.com"], "languages": []}, "languages must list"),
        ({"cc": ["qa@example.com"]}, "cc but no to"),
    ],
)
def test_bad_recipients_config(table: dict[str, Any], message: str) -> None:
    config = {"recipients": {"default": {"monthly": table}}}
    with pytest.raises(ConfigError, match=message):
        recipients_for(config, None, "monthly")


def test_misspelt_cadence_is_reported() -> None:
    config = {"recipients": {"north": {"montly": {"to": ["n@example.com"]}}}}
    with pytest.raises(ConfigError, match=r"\[recipients.north\] has unknown cadence"):
        recipients_for(config, "north", "monthly")
