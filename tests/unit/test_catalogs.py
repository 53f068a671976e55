"""Every customer-facing message is translated, in every one of meetergo's 11 languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.language.i18n import LOCALES_DIR, catalog_path, translations
from bot.language.languages import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "n_": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def code_messages() -> set[str]:
    """The msgids the code uses today, extracted the way babel.cfg says."""
    method_map = [
        ("bot/sandbox/**.py", "ignore"),
        ("bot/**.py", "python"),
        ("conversations/**.py", "python"),
    ]
    found = set()
    for _, _, message, _, _ in extract_from_dir(ROOT, method_map, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def template_ids() -> set[str]:
    return {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in read(LOCALES_DIR / "messages.pot")
        if m.id
    }


def test_template_matches_the_code() -> None:
    in_code, in_template = code_messages(), template_ids()
    assert in_code - in_template == set(), "run the extract step in the README"
    assert in_template - in_code == set(), "the template has messages the code no longer uses"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete_and_current(language: str) -> None:
    catalog = read(catalog_path(language))
    expected = template_ids()
    entries = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    assert set(entries) - expected == set(), "catalog has msgids the code no longer uses"
    assert not catalog.obsolete, "catalog keeps obsolete (#~) entries"
    for msgid in expected:
        message = entries.get(msgid)
        assert message is not None, f"{language}: missing {msgid!r}"
        assert not message.fuzzy, f"{language}: fuzzy {msgid!r}"
        raw = message.string if isinstance(message.string, tuple) else (message.string,)
        strings = [text for text in raw if isinstance(text, str) and text]
        assert len(strings) == len(raw), f"{language}: untranslated {msgid!r}"
        wanted = set(PLACEHOLDER.findall(msgid))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == wanted, f"{language}: placeholders {text!r}"
            for tag in ("b", "i", "a"):
                assert text.count(f"<{tag}") == text.count(f"</{tag}>"), f"{language}: {text!r}"
        if isinstance(message.string, tuple):
            assert len(message.string) == catalog.num_plurals, f"{language}: plural {msgid!r}"


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_catalog_is_used_at_run_time(language: str) -> None:
    catalog = translations(language)
    assert catalog.gettext("Try again") != "Try again"
    one = catalog.ngettext(
        "{count} free time in {zone}. Tap it to choose it:",
        "{count} free times in {zone}. Tap one:",
        1,
    )
    many = catalog.ngettext(
        "{count} free time in {zone}. Tap it to choose it:",
        "{count} free times in {zone}. Tap one:",
        5,
    )
    assert "{count}" in one or "{zone}" in one
    assert "{count}" in many


def test_polish_has_three_plural_forms_in_use() -> None:
    catalog = translations("pl")
    forms = {
        catalog.ngettext(
            "{count} free time in {zone}. Tap it to choose it:",
            "{count} free times in {zone}. Tap one:",
            n,
        )
        for n in (1, 3, 5)
    }
    assert len(forms) == 3
