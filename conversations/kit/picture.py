"""A flow's picture (Mermaid stateDiagram), derived from its declaration edge by edge.

The rules, which are what the flow does:
- a new conversation (the flow's entry handlers) can land at any step: the answers a link or
  a typed first message already gives are skipped; an entry that `opens` a step leads there;
  what the entry shares with every step is drawn once, in the note;
- a step's handlers lead to the step itself (asked again: a hint, another page), to every
  later step and the final card (earlier answers may be given already: "Change name"
  leads back to the card), and to the states the step declares in `leads_to`;
- the final card's handlers lead to itself (meetergo failed: "Try again"), out of the flow,
  to its `leads_to`, and its change buttons to each step they ask again;
- a detour's handlers lead to itself and back to any step it can be opened from.

Each flow writes its own picture beside it (`python -m conversations.booking`); a test checks
the file equals the flow.
"""

from __future__ import annotations

from collections.abc import Iterable

from conversations.kit.flow import Flow
from conversations.kit.step import On, Step

START = "[*]"
Edge = tuple[str, str, tuple[str, ...]]


def _names(ons: Iterable[On]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(getattr(on.handler, "__name__", "handler") for on in ons))


def edges(flow: Flow) -> list[Edge]:
    """Every transition the flow can make, with the handlers that make it."""
    found: list[Edge] = []
    asked = [*flow.order, flow.final]
    # What entry shares with `anywhere` is drawn in the note, once.
    shared = set(_names(flow.anywhere))
    starters = [on for on in flow.entry if on.opens is None and _names([on])[0] not in shared]
    found += [(START, step.name, _names(starters)) for step in asked]
    for on in flow.entry:
        if on.opens is not None:
            found.append((START, on.opens, _names([on])))
    for index, step in enumerate(flow.order):
        own = _names(flow.own_routes(step))
        later = [step, *flow.order[index + 1 :], flow.final]
        found += [(step.name, other.name, own) for other in later]
        found += [(step.name, target, own) for target in step.leads_to]
    final = _names(flow.final.routes)
    found += [(flow.final.name, flow.final.name, final), (flow.final.name, START, final)]
    found += [(flow.final.name, target, final) for target in flow.final.leads_to]
    change = _names([On.press(flow.change_answer)])
    found += [
        (flow.final.name, step.name, change) for step in flow.order if step.change is not None
    ]
    for detour in flow.detours:
        own = _names(flow.own_routes(detour))
        found += [(detour.name, other.name, own) for other in (detour, *asked)]
    return found


def _step_names(steps: Iterable[Step]) -> str:
    return ", ".join(step.name for step in steps)


def picture(flow: Flow, source: str, command: str) -> str:
    """The Mermaid text of `flow`, declared in `source` and written by `command`."""
    lines = [
        f"%% The {flow.name} conversation, generated from its declaration ({source})",
        f"%% by `{command}`; do not edit by hand.",
        f"%% Steps in order: {_step_names(flow.order)}; then {flow.final.name}.",
        "stateDiagram-v2",
    ]
    for origin, target, handlers in edges(flow):
        lines.append(f"    {origin} --> {target}: {' / '.join(handlers)}")
    lines += [
        f"    note right of {flow.home}",
        f"        anywhere: {' / '.join(_names(flow.anywhere))}",
        f"        fallbacks: {' / '.join(_names(flow.fallbacks))}",
        "    end note",
    ]
    return "\n".join(lines) + "\n"
