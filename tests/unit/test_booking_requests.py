"""Which messages in an agent's chat ask for an appointment, and in which language: the bot
starts a booking there only for these, and must not barge into anything else the customer
and the agent say to each other."""

from __future__ import annotations

import pytest

from bot.language.booking_requests import asked_language

REQUESTS = {
    "Hallo, ich hätte gern einen Termin": "de",
    "Könnte ich einen Termin bekommen?": "de",
    "Wann haben Sie Zeit für ein Gespräch?": "de",
    "Haben Sie nächste Woche einen Termin frei?": "de",
    "Can I book an appointment?": "en",
    "Do you have any free slots tomorrow?": "en",
    "Can I schedule a call?": "en",
    "I want to make a reservation": "en",
    "Je voudrais un rendez-vous": "fr",
    "Quisiera pedir una cita, por favor": "es",
    "Kan jeg få en time?": "no",
    "Jeg vil gjerne bestille time": "no",
    "Kan ik een afspraak maken?": "nl",
    "Posso prenotare un appuntamento?": "it",
    "Czy mogę umówić się na wizytę?": "pl",
    "Kan jag boka en tid?": "sv",
    "Merhaba, randevu almak istiyorum": "tr",
    "Jeg vil gerne bestille en tid": "da",
}

NOT_REQUESTS = [
    "Thanks! See you at the appointment.",
    "Great, can we move the meeting to Friday?",
    "I'm in a meeting, will call you back",
    "Did you read the book I sent?",
    "I need to cancel my appointment",
    "Der Termin passt, danke!",
    "Ich kann den Termin leider nicht wahrnehmen",
    "Tengo una consulta sobre la factura",
    "Det er en avtale",
    "Det er en aftale",
    "Afspraak is afspraak",
    "görüşme güzeldi",
    "The terminal shows an error",
    "Termin płatności minął",
    "Hey Grace, dinner tonight?",
    "I'll call you back, please wait",
    "Are there any updates on my booking?",
    "Der Termin ist frei geworden, danke",
    "Können wir meinen Termin auf Freitag legen?",
]


@pytest.mark.parametrize(("text", "language"), REQUESTS.items())
def test_a_request_for_an_appointment_is_recognised_in_its_language(
    text: str, language: str
) -> None:
    assert asked_language(text) == language


@pytest.mark.parametrize("text", NOT_REQUESTS)
def test_talk_about_an_appointment_or_anything_else_is_left_to_the_agent(text: str) -> None:
    assert asked_language(text) is None


def test_a_word_two_languages_share_goes_to_the_customers_own() -> None:
    assert asked_language("termin, chcę termin") == "pl"
    assert asked_language("Termin bitte", preferred=["de"]) == "de"
