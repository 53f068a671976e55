"""booking.mmd names exactly the states and handlers of the booking graph literal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from telegram.ext import BaseHandler, ConversationHandler

from conversations.booking import build_booking_handler
from conversations.states import State

PICTURE = Path(__file__).parents[2] / "conversations" / "booking.mmd"
EDGE = re.compile(r"^\s*(\[\*\]|\w+)\s*-->\s*(\[\*\]|\w+)\s*:\s*(.+)$")
NOTE_LINE = re.compile(r"^\s*(anywhere|fallbacks|timeout):\s*(.+)$")


def _names(label: str) -> set[str]:
    return {name.strip() for name in label.split("/")}


def picture() -> tuple[set[str], set[str]]:
    """The states and handler names the picture draws."""
    states: set[str] = set()
    handlers: set[str] = set()
    for line in PICTURE.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("%%"):
            continue
        if edge := EDGE.match(line):
            states |= {edge[1], edge[2]} - {"[*]"}
            handlers |= _names(edge[3])
        elif note := NOTE_LINE.match(line):
            handlers |= _names(note[2])
    return states, handlers


def _callback_name(handler: BaseHandler[Any, Any, Any]) -> str:
    callback = handler.callback
    callback = getattr(callback, "__wrapped__", callback)
    return str(callback.__name__)


def _handlers(graph: ConversationHandler[Any]) -> Iterator[BaseHandler[Any, Any, Any]]:
    yield from graph.entry_points
    for handlers in graph.states.values():
        yield from handlers
    yield from graph.fallbacks


def test_the_picture_names_exactly_the_graphs_states_and_handlers() -> None:
    graph = build_booking_handler()
    drawn_states, drawn_handlers = picture()
    graph_states = {state.name for state in graph.states if isinstance(state, State)}
    assert drawn_states == graph_states
    assert drawn_handlers == {_callback_name(handler) for handler in _handlers(graph)}


def test_every_state_of_the_enum_is_in_the_graph() -> None:
    graph = build_booking_handler()
    assert {state.name for state in State} == {
        state.name for state in graph.states if isinstance(state, State)
    }
