"""The code stays in pieces a newcomer can read: no module under bot/ or conversations/ over
400 lines of logic, no function over 60 (blank lines, comments and docstrings not counted)."""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import tokenize
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
MODULE_LINES = 400
FUNCTION_LINES = 60
_NOT_CODE = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENDMARKER,
}


def _docstring_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list) or not body or not isinstance(body[0], ast.Expr):
            continue
        value = body[0].value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            lines.update(range(body[0].lineno, (body[0].end_lineno or body[0].lineno) + 1))
    return lines


def logic_lines(source: str) -> tuple[set[int], ast.Module]:
    """The numbers of the lines that hold code, and the module's tree."""
    tree = ast.parse(source)
    code: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in _NOT_CODE:
            code.update(range(token.start[0], token.end[0] + 1))
    return code - _docstring_lines(tree), tree


def modules() -> Iterator[Path]:
    for folder in ("bot", "conversations"):
        yield from sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", list(modules()), ids=lambda path: str(path.relative_to(ROOT)))
def test_modules_and_functions_stay_small(path: Path) -> None:
    code, tree = logic_lines(path.read_text(encoding="utf-8"))
    assert len(code) <= MODULE_LINES, f"{len(code)} lines of logic"
    long = {
        node.name: size
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (size := len([line for line in code if node.lineno <= line <= (node.end_lineno or 0)]))
        > FUNCTION_LINES
    }
    assert long == {}, f"functions over {FUNCTION_LINES} lines of logic"


def test_a_polling_bot_on_sqlite_loads_no_web_server_and_no_database_driver() -> None:
    # What `python -m bot` imports to poll with SQLite: aiohttp (the webhook server, a health
    # port), asyncpg (BOT_DATABASE_URL) and icalendar (the first calendar file) are loaded
    # only where they are used, a third of a second of every start otherwise.
    probe = (
        "import sys; import bot.app, bot.serving; "
        "print(sorted({'aiohttp', 'asyncpg', 'icalendar'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=ROOT,
    )
    assert result.stdout.strip() == "[]", result.stdout
