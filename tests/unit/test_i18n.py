"""Every UI string exists in both languages, and numbers read the way each audience expects."""
import datetime as dt
from pathlib import Path
import re
import string

import pytest

from core.words import i18n
from core.contract import schema

CJK = re.compile(r"[\u4e00-\u9fff]")


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("key", sorted(i18n.STRINGS))
def test_every_key_has_both_languages_with_the_same_placeholders(key):
    entry = i18n.STRINGS[key]
    assert set(entry) == set(i18n.LANGS)
    assert all(entry[lang].strip() for lang in i18n.LANGS)
    assert CJK.search(entry["zh"]), f"{key}: the zh text has no Chinese characters"
    assert _fields(entry["en"]) == _fields(entry["zh"])


def test_missing_key_raises_instead_of_showing_the_key():
    with pytest.raises(KeyError):
        i18n.t("no.such.key", "en")
    with pytest.raises(ValueError):
        i18n.t("overview.title", "fr")


def test_dynamic_key_families_are_complete():
    """Keys built from data (table names, column types, grid regions) exist for every value."""
    for t in schema.TABLES:
        i18n.t(f"table.{t.name}", "zh")
        for c in t.columns:
            i18n.t(f"type.{c.type}", "zh")
    for name in ("provinces", "load_log"):
        i18n.t(f"table.{name}", "zh")
    for row in schema.province_rows():
        i18n.t(f"region.{row[5]}", "zh")


def test_parse_lang_accepts_only_known_languages():
    assert i18n.parse_lang("zh") == "zh"
    for bad in (None, "", "ZH", "de", "zh'; DROP", ["zh"]):
        assert i18n.parse_lang(bad) == "en"


@pytest.mark.parametrize("value, zh, en", [
    (4.53e9, "45.3亿吨", "4.53 Gt"),
    (1.51e8, "1.51亿吨", "151 Mt"),
    (12_345_000, "1,234.5万吨", "12.3 Mt"),
    (9_876, "9,876吨", "9.88 kt"),
    (float("nan"), "—", "—"),
    (None, "—", "—"),
])
def test_fmt_tonnes(value, zh, en):
    assert i18n.fmt_tonnes(value, "zh") == zh
    assert i18n.fmt_tonnes(value, "en") == en


def test_other_formatters():
    assert i18n.fmt_cny(3.2e8, "zh") == "3.20亿元"
    assert i18n.fmt_cny(560_000, "zh") == "56.0万元"
    assert i18n.fmt_cny(3.2e8, "en") == "CNY 320 m"
    assert i18n.fmt_cny(1.23e9, "en") == "CNY 1.23 bn"
    assert i18n.fmt_capacity_mw(36_385, "zh") == "3,638.5万千瓦"
    assert i18n.fmt_capacity_mw(36_385, "en") == "36.4 GW"
    assert i18n.fmt_int(1234567.4, "en") == "1,234,567"
    assert i18n.fmt_pct(0.931, "zh") == "93.1%"
    assert i18n.fmt_pct(-0.0321, "en", signed=True) == "-3.2%"
    assert i18n.fmt_pct(0.05, "en", signed=True) == "+5.0%"
    d = dt.date(2023, 4, 15)
    assert i18n.fmt_date(d, "zh") == "2023年4月15日"
    assert i18n.fmt_date(d, "en") == "15 Apr 2023"
    assert i18n.fmt_period("2023-04-01", "zh") == "2023年4月"
    assert i18n.fmt_period(d, "en") == "Apr 2023"
    assert i18n.fmt_datetime(dt.datetime(2023, 4, 15, 9, 30), "zh") == "2023年4月15日 09:30"


def test_no_key_is_defined_twice():
    """A dict literal keeps the last of two equal keys silently: one translation would vanish."""
    import ast
    import collections

    tree = ast.parse((Path(i18n.__file__)).read_text(encoding="utf-8"))
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.AnnAssign) and getattr(n.target, "id", "") == "STRINGS")
    keys = [k.value for k in node.value.keys]
    assert [k for k, c in collections.Counter(keys).items() if c > 1] == []
