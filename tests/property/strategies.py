"""Contract-valid import folders with the shapes real data has and the demo never makes.

`folders()` draws a `Spec` (how many enterprises and months, which tables and columns exist, which
shapes to force) with Hypothesis, and `write(spec, folder)` turns it into `<table>.csv` files exactly
as ../shared/DATA_CONTRACT.md describes them. The bulk values come from a numpy generator seeded by
the spec, so a spec is small, readable in a failure report and replayable with `@example(Spec(...))`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import strategies as st

PROVINCES = ("11", "32", "37", "44", "65", "66")
UNIT_CLASSES = ("coal_above_300mw", "coal_300mw_below", "coal_unconventional", "gas")
DEFAULT_CC = 0.02618  # the default carbon content of coal (tC/GJ)
# Optional columns that a row-level check requires in some rows (an entity account's enterprise, a
# measured coal month's lab and report number from April 2022): kept when optional columns go.
CONDITIONAL = {("accounts", "enterprise_id"), ("monthly_reports", "lab_id"), ("monthly_reports", "lab_report_no")}


@dataclass(frozen=True)
class Spec:
    seed: int = 0
    enterprises: int = 3
    start: str = "2023-01"  # first period
    months: int = 12
    units_max: int = 2
    provinces: int = 2  # 1 = a single province
    gas_share: float = 0.2
    missing_months: float = 0.0  # share of unit-months not deposited
    carbon: str = "mixed"  # "default" (all default), "measured", "mixed"
    empty_dates: float = 0.0  # share of measured rows without sample/test/report dates
    late_share: float = 0.1  # share of deposits after the 40-day limit
    verified: float = 1.0  # share of enterprises with verifications
    allocations: bool = True
    compliance: bool = True
    trades: int = 10  # 0 = no accounts and no trades
    market: str = "full"  # "absent", "partial", "full"
    idle_agencies: int = 1  # agencies without a client
    consultants: bool = True
    labels: bool = True  # case_labels.csv
    constant: bool = False  # every numeric column the same in every row (ties, zero variance)
    optional_columns: bool = True  # False: every optional column left out of the files
    reported_emissions: bool = True


@st.composite
def specs(draw) -> Spec:
    year = draw(st.integers(2021, 2024))
    month = draw(st.integers(1, 12))
    return Spec(
        seed=draw(st.integers(0, 2**16)),
        enterprises=draw(st.integers(1, 12)),
        start=f"{year}-{month:02d}",
        months=draw(st.integers(1, 24)),
        units_max=draw(st.integers(1, 3)),
        provinces=draw(st.integers(1, 3)),
        gas_share=draw(st.sampled_from([0.0, 0.2, 1.0])),
        missing_months=draw(st.sampled_from([0.0, 0.1, 0.5])),
        carbon=draw(st.sampled_from(["default", "measured", "mixed"])),
        empty_dates=draw(st.sampled_from([0.0, 0.3, 1.0])),
        late_share=draw(st.sampled_from([0.0, 0.1, 0.6])),
        verified=draw(st.sampled_from([0.0, 0.5, 1.0])),
        allocations=draw(st.booleans()),
        compliance=draw(st.booleans()),
        trades=draw(st.sampled_from([0, 3, 20])),
        market=draw(st.sampled_from(["absent", "partial", "full"])),
        idle_agencies=draw(st.integers(0, 2)),
        consultants=draw(st.booleans()),
        labels=draw(st.booleans()),
        constant=draw(st.booleans()),
        optional_columns=draw(st.booleans()),
        reported_emissions=draw(st.booleans()),
    )


def _periods(spec: Spec) -> list[dt.date]:
    y, m = map(int, spec.start.split("-"))
    out = []
    for _ in range(spec.months):
        out.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _month_end(d: dt.date) -> dt.date:
    return (pd.Timestamp(d) + pd.offsets.MonthEnd(0)).date()


def tables(spec: Spec) -> dict[str, pd.DataFrame]:
    """The folder's tables as frames, contract column names, contract-valid values."""
    rng = np.random.default_rng(spec.seed)
    const = spec.constant

    def draw(lo, hi, n=None):
        if const:
            return (lo + hi) / 2 if n is None else np.full(n, (lo + hi) / 2)
        return rng.uniform(lo, hi, n)

    def chance(p):
        return (not const or p >= 1) and rng.random() < p

    periods = _periods(spec)
    years = sorted({p.year for p in periods})
    provinces = PROVINCES[: spec.provinces]
    ents = [f"E{i:03d}" for i in range(spec.enterprises)]
    # agencies: one lab and one verifier per province in use, a consultant, and idle ones
    agencies = [("L1", "Lab One", "lab", provinces[0], "CMA+CNAS"), ("L2", "Lab Two", "lab", provinces[-1], "CMA"),
                ("V1", "Verifier One", "verifier", provinces[0], None), ("C1", "Consult One", "consultant", None, None)]
    agencies += [(f"X{i}", f"Idle {i}", ("lab", "verifier", "consultant")[i % 3], provinces[0], None)
                 for i in range(spec.idle_agencies)]
    enterprises = pd.DataFrame({
        "enterprise_id": ents, "name": [f"Plant {e}" for e in ents],
        "province_code": [provinces[i % len(provinces)] for i in range(len(ents))],
        "city": "Somewhere", "sector": "power", "group_name": ["Group A" if i % 2 else None for i in range(len(ents))],
        "latitude": 30.0, "longitude": 110.0,
        "consultant_id": ["C1" if spec.consultants and i % 2 == 0 else None for i in range(len(ents))]})
    units, rows = [], []
    for i, e in enumerate(ents):
        for j in range(1 if const else int(rng.integers(1, spec.units_max + 1))):
            gas = spec.gas_share >= 1 or (not const and rng.random() < spec.gas_share)
            cls = "gas" if gas else (UNIT_CLASSES[0] if const else str(rng.choice(UNIT_CLASSES[:3])))
            uid = f"{e}-U{j}"
            cap = float(draw(150, 1000))
            units.append((uid, e, cls, cap, 2005, "water", False))
            lab = "L1" if i % 2 == 0 else "L2"
            for k, p in enumerate(periods):
                if spec.missing_months and not const and k + j > 0 and rng.random() < spec.missing_months:
                    continue
                hours = float(min(draw(300, 700), 24 * _month_end(p).day))
                gen = cap * hours * float(draw(0.5, 0.9))
                supply = gen * float(draw(0.9, 0.97))
                if gas:
                    fuel, ncv, cc, consumed = "gas", float(draw(380, 395)), 0.01532, gen * 0.2 / 1e1
                    source = "default"
                else:
                    fuel, ncv = "coal", float(draw(18, 24))
                    consumed = gen * 0.3 * 29.27 / ncv
                    source = {"default": "default", "measured": "measured"}.get(
                        spec.carbon, "measured" if const or rng.random() < 0.6 else "default")
                    cc = DEFAULT_CC if source == "default" else float(draw(0.0255, 0.028))
                measured = source == "measured"
                late = spec.late_share and chance(spec.late_share)
                submitted = dt.datetime.combine(_month_end(p), dt.time(9)) + dt.timedelta(
                    days=int(draw(41, 90)) if late else int(draw(3, 35)))
                no_dates = measured and spec.empty_dates and (spec.empty_dates >= 1 or chance(spec.empty_dates))
                sample = _month_end(p) if measured and not no_dates else None
                test = sample + dt.timedelta(days=int(draw(2, 10))) if sample else None
                report = test + dt.timedelta(days=int(draw(1, 45))) if test else None
                moist = float(draw(6, 14)) if not gas else None
                rows.append({
                    "unit_id": uid, "period": p.strftime("%Y-%m"), "fuel_type": fuel,
                    "fuel_consumed": round(consumed, 3), "ncv": round(ncv, 3), "carbon_content": round(cc, 5),
                    "carbon_content_source": source,
                    "carbon_ar_pct": round(float(draw(50, 60)), 2) if measured else None,
                    "total_moisture_pct": round(moist, 2) if moist else None,
                    "moisture_ad_pct": round(moist / 4, 2) if moist else None,
                    "hydrogen_pct": 3.0 if not gas else None, "sulfur_pct": 0.6 if not gas else None,
                    "oxidation_rate": 0.99 if gas else 0.98,
                    "generation_mwh": round(gen, 3), "supply_mwh": round(supply, 3),
                    "heat_supply_gj": round(float(draw(0, 5000)), 1), "operating_hours": round(hours, 1),
                    "load_factor": round(float(draw(0.4, 0.9)), 3),
                    "lab_id": lab if measured else None,
                    "lab_report_no": f"{lab}-{p.year}-{k + 10 * i:04d}" if measured else None,
                    "sample_date": sample, "test_date": test, "report_date": report,
                    "submitted_at": submitted.strftime("%Y-%m-%d %H:%M:%S"),
                    "reported_emissions_t": None})
    units_df = pd.DataFrame(units, columns=["unit_id", "enterprise_id", "unit_class", "capacity_mw",
                                            "commissioning_year", "cooling", "chp"])
    monthly = pd.DataFrame(rows, columns=list(rows[0]) if rows else ["unit_id"])
    if spec.reported_emissions and len(monthly):
        monthly["reported_emissions_t"] = (monthly.fuel_consumed * monthly.ncv * monthly.carbon_content
                                           * monthly.oxidation_rate * 44 / 12).round(3)
    out = {"agencies": pd.DataFrame(agencies, columns=["agency_id", "name", "kind", "province_code", "accreditation"]),
           "enterprises": enterprises, "units": units_df, "monthly_reports": monthly}
    emitted = (monthly.merge(units_df[["unit_id", "enterprise_id"]]).assign(year=lambda d: d.period.str[:4].astype(int))
               .assign(t=lambda d: d.fuel_consumed * d.ncv * d.carbon_content * d.oxidation_rate * 44 / 12)
               .groupby(["enterprise_id", "year"]).t.sum().reset_index()) if len(monthly) else pd.DataFrame(
        columns=["enterprise_id", "year", "t"])
    n_verified = int(round(spec.verified * len(ents)))
    ver = emitted[emitted.enterprise_id.isin(ents[:n_verified])]
    if len(ver):
        out["verifications"] = pd.DataFrame({
            "enterprise_id": ver.enterprise_id, "year": ver.year, "reported_t": ver.t.round(1),
            "verified_t": (ver.t * (1 if const else rng.uniform(0.9, 1.05, len(ver)))).round(1),
            "verifier_id": "V1", "conclusion": ["fail" if not const and rng.random() < 0.1 else "pass" for _ in range(len(ver))],
            "verified_at": [f"{y + 1}-04-30" for y in ver.year]})
    if spec.allocations and len(emitted):
        out["allocations"] = pd.DataFrame({"enterprise_id": emitted.enterprise_id, "year": emitted.year,
                                           "allocated_t": (emitted.t * 0.95).round(1)})
    if spec.compliance and len(emitted):
        out["compliance"] = pd.DataFrame({"enterprise_id": emitted.enterprise_id, "year": emitted.year,
                                          "surrendered_t": emitted.t.round(1),
                                          "due_date": [f"{y + 1}-12-31" for y in emitted.year],
                                          "surrendered_at": [f"{y + 1}-12-20" if i % 3 else None
                                                             for i, y in enumerate(emitted.year)]})
    if spec.trades:
        accounts = [(f"A{e}", e, f"Plant {e}", "entity", "2021-01-04") for e in ents]
        accounts += [("AI1", None, "Fund One", "institution", "2021-01-04"), ("AP1", None, "Person", "individual", None)]
        out["accounts"] = pd.DataFrame(accounts, columns=["account_id", "enterprise_id", "holder_name", "kind", "opened_at"])
        ids = [a[0] for a in accounts]
        t_rows = []
        for n in range(spec.trades):
            b, s = (0, 1) if const else rng.choice(len(ids), 2, replace=False)
            day = periods[0] + dt.timedelta(days=int(draw(0, max(28 * spec.months - 1, 1))))
            vol = float(draw(1000, 200000))
            t_rows.append((f"T{n:04d}", f"{day} 10:{n % 60:02d}:00", "block" if vol >= 100000 else "listing",
                           ids[b], ids[s], round(vol, 1), round(float(draw(40, 110)), 2), f"CEA{day.year - 1}"))
        out["trades"] = pd.DataFrame(t_rows, columns=["trade_id", "ts", "method", "buyer_account", "seller_account",
                                                      "volume_t", "price_cny", "vintage"])
    if spec.market != "absent":
        days = pd.bdate_range(periods[0], _month_end(periods[-1]))
        if spec.market == "partial":
            days = days[: max(1, len(days) // 3)]
        close = draw(50, 90, len(days))
        out["market_daily"] = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "open": close, "high": close + 1,
                                            "low": close - 1, "close": close, "volume_t": 10000.0,
                                            "amount_cny": (close * 10000).round(2)})
    if spec.labels and len(ents):
        out["case_labels"] = pd.DataFrame({"enterprise_id": ents[:2], "period": [str(years[0]), periods[0].strftime("%Y-%m")][: min(2, len(ents))],
                                           "pattern": "late deposits",
                                           "outcome": ["confirmed", "dismissed"][: min(2, len(ents))]})
    if not spec.optional_columns:
        from core.contract import schema
        for name, df in out.items():
            t = schema.TABLE_BY_NAME[name]
            keep = [c.name for c in t.columns if c.required or c.name in t.key or (name, c.name) in CONDITIONAL]
            out[name] = df[[c for c in df.columns if c in keep]]
    return out


def write(spec: Spec, folder: Path) -> Path:
    """The spec's tables as `<table>.csv` files (UTF-8, header row, empty cells for NULL)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables(spec).items():
        df.to_csv(folder / f"{name}.csv", index=False)
    return folder


folders = specs
