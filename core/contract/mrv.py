"""MRV rules of the national ETS as parameters: one home for every regulatory
constant that the generator, the queries and the detection rules share.

Each value cites ../shared/reference/domain.md (section, source id); values the
domain file marks "unconfirmed" are marked so here too.
"""
from __future__ import annotations

import csv
import datetime as dt
from functools import lru_cache

from core.contract.schema import REFERENCE_DIR

CO2_PER_C = 44.0 / 12.0
OXIDATION_DEFAULT = 0.99  # coal and gas (domain 2.2, unconfirmed)
GJ_PER_TCE = 29.307  # derived (domain 3.1)

# Default (high) carbon content that applies when a month has no valid measurement.
# 2021 guideline 0.03356 tC/GJ; lowered to 0.03085 in the 2022 revision (domain 2.1, both unconfirmed).
DEFAULT_CC_2021 = 0.03356
DEFAULT_CC_2022 = 0.03085
DEFAULT_CC_2022_FROM = dt.date(2022, 1, 1)  # first month the 2022 default applies to
GAS_NCV = 389.31  # GJ per 10^4 Nm3 (domain 2.2, unconfirmed)
GAS_CC = 0.01532  # tC/GJ (domain 2.2, unconfirmed)

# Plausible band of measured coal carbon content (domain 3.1, unconfirmed).
CC_BAND = (0.0255, 0.0280)

# Monthly deposit (月度存证): from 2022 a month's data and its CMA/CNAS lab report are
# due within 40 days of month end (domain 2.3, S16/S17). Earlier years were reported
# annually: 2019 and 2020 data by 31 March of the next year, 2021 data by the
# extended deadline of 30 September 2022 (domain 1.1, S20).
MONTHLY_DEPOSIT_FROM = dt.date(2022, 1, 1)
DEPOSIT_DAYS = 40
ANNUAL_REPORT_DEADLINE = {2019: dt.date(2020, 3, 31), 2020: dt.date(2021, 3, 31), 2021: dt.date(2022, 9, 30)}
# From 2022 the annual emission report is due by 31 March of the next year (domain 2.3 table, S18/S17/S52):
# the day the monthly deposits must have secured the year (以月保年, domain 6.1).
ANNUAL_REPORT_DUE = (3, 31)

# Compliance (surrender) deadlines per emission year (domain 2.3, S26/S28).
COMPLIANCE_DUE = {
    2019: dt.date(2021, 12, 31), 2020: dt.date(2021, 12, 31),
    2021: dt.date(2023, 12, 31), 2022: dt.date(2023, 12, 31),
    2023: dt.date(2024, 12, 31), 2024: dt.date(2025, 12, 31), 2025: dt.date(2026, 12, 31),
}

# CEA trading rules of the Shanghai Environment and Energy Exchange (domain 5.2, S40/S58): a listing
# agreement (挂牌协议) is below 100,000 t and priced within ±10 % of the previous close, a block
# agreement (大宗协议) at least 100,000 t within ±30 %; prices move in ticks of 0.01 CNY; the
# session ends at 15:00 and the day's close is the VWAP of its trades.
BLOCK_MIN_T = 100_000
LISTING_LIMIT = 0.10
BLOCK_LIMIT = 0.30
PRICE_TICK = 0.01
SESSION_CLOSE = dt.time(15, 0)

# Penalties under the 2024 Interim Regulations (domain 6.4). Failure to surrender: 5-10 x the
# average CEA price in the month before the deadline x the shortfall (S14, S60). Falsified data:
# confiscation of the gains plus 5-10 x the gains, or 500k-2M CNY when there are none or they are
# under 500k (S15, S59).
SURRENDER_PENALTY_MULTIPLE = (5.0, 10.0)
FALSIFICATION_GAINS_MULTIPLE = (5.0, 10.0)
FALSIFICATION_FIXED_CNY = (500_000.0, 2_000_000.0)
FALSIFICATION_GAINS_FLOOR_CNY = 500_000.0


def penalty_price_month(year: int) -> dt.date | None:
    """The month whose average CEA price sets the surrender penalty for `year`'s emissions: the
    month before the compliance deadline (first day), or None when the year has no deadline."""
    due = COMPLIANCE_DUE.get(year)
    if due is None:
        return None
    return dt.date(due.year - (due.month == 1), (due.month - 2) % 12 + 1, 1)


# Reference year-level facts the demo is calibrated on (domain 4): covered entities and
# covered CO2 per year. 2024-2025 have no sourced power-only figure: held at the 2023 level.
NATIONAL_EMISSIONS_T = {
    2019: 4.5e9, 2020: 4.5e9, 2021: 5.1e9, 2022: 5.1e9, 2023: 5.2e9, 2024: 5.2e9, 2025: 5.2e9,
}
MEASURED_SHARE = {2019: 0.66, 2020: 0.75, 2021: 0.85, 2022: 0.93, 2023: 0.95, 2024: 0.96, 2025: 0.97}
# 66% (2019) and 93% (2022) are sourced (domain 2.1, S21); the years between and after are interpolated/extended.


def default_carbon_content(period: dt.date) -> float:
    return DEFAULT_CC_2021 if period < DEFAULT_CC_2022_FROM else DEFAULT_CC_2022


def month_end(period: dt.date) -> dt.date:
    nxt = dt.date(period.year + (period.month == 12), period.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def deposit_deadline(period: dt.date) -> dt.date:
    if period >= MONTHLY_DEPOSIT_FROM:
        return month_end(period) + dt.timedelta(days=DEPOSIT_DAYS)
    return ANNUAL_REPORT_DEADLINE[period.year]


def annual_report_due(year: int) -> dt.date:
    """The deadline of `year`'s annual emission report: the table above for the annual regime,
    31 March of the next year from 2022 (ANNUAL_REPORT_DUE)."""
    if year in ANNUAL_REPORT_DEADLINE:
        return ANNUAL_REPORT_DEADLINE[year]
    return dt.date(year + 1, *ANNUAL_REPORT_DUE)


@lru_cache(maxsize=1)
def benchmarks() -> dict[tuple[int, str], dict]:
    """Allocation benchmarks by (year, unit_class) from data/reference/allocation_benchmarks.csv."""
    with open(REFERENCE_DIR / "allocation_benchmarks.csv", encoding="utf-8") as f:
        return {
            (int(r["year"]), r["unit_class"]): {
                "basis": r["basis"], "power": float(r["power_t_per_mwh"]), "heat": float(r["heat_t_per_gj"]),
            }
            for r in csv.DictReader(f)
        }
