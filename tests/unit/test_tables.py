"""Display tables: what a reader sees in a cell (no 'None', no link columns opening a new tab)."""
from __future__ import annotations

import pandas as pd
import pytest

from core.ui import tables
from core.words import i18n


def _clients(months: list[int], years: list) -> pd.DataFrame:
    n = len(months)
    return pd.DataFrame({
        "enterprise_id": [f"E{i}" for i in range(n)], "name": [f"Plant {i}" for i in range(n)],
        "province_en": ["Shandong"] * n, "province_zh": ["山东"] * n, "risk_score": [80.0 - i for i in range(n)],
        "band": ["high"] * n, "signals": [("batch",)] * n,
        "first_period": [pd.Timestamp("2023-01-01") if m else pd.NaT for m in months],
        "last_period": [pd.Timestamp("2023-12-01") if m else pd.NaT for m in months],
        "years": years, "months": months,
    })


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_a_verifier_s_clients_have_no_months_column_and_no_none_cells(lang):
    shown = tables.agency_clients(_clients([0, 0], [[2023, 2024], [2024]]), lang)
    assert i18n.t("agencies.col.months", lang) not in shown.columns
    assert not shown.isna().any().any()
    served = shown[i18n.t("agencies.col.served", lang)].tolist()
    assert "2023" in served[0] and "2024" in served[0]


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_a_lab_s_clients_keep_their_months(lang):
    shown = tables.agency_clients(_clients([12, 3], [None, None]), lang)
    assert shown[i18n.t("agencies.col.months", lang)].tolist() == [12, 3]


def test_long_texts_wrap_in_the_tables_that_ask_for_it():
    assert tables.WRAP_ROW_HEIGHT > 64  # Streamlit wraps text cells only in rows taller than 4rem


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_a_year_not_surrendered_is_due_until_its_deadline_then_late(lang):
    import datetime as dt

    years = pd.DataFrame({"year": [2024, 2025, 2023], "allocated_t": [1e6, 1e6, 1e6], "verified_t": [9e5, 9e5, 9e5],
                          "surrendered_t": [None, None, 9e5], "position_t": [1e5, 1e5, 1e5],
                          "due_date": [dt.date(2025, 12, 31), dt.date(2026, 12, 31), dt.date(2024, 12, 31)],
                          "surrendered_at": [None, None, dt.date(2024, 12, 20)], "on_time": [None, None, True]})
    shown = tables.dossier_allowances(years, lang, today=dt.date(2026, 12, 4))
    status = shown.iloc[:, -1].tolist()
    assert status == [i18n.t("enterprise.not_surrendered", lang),
                      i18n.t("enterprise.due_by", lang, date=i18n.fmt_date(dt.date(2026, 12, 31), lang)),
                      i18n.t("enterprise.yes", lang)]
    late = tables.dossier_allowances(years, lang, today=dt.date(2027, 1, 1)).iloc[:, -1].tolist()
    assert late[1] == i18n.t("enterprise.not_surrendered", lang)
