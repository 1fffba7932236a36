"""Config files as the product reads them: the shipped ones and a user's TOML files, and the
one error a configuration mistake raises.

The lowest layer of settings: the settings object, the tenants file and the URL rules all
read and fail through it, so none of them needs another.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

Language = Literal["en", "zh-CN"]
LANGUAGES: tuple[Language, ...] = ("en", "zh-CN")


class ConfigError(Exception):
    """A configuration the product cannot run with; the message says what and where."""


def config_text(name: str, path: Path | None = None) -> str:
    """A config file as written: the shipped `csreview/config/NAME`, or the file given."""
    if path is None:
        return resources.files("csreview.config").joinpath(name).read_text("utf-8")
    return path.read_text("utf-8")


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """A TOML file's tables; an unreadable or invalid file fails with one clear line."""
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except OSError as err:
        raise ConfigError(f"cannot read {what} {path}: {err.strerror}") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{what} {path} is not valid TOML: {err}") from err
