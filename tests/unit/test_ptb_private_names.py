"""python-telegram-bot's private names are reached in one module only, bot/ptb/ptb_internals.py,
whose docstring says what the bot relies on each meaning: nothing else in bot/ or conversations/
may name one. A PTB upgrade then has one file to check."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import telegram

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("bot", "conversations")
ADAPTER = PROJECT_ROOT / "bot" / "ptb" / "ptb_internals.py"
# An underscore name PTB defines: an attribute it sets, a method, or one of its __slots__.
_PTB_PRIVATE = re.compile(r"(?:self\.|def |[\"'])(_[A-Za-z]\w*)")
_NAME_LOOKUPS = frozenset({"getattr", "setattr", "hasattr", "delattr"})


@cache
def ptb_private_names() -> frozenset[str]:
    """Every single-underscore name python-telegram-bot's own source defines."""
    package = Path(telegram.__file__).parent
    names = {
        name
        for source in package.rglob("*.py")
        for name in _PTB_PRIVATE.findall(source.read_text(encoding="utf-8"))
    }
    return frozenset(name for name in names if not name.startswith("__"))


def own_names(tree: ast.AST) -> dict[ast.ClassDef, set[str]]:
    """Per class of ours: the underscore names it defines itself (methods, class attributes,
    __slots__, and what its methods assign to self)."""
    owned: dict[ast.ClassDef, set[str]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        names: set[str] = set()
        for item in ast.walk(node):
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(item.name)
            elif isinstance(item, ast.Name) and isinstance(item.ctx, ast.Store):
                names.add(item.id)
            elif isinstance(item, ast.Attribute) and isinstance(item.ctx, ast.Store):
                names.add(item.attr)
            elif isinstance(item, ast.Constant) and isinstance(item.value, str):
                names.add(item.value)  # __slots__ entries
        owned[node] = names
    return owned


def private_uses(path: Path) -> Iterator[str]:
    """`file:line: name` for each PTB private name the module reaches."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    ptb = ptb_private_names()
    owned = own_names(tree)
    ours = set().union(*owned.values()) if owned else set()
    inside: dict[ast.AST, ast.ClassDef] = {
        child: cls for cls in owned for child in ast.walk(cls) if child is not cls
    }
    where = path.relative_to(PROJECT_ROOT)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ptb:
            on_self = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            cls = inside.get(node)
            # Its own class's name (self._store), or a name of ours on another object of ours
            # (draft._home) is no reach into PTB; a subclass of a PTB class using PTB's is.
            if (on_self and cls is not None and node.attr in owned[cls]) or (
                not on_self and node.attr in ours
            ):
                continue
            yield f"{where}:{node.lineno}: {node.attr}"
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _NAME_LOOKUPS
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in ptb
        ):
            yield f"{where}:{node.lineno}: {node.args[1].value} (by name)"


def scanned_modules() -> list[Path]:
    return sorted(
        path
        for folder in SCANNED
        for path in (PROJECT_ROOT / folder).rglob("*.py")
        if path != ADAPTER
    )


def test_ptb_private_names_are_reached_only_by_the_adapter() -> None:
    uses = [use for path in scanned_modules() for use in private_uses(path)]
    assert uses == [], "only bot/ptb/ptb_internals.py may use PTB's private names"


def test_the_scan_finds_what_the_adapter_reaches() -> None:
    """The check above is not vacuous: the adapter's own uses are found, and each private name
    it uses is listed in its docstring."""
    found = {use.rsplit(": ", 1)[1] for use in private_uses(ADAPTER)}
    assert {"_chat_data", "_user_data", "_conversation_handler_conversations"} <= found
    assert "_chat_ids_to_be_deleted_in_persistence" in found
    docstring = ast.get_docstring(ast.parse(ADAPTER.read_text(encoding="utf-8"))) or ""
    undocumented = sorted(name for name in found if name not in docstring)
    assert undocumented == []
