"""What `python -m bot demo` asks besides the booking itself: the Intro call's own questions,
as a business would declare them in BOT_QUESTIONS (README, "The meeting types' questions")."""

from __future__ import annotations

from pathlib import Path

from bot.sandbox.scheduling_defaults import INTRO_CALL_ID

DEMO_QUESTIONS = f"""\
{INTRO_CALL_ID}:
  - name: topic
    label: What would you like to discuss?
    fieldType: select
    required: true
    options: [{{label: Pricing, value: pricing}}, {{label: Support, value: support}}]
    locales: [{{locale: de, label: "Worüber möchten Sie sprechen?"}}]
  - name: customer
    label: Are you already a customer?
    fieldType: yes-no
    required: true
    locales: [{{locale: de, label: "Sind Sie schon Kunde?"}}]
  - name: remarks
    label: Anything we should know beforehand?
    fieldType: text-multi
    locales: [{{locale: de, label: "Sollten wir vorher etwas wissen?"}}]
"""


def write_demo_questions(data_dir: Path) -> Path:
    """Write the demo's questions file into its data folder; its path, for BOT_QUESTIONS."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "questions.yaml"
    path.write_text(DEMO_QUESTIONS, encoding="utf-8")
    return path
