"""The word lists and tables language understanding compares typed text with, installed with
the package beside this file."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml


def data_file(name: str) -> str:
    """The text of one of the data files (installed with the package)."""
    return resources.files("bot.language.data").joinpath(name).read_text("utf-8")


@functools.cache
def data_yaml(name: str) -> Any:
    """One of the YAML data files, read once per process."""
    return yaml.safe_load(data_file(name))
