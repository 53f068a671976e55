"""booking.mmd is the booking flow's declaration drawn: generated from it, edge for edge, and
naming exactly the states and handlers of the ConversationHandler built from it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from telegram.ext import BaseHandler, ConversationHandler

from conversations.booking.__main__ import COMMAND, PICTURE, SOURCE
from conversations.booking.flow import BOOKING, build_booking_handler
from conversations.kit.picture import edges, picture

EDGE = re.compile(r"^\s*(\[\*\]|\w+)\s*-->\s*(\[\*\]|\w+)\s*:\s*(.+)$")
NOTE_LINE = re.compile(r"^\s*(anywhere|fallbacks|timeout):\s*(.+)$")


def _names(label: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in label.split("/"))


def drawn_edges() -> list[tuple[str, str, tuple[str, ...]]]:
    """The edges booking.mmd draws, in its order."""
    lines = PICTURE.read_text(encoding="utf-8").splitlines()
    return [(m[1], m[2], _names(m[3])) for line in lines if (m := EDGE.match(line))]


def drawn_notes() -> set[str]:
    lines = PICTURE.read_text(encoding="utf-8").splitlines()
    return {name for line in lines if (m := NOTE_LINE.match(line)) for name in _names(m[2])}


def _callback_name(handler: BaseHandler[Any, Any, Any]) -> str:
    callback = handler.callback
    callback = getattr(callback, "__wrapped__", callback)
    return str(callback.__name__)


def _handlers(graph: ConversationHandler[Any]) -> Iterator[BaseHandler[Any, Any, Any]]:
    yield from graph.entry_points
    for handlers in graph.states.values():
        yield from handlers
    yield from graph.fallbacks


def test_the_picture_is_generated_from_the_flow() -> None:
    assert PICTURE.read_text(encoding="utf-8") == picture(BOOKING, SOURCE, COMMAND), (
        "booking.mmd is out of date: run `python -m conversations.booking`"
    )


def test_the_picture_draws_the_flows_edges_one_for_one() -> None:
    assert drawn_edges() == edges(BOOKING)
    assert len(set(drawn_edges())) == len(drawn_edges()), "an edge is drawn twice"


def test_the_picture_names_exactly_the_graphs_states_and_handlers() -> None:
    graph = build_booking_handler()
    drawn = drawn_edges()
    drawn_states = {state for edge in drawn for state in edge[:2]} - {"[*]"}
    drawn_handlers = {name for edge in drawn for name in edge[2]} | drawn_notes()
    graph_states = {state for state in graph.states if isinstance(state, str)}
    assert drawn_states == graph_states
    assert drawn_handlers == {_callback_name(handler) for handler in _handlers(graph)}


def test_every_step_answers_under_its_old_number_too() -> None:
    """Conversations stored before states were names keep their step's number."""
    graph = build_booking_handler()
    numbered = {state: routes for state, routes in graph.states.items() if isinstance(state, int)}
    assert sorted(numbered) == list(range(1, 10))
    # Steps added after states became names were never stored as numbers.
    added = {"PHONE", "CHANNEL", "PLACE", "HOST", "ADDRESS", "GUESTS"}
    assert set(BOOKING.legacy_states.values()) == set(BOOKING.steps) - added
    for number, name in BOOKING.legacy_states.items():
        assert graph.states[number] is graph.states[name]
