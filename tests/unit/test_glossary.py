"""The glossary: every term in both languages, its numbers taken from the code, and the help links."""
from __future__ import annotations

import re

import pytest

from core.contract import scoring
from core.words import glossary, i18n


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_term_has_a_term_and_a_definition_with_nothing_left_unfilled(lang):
    rows = glossary.entries(lang)
    assert sorted(r[0] for r in rows) == sorted(glossary.TERMS)
    for term_id, term, definition in rows:
        assert term and definition and "{" not in definition, term_id


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_the_band_thresholds_quoted_are_the_codes(lang):
    bands = dict((r[0], r[2]) for r in glossary.entries(lang))["bands"]
    quoted = [int(n) for n in re.findall(r"\d+", bands)]
    assert quoted[:3] == [int(lo) for _, lo in scoring.BANDS[:3]]


def test_every_help_link_targets_a_term_and_keeps_the_language():
    assert set(glossary.HELP_TERMS) <= set(i18n.STRINGS)  # help keys that exist
    for key, term_id in glossary.HELP_TERMS.items():
        assert term_id in glossary.TERMS
        for lang in i18n.LANGS:
            text = i18n.t(key, lang, **{f: "x" for f in re.findall(r"{(\w+)", i18n.STRINGS[key][lang])})
            assert text in glossary.help_text(key, lang, **{f: "x" for f in re.findall(r"{(\w+)", i18n.STRINGS[key][lang])})
            assert f"(/Glossary?lang={lang}#{term_id})" in glossary.link(term_id, lang)
    with pytest.raises(KeyError):
        glossary.link("no-such-term", "en")


def test_english_is_alphabetical_and_chinese_follows_the_topics():
    assert [r[1] for r in glossary.entries("en")] == sorted((r[1] for r in glossary.entries("en")), key=str.casefold)
    assert [r[0] for r in glossary.entries("zh")] == list(glossary.TERMS)
