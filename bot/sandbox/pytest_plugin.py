"""pytest collects scripted conversations: every YAML file with a top-level `steps:` is a test.

Registered as a pytest plugin by the package (entry point `meetergo_scripts`), so in any
folder `python -m pytest path/to/scripts/` runs the scripts there, each in a fresh offline
world, and reports a failing step with its line and the transcript.
"""

from __future__ import annotations

import asyncio
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_SCRIPT: re.Pattern[str] = re.compile(r"^steps:", re.MULTILINE)
LOOP_SCOPE = "asyncio_default_fixture_loop_scope"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """In a folder of scripts with no pytest settings of its own, pytest-asyncio warns that its
    fixture loop scope is unset: the scripts run their own event loops and have no async
    fixtures, so the warning says nothing to a team running them, and is not shown."""
    try:
        unset = not config.getini(LOOP_SCOPE)
    except ValueError:  # pytest-asyncio not installed: nothing warns
        return
    if unset:
        warnings.filterwarnings(
            "ignore", message=f'The configuration option "{LOOP_SCOPE}" is unset'
        )


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    """A YAML file whose top level has `steps:` is one scripted conversation."""
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    try:
        text = file_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return ScriptFile.from_parent(parent, path=file_path) if _SCRIPT.search(text) else None


class ScriptFile(pytest.File):
    """A YAML script; one test item."""

    def collect(self) -> Iterator[pytest.Item]:
        """Yield the single item that runs this script."""
        yield ScriptItem.from_parent(self, name=self.path.stem)


class ScriptFailure(Exception):
    """A script step failed; carries the transcript for the report."""


class ScriptItem(pytest.Item):
    """Runs a script in a fresh offline world (sandbox, emulator, real bot process)."""

    def runtest(self) -> None:
        """Load, run, and fail with the step and the transcript when an expectation breaks."""
        from bot.sandbox.scripts import load_script, run_script

        load_script(self.path)  # a malformed script fails here with file and line
        outcome = asyncio.run(run_script(self.path))
        if not outcome.passed:
            raise ScriptFailure(f"{outcome.failure}\n\ntranscript:{outcome.transcript}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        """Show the script's own message rather than a Python traceback."""
        from bot.sandbox.scripts import ScriptError

        if isinstance(excinfo.value, ScriptFailure | ScriptError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        """Where the test comes from."""
        return self.path, 0, f"script: {self.path.name}"
