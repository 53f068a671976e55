"""Collect every tests/scripts/*.yaml as a test that runs the scripted conversation."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.scripts import ScriptError, load_script, run_script


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    """Every YAML file beside this conftest is one scripted conversation."""
    if file_path.suffix in (".yaml", ".yml") and file_path.parent == Path(__file__).parent:
        return ScriptFile.from_parent(parent, path=file_path)
    return None


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
        load_script(self.path)  # a malformed script fails here with file and line
        outcome = asyncio.run(run_script(self.path))
        if not outcome.passed:
            raise ScriptFailure(f"{outcome.failure}\n\ntranscript:{outcome.transcript}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        """Show the script's own message rather than a Python traceback."""
        if isinstance(excinfo.value, ScriptFailure | ScriptError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        """Where the test comes from."""
        return self.path, 0, f"script: {self.path.name}"
