"""Every UI string exists in every language, and numbers read the way each audience expects."""
import datetime as dt
import re
import string

import pandas as pd
import pytest

from core.words import i18n
from core.contract import schema

# Chinese characters, or CJK / full-width punctuation for the separators (、；：（）)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_key_has_every_language_with_the_same_placeholders():
    problems = []
    for key, entry in sorted(i18n.STRINGS.items()):
        if set(entry) != set(i18n.LANGS):
            problems.append(f"{key}: languages {sorted(entry)}")
            continue
        problems += [f"{key}: empty in {lang}" for lang in i18n.LANGS if not entry[lang].strip()]
        problems += [f"{key}: placeholders in {lang} differ from en" for lang in i18n.LANGS
                     if _fields(entry[lang]) != _fields(entry["en"])]
        words = "".join(literal for literal, *_ in string.Formatter().parse(entry["zh"]))
        if words.strip() and not CJK.search(words):  # a bare "{first}{second}" has nothing to translate
            problems.append(f"{key}: the zh text has no Chinese characters")
    assert problems == []


def test_every_language_folder_has_the_same_files_and_keys():
    """A language is a folder of catalogues; each holds the same files with the same keys."""
    import tomllib

    def keys(folder):
        return {f.name: set(tomllib.loads(f.read_text(encoding="utf-8")))
                for f in sorted(folder.glob("*.toml")) if f.name != "_meta.toml"}

    folders = {lang: i18n.LOCALES_DIR / lang for lang in i18n.LANGS}
    assert all((f / "_meta.toml").is_file() for f in folders.values())
    reference = keys(folders["en"])
    for lang, folder in folders.items():
        found = keys(folder)
        assert sorted(found) == sorted(reference), f"{lang}: files differ from en"
        for name in reference:
            assert found[name] == reference[name], (
                f"{lang}/{name}: missing {sorted(reference[name] - found[name])}, extra {sorted(found[name] - reference[name])}")
    assert sorted(i18n.META) == sorted(i18n.LANGS) and all({"name", "locale"} <= set(m) for m in i18n.META.values())


def test_a_language_is_a_folder_and_a_key_is_defined_once(tmp_path):
    for lang, name in (("zh", "中文"), ("en", "English"), ("de", "Deutsch")):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "_meta.toml").write_text(f'name = "{name}"\nlocale = "x"\n', encoding="utf-8")
        (tmp_path / lang / "nav.toml").write_text(f'"nav.home" = "{name}"\n', encoding="utf-8")
    langs, meta, strings = i18n.load_catalogues(tmp_path)
    assert langs == ("en", "de", "zh") and meta["de"]["name"] == "Deutsch"
    assert strings == {"nav.home": {"en": "English", "de": "Deutsch", "zh": "中文"}}
    (tmp_path / "de" / "page.toml").write_text('"nav.home" = "Start"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="nav.home"):  # the same key in two files of one language
        i18n.load_catalogues(tmp_path)
    (tmp_path / "de" / "page.toml").write_text('nav.home = "Start"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="quote"):  # an unquoted dotted key is a nested table
        i18n.load_catalogues(tmp_path)


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
    assert i18n.fmt_datetime(dt.datetime(2023, 4, 15, 9, 30), "zh") == "2023年4月15日 09:30（北京时间）"


def test_every_time_shown_is_beijing_time_and_says_so():
    """A naive time is Beijing wall-clock time (what the database holds); an aware one is converted;
    both name the zone. zone=False is for a column whose header names it."""
    utc = dt.datetime(2023, 4, 15, 1, 30, tzinfo=dt.UTC)
    assert i18n.fmt_datetime(utc, "en") == "15 Apr 2023 09:30 (Beijing time)"
    assert i18n.fmt_datetime(utc, "zh") == "2023年4月15日 09:30（北京时间）"
    assert i18n.fmt_datetime(pd.Timestamp("2023-04-15 09:30"), "en") == "15 Apr 2023 09:30 (Beijing time)"
    assert i18n.fmt_datetime(dt.datetime(2023, 4, 15, 9, 30), "en", zone=False) == "15 Apr 2023 09:30"
    assert i18n.fmt_datetime(None, "en") == i18n.MISSING


def test_a_partial_year_names_its_months():
    jun, dec = dt.date(2025, 6, 1), dt.date(2025, 12, 1)
    assert i18n.fmt_year_period(2025, "en", 7, jun, dec) == "2025 (Jun\u2009–\u2009Dec)"
    assert i18n.fmt_year_period(2025, "zh", 7, jun, dec) == "2025年6–12月"
    assert i18n.fmt_year_period(2025, "en", 12, dt.date(2025, 1, 1), dec) == "2025"
    assert i18n.fmt_year_period(2025, "zh") == "2025年"
    assert i18n.fmt_year_period(2025, "en", 1, jun, jun) == "2025 (Jun)"
    assert i18n.fmt_coverage(7, jun, dec, "en") == "Jun\u2009–\u2009Dec, 7 of 12 months"
    assert i18n.fmt_coverage(7, jun, dec, "zh") == "6–12月，全年12个月中的7个月"


def test_babel_formats_round_and_sign_as_the_app_always_has():
    """Babel is given the float's exact value: 2.675 is 2.67499… and shows 2.67 (as f"{x:.2f}"
    does), not Babel-from-str's 2.68; signs, zero, infinity and durations read as before."""
    assert i18n.fmt_tonnes(2.675e8, "zh") == "2.67亿吨" and i18n.fmt_tonnes(2.625e8, "zh") == "2.62亿吨"
    assert i18n.fmt_int(-12_345.5, "zh") == "-12,346" and i18n.fmt_int(0, "en") == "0"
    assert i18n.fmt_pct(0.0005, "en", signed=True) == "+0.1%" and i18n.fmt_pct(-0.0, "en") == "-0.0%"
    assert i18n.fmt_pct(123.45, "zh") == "12345.0%"  # percentages are not grouped
    assert i18n.fmt_signed(-1234.56) == "-1,234.6" and i18n.fmt_signed(0.04) == "0.0"
    assert i18n.fmt_signed(3, 0) == "+3"
    assert i18n.fmt_tonnes(float("inf"), "en") == "inf Gt"
    assert i18n.fmt_seconds(0.4, "en") == "0.40 s" and i18n.fmt_seconds(125, "zh") == "2分5秒"
    assert i18n.fmt_datetime(dt.datetime(2023, 9, 1, 23, 5), "en", zone=False) == "1 Sep 2023 23:05"


def test_an_unknown_language_in_the_url_is_said_not_hidden():
    """?lang=xx still shows English (parse_lang), and lang_problem gives the page a note saying so."""
    assert i18n.lang_problem("zh") is None and i18n.lang_problem(None) is None and i18n.lang_problem("") is None
    note = i18n.lang_problem("xx")
    assert "`xx`" in note and i18n.LANG_NAMES["en"] in note and i18n.LANG_NAMES["zh"] in note
    assert "``" not in i18n.lang_problem("x`y") and len(i18n.lang_problem("x" * 500)) < 200


def test_a_column_of_tonnes_has_one_unit_named_once():
    """Rows of one column share the unit its largest value calls for; no row carries a unit, and a
    small non-zero value is not shown as zero."""
    rows = [850, 43_000, 1_200_000, None]
    zh, zh_unit = i18n.fmt_tonnes_column(rows, "zh")
    assert zh_unit == "万吨" and zh == ["0.09", "4.30", "120.00", i18n.MISSING]
    en, en_unit = i18n.fmt_tonnes_column(rows, "en")
    assert en_unit == "Mt" and en == ["<0.01", "0.04", "1.20", i18n.MISSING]
    assert i18n.fmt_tonnes_column([850, 43_000], "en") == (["0.85", "43.00"], "kt")
    assert not any(CJK.search(text) or "t" in text for text in zh + en)
    signed, _ = i18n.fmt_tonnes_column([-3, 0, 25_000, -1.2e7], "zh", signed=True)
    assert signed == ["-<0.01", "0.00", "+2.50", "-1,200.00"]
    # several columns of one table in one unit: the shared largest value decides
    assert i18n.fmt_tonnes_column([900_000], "en", largest=2e6) == (["0.90"], "Mt")
    assert i18n.fmt_cny_column([5e4, 3.2e8], "zh") == (["5.00", "32,000.00"], "万元")


# Identifiers a reader has to type stay (code spans, file names such as monthly_reports.csv); a
# caption says in words where a figure comes from. The Data page explains the import format by
# table and column names, and an alert id's example is an id.
_NAMES_ALLOWED = ("data.", "market.alert.invalid")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")


def _prose(text: str) -> str:
    text = re.sub(r"`[^`]*`", "", text)                      # code spans: commands, URL parameters
    text = re.sub(r"\{[^}]*\}", "", text)                    # placeholders
    return re.sub(r"\b[\w<>]+\.(csv|xlsx|parquet)\b", "", text)  # file names


def test_captions_say_in_words_what_tables_and_columns_hold():
    tables = {t.name for t in schema.TABLES}
    offenders = []
    for key, texts in i18n.STRINGS.items():
        if key.startswith(_NAMES_ALLOWED):
            continue
        for lang, text in texts.items():
            prose = _prose(text)
            named = set(_SNAKE.findall(prose))
            if lang != "en":  # in Chinese an English table name is an identifier, not a word
                named |= tables & set(re.findall(r"[a-z_]+", prose))
            if named:
                offenders.append(f"{lang} {key}: {sorted(named)}")
    assert offenders == [], "\n".join(offenders)
