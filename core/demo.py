"""The national demo: contract files calibrated on real figures, with labelled irregularities.

`write(out, scale, seed)` writes one file per contract table; the CLI then loads
them through the loader, so the demo enters the database the way real deposits do.

What is real and what is synthetic (details in data/README.md):
- real: the number of key emitters per province (MEE lists), plant capacities, fuels,
  coordinates and parent groups (WRI Global Power Plant Database), the CEA daily
  market series, national covered emissions per year and the measured share of carbon
  content (domain.md §2, §4), allocation benchmarks (data/reference/allocation_benchmarks.csv);
- synthetic: enterprise, agency and account names and ids, every monthly value (drawn
  from the physical ranges of domain.md §3), every individual trade, and the injected
  irregularities, which are recorded only in `case_labels`.

Seeds: everything is drawn from one seed, so the same seed gives the same files. The seed is the
entropy of one `numpy.random.SeedSequence`, which spawns one child per named stream in `STREAMS`
(child k is `SeedSequence(seed, spawn_key=(k,))`, the same as `SeedSequence(seed).spawn(...)[k]`);
each component - enterprises, units, agencies, monthly noise, lab dates, deposits, verification,
compliance, accounts, trades, and each injector - draws from its own generator only. Drawing more or
less in one stream leaves the others' draws as they were, and a new stream is appended to STREAMS
(never inserted), so adding one shifts nothing.

Injected irregularities: `INJECTORS` is the table of planted patterns, one `Injector` per
`case_labels.pattern` value with the document that describes it (domain.md, data/README.md), the
number of enterprises it plants at scale 1 and the function that plants it. `generate` runs them in
order on a `Plan` (the honest draws they may alter and the markers the later steps read) before the
activity is calibrated, so the national totals include the planted changes.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.contract import mrv, schema
from core.store import files

FIRST_PERIOD, LAST_PERIOD = "2019-01", "2025-12"
YEARS = list(range(2019, 2026))
# The demo's "today": the last day of the real market series it ships with, so that
# compliance still open at that date stays open, whatever day the demo is built.
AS_OF = dt.date(2026, 8, 19)
BASE_ENTERPRISES = 2200
SMALL_PLANT_SHARE = 0.55  # about 2,162-2,257 power entities per cycle (domain.md §4)
LIST_YEARS = (2022, 2023)  # the key-emitter lists that cover power only

NORTHERN_HEATING_GRIDS = {"north", "northeast", "northwest"}
DRY_PROVINCES = {"14", "15", "61", "62", "63", "64", "65", "66"}  # air cooling common
GANGUE_PROVINCES = {"14", "15", "52", "61", "64", "65", "66"}  # coal gangue / CFB units common

# Seasonal shape of thermal output (domain.md §3.2: peaks Jul-Aug and Dec-Jan, Feb dip).
SEASON = np.array([1.10, 0.82, 0.95, 0.90, 0.93, 1.00, 1.12, 1.14, 1.00, 0.92, 0.98, 1.12])
SEASON = SEASON / SEASON.mean()

COAL_SIZES = np.array([1000, 660, 600, 350, 330, 300, 200, 135, 100, 50, 25], dtype=float)
GAS_SIZES = np.array([460, 390, 180, 100, 50], dtype=float)

GROUP_PATTERNS = [
    (r"huaneng", "China Huaneng Group"),
    (r"datang", "China Datang Corporation"),
    (r"huadian", "China Huadian Corporation"),
    (r"shenhua|guodian|guohua|china energy", "China Energy Investment Corporation"),
    (r"\bspic\b|state power investment|\bcpi\b|china power", "State Power Investment Corporation"),
    (r"china resources|cr power", "China Resources Power"),
    (r"\bsdic\b", "SDIC Power Holdings"),
    (r"zhejiang energy|zheneng", "Zhejiang Provincial Energy Group"),
    (r"guangdong|yudean", "Guangdong Energy Group"),
    (r"beijing energy|jingneng", "Beijing Energy Holding"),
    (r"shenergy", "Shenergy Group"),
    (r"weiqiao", "Shandong Weiqiao Pioneering Group"),
]

SYLLABLES = (
    "an bai bao cheng da de feng fu guang hai han heng hong hua jia jin jing kai kang le li long "
    "ming nan ning peng qi qing rui sheng shun tai tian tong wan wei xiang xin xing yao yi yong "
    "yuan yue zhen zhi zhong"
).split()

# The named random streams, in spawn order: child k of SeedSequence(seed) feeds STREAMS[k]. Append
# new streams at the end (an insertion would shift every later stream).
STREAMS = (
    "enterprises", "units", "agencies", "assign", "measured", "monthly-noise", "labdates", "deposits",
    "verification", "compliance", "accounts", "trades", "dismissed",
    "inject:batch_testing", "inject:carbon_shading", "inject:copied_values", "inject:coal_understated",
    "inject:invented_moisture", "inject:intermediary_ring", "inject:verifier_gap", "inject:late_deposit",
    "inject:missing_deposit", "inject:trade_round_trip", "inject:off_market_block", "inject:trade_cycle",
    "inject:close_marking", "inject:deadline_dump",
)


class _Ctx:
    """Shared state of one generation run."""

    def __init__(self, scale: float, seed: int):
        if not (0 < scale <= 50):
            raise ValueError("scale must be in (0, 50]")
        self.scale = scale
        self.seed = seed
        self._streams = dict(zip(STREAMS, np.random.SeedSequence(seed).spawn(len(STREAMS))))
        self.periods = pd.period_range(FIRST_PERIOD, LAST_PERIOD, freq="M")
        self.T = len(self.periods)
        self.p_year = self.periods.year.to_numpy()
        self.p_month = self.periods.month.to_numpy()
        self.p_days = self.periods.days_in_month.to_numpy()
        self.p_start = self.periods.to_timestamp().to_numpy().astype("datetime64[D]")
        self.p_end = self.p_start + (self.p_days - 1).astype("timedelta64[D]")

    def rng(self, name: str) -> np.random.Generator:
        """The generator of a named stream (STREAMS), from its start: an independent stream per
        component, so changing one part does not reshuffle the others."""
        if name not in self._streams:
            raise KeyError(f"unknown random stream {name!r}: add it at the end of demo.STREAMS")
        return np.random.default_rng(self._streams[name])

    def n(self, base: float) -> int:
        return max(1, int(round(base * self.scale)))


# ---------------------------------------------------------------- reference data

def _provinces() -> pd.DataFrame:
    cols = ["code", "adcode", "name_zh", "name_en", "abbr_zh", "grid_region", "tile_row", "tile_col"]
    return pd.DataFrame(schema.province_rows(), columns=cols)


def _province_counts(n_total: int, prov: pd.DataFrame) -> pd.Series:
    """Enterprises per province in proportion to the MEE key-emitter lists (largest remainder)."""
    lists = pd.read_csv(schema.REFERENCE_DIR / "cets_key_emitters_by_province_year.csv")
    code_of = dict(zip(prov.name_zh, prov.code))
    lists = lists[lists.year.isin(LIST_YEARS) & lists.province.isin(code_of)]
    lists = lists.assign(code=lists.province.map(code_of))
    share = (lists.pivot_table(index="code", columns="year", values="uniqueEntities", aggfunc="sum")
             .fillna(0))
    share = (share / share.sum()).mean(axis=1).reindex(prov.code, fill_value=0.0)
    raw = share / share.sum() * n_total
    counts = np.floor(raw).astype(int)
    rest = n_total - counts.sum()
    counts[(raw - counts).sort_values(ascending=False).index[:rest]] += 1
    return counts[counts > 0]


def _plants() -> pd.DataFrame:
    p = pd.read_csv(schema.REFERENCE_DIR / "china_power_plants_coal_gas_wri.csv")
    p = p[~p.operational_status.isin(["Shutdown", "Under Construction"])].copy()
    p["code"] = p.province_adcode.astype(str).str[:2]
    owner = p.owner.fillna("").str.lower()
    p["group_name"] = None
    for pattern, group in reversed(GROUP_PATTERNS):
        p.loc[owner.str.contains(pattern, regex=True), "group_name"] = group
    return p.reset_index(drop=True)


def _name(rng: np.random.Generator, n: int) -> np.ndarray:
    a = rng.choice(SYLLABLES, n)
    b = rng.choice(SYLLABLES, n)
    return np.char.add(np.char.capitalize(a.astype(str)), b.astype(str))


# ---------------------------------------------------------------- enterprises and units

def _enterprises(ctx: _Ctx, prov: pd.DataFrame) -> pd.DataFrame:
    rng = ctx.rng("enterprises")
    counts = _province_counts(int(round(BASE_ENTERPRISES * ctx.scale)), prov)
    plants = _plants()
    national = plants.index.to_numpy()
    rows = []
    for code, k in counts.items():
        pool = plants.index[plants.code == ("65" if code == "66" else code)].to_numpy()
        if len(pool) == 0:
            pool = national
        rows.append(pd.DataFrame({"province_code": code, "plant": rng.choice(pool, k)}))
    ent = pd.concat(rows, ignore_index=True)
    src = plants.loc[ent.plant]
    n = len(ent)
    ent["fuel"] = src.fuel.to_numpy()
    # The covered list mixes utility plants (sizes as in WRI) with small CHP and captive
    # plants that the WRI list (mostly >= 30 MW utility stations) under-represents.
    small = rng.random(n) < SMALL_PLANT_SHARE
    small_cap = np.clip(rng.lognormal(np.log(150), 0.7, n), 25, 600)
    ent["raw_capacity"] = np.where(small, small_cap, src.capacity_mw.to_numpy() * rng.lognormal(0, 0.2, n))
    ent["commissioning"] = src.commissioning_year.fillna(0).to_numpy()
    ent["latitude"] = np.round(src.latitude.to_numpy() + rng.normal(0, 0.05, n), 4)
    ent["longitude"] = np.round(src.longitude.to_numpy() + rng.normal(0, 0.05, n), 4)
    ent["group_name"] = src.group_name.to_numpy()
    pname = prov.set_index("code").name_en
    kind = np.where(ent.fuel == "gas", "Gas Power Co., Ltd.",
                    rng.choice(["Power Generation Co., Ltd.", "Thermal Power Co., Ltd.",
                                "Cogeneration Co., Ltd.", "Energy Co., Ltd."], n))
    ent["name"] = [f"{pname[c]} {s} {k}" for c, s, k in zip(ent.province_code, _name(rng, n), kind)]
    # Unified-social-credit-like ids: 91 + province + sequence + random tail (synthetic).
    tail = rng.integers(10**8, 10**9, n)
    ent["enterprise_id"] = [f"91{c}{i:05d}{t}X" for i, (c, t) in enumerate(zip(ent.province_code, tail))]
    ent["grid_region"] = ent.province_code.map(prov.set_index("code").grid_region)
    return ent


def _nearest(sizes: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The standard unit size closest to each target (on a log scale)."""
    return sizes[np.abs(np.log(sizes)[None, :] - np.log(target)[:, None]).argmin(1)]


def _units(ctx: _Ctx, ent: pd.DataFrame) -> pd.DataFrame:
    rng = ctx.rng("units")
    n_ent = len(ent)
    # Calibrate plant size so that national emissions at typical utilisation match the
    # published covered emissions; the yearly residual is corrected on hours later.
    expected_intensity = np.where(ent.fuel == "gas", 0.37 * 2700, 0.88 * 4400)  # tCO2 per MW-year
    factor = mrv.NATIONAL_EMISSIONS_T[2019] * ctx.scale / float((ent.raw_capacity * expected_intensity).sum())
    cap = ent.raw_capacity.to_numpy() * factor
    gas = ent.fuel.to_numpy() == "gas"
    sizes = np.where(gas, _nearest(GAS_SIZES, cap / rng.integers(1, 4, n_ent)), np.select(
        [cap >= 1200, cap >= 500],
        [rng.choice([1000, 660, 600], n_ent, p=[0.3, 0.4, 0.3]), rng.choice([660, 600, 350, 300], n_ent)],
        _nearest(COAL_SIZES[COAL_SIZES <= 350], cap / rng.integers(1, 5, n_ent))))
    n_units = np.clip(np.round(cap / sizes), 1, 6).astype(int)
    e_idx = np.repeat(np.arange(n_ent), n_units)
    size = sizes[e_idx]
    u = pd.DataFrame({"e": e_idx, "capacity_mw": size})
    u["enterprise_id"] = ent.enterprise_id.to_numpy()[e_idx]
    u["unit_id"] = [f"{eid}-U{k + 1}" for eid, k in
                    zip(u.enterprise_id, u.groupby("e").cumcount())]
    code = ent.province_code.to_numpy()[e_idx]
    is_gas = gas[e_idx]
    unconv_p = np.where(np.isin(code, list(GANGUE_PROVINCES)), 0.30, 0.10)
    ent_unconv = rng.random(n_ent) < unconv_p[np.unique(e_idx, return_index=True)[1]]
    cls = np.where(is_gas, "gas",
                   np.where(size >= 600, "coal_above_300mw",
                            np.where(ent_unconv[e_idx], "coal_unconventional", "coal_300mw_below")))
    u["unit_class"] = cls
    n = len(u)
    air = rng.random(n_ent) < np.where(np.isin(ent.province_code, list(DRY_PROVINCES)), 0.55, 0.05)
    u["cooling"] = np.where(air[e_idx], "air", "water")
    chp_p = np.where(is_gas, 0.3, np.where(size < 300, 0.8, np.where(size < 600, 0.6, 0.12)))
    u["chp"] = rng.random(n) < chp_p
    base_year = ent.commissioning.to_numpy()[e_idx]
    base_year = np.where(base_year > 0, base_year, rng.integers(1995, 2019, n))
    u["commissioning_year"] = np.clip(base_year + rng.integers(-2, 3, n), 1980, 2022).astype(int)
    # Physical parameters of each unit (domain.md §3.2), kept for the monthly draw.
    rate = np.select(
        [cls == "coal_unconventional", size >= 1000, size >= 600, size >= 300],
        [rng.uniform(320, 360, n), rng.uniform(270, 285, n), rng.uniform(285, 305, n), rng.uniform(305, 325, n)],
        rng.uniform(320, 370, n),
    ) + np.where(u.cooling == "air", 8.0, 0.0)
    u["coal_rate"] = np.where(is_gas, 0.0, rate)
    u["heat_rate"] = np.where(is_gas, rng.uniform(6.3, 7.2, n), 0.0)  # GJ per MWh supplied
    u["aux"] = np.select(
        [is_gas, cls == "coal_above_300mw", cls == "coal_unconventional", size >= 300],
        [rng.uniform(0.02, 0.03, n), rng.uniform(0.035, 0.055, n), rng.uniform(0.07, 0.10, n),
         rng.uniform(0.05, 0.07, n)],
        rng.uniform(0.07, 0.10, n),
    )
    hours = np.select([is_gas, cls == "coal_above_300mw", cls == "coal_unconventional"],
                      [rng.normal(2700, 450, n), rng.normal(4500, 500, n), rng.normal(4700, 500, n)],
                      rng.normal(4300, 550, n)) + np.where(u.chp & ~is_gas, 400, 0)
    u["eq_hours"] = np.clip(hours, 1500, 6500)
    u["lf"] = rng.uniform(0.55, 0.80, n)
    u["heating"] = ent.grid_region.to_numpy()[e_idx]
    u["heating"] = u.heating.isin(NORTHERN_HEATING_GRIDS) | np.isin(code, ["41", "37"])
    u["wet_south"] = np.isin(ent.grid_region.to_numpy()[e_idx], ["south", "southwest"])
    return u


# ---------------------------------------------------------------- monthly physics

def _noise(ctx: _Ctx, U: int, E: int) -> dict:
    r = ctx.rng("monthly-noise")
    T = ctx.T
    return {
        "hours": r.lognormal(0, 0.08, (U, T)),
        "lf": r.normal(0, 0.04, (U, T)),
        "outage": r.random((U, T)),
        "outage_h": r.uniform(0, 200, (U, T)),
        "rate": r.normal(0, 0.012, (U, T)),
        "heat": r.uniform(0.8, 1.2, (U, T)),
        "boiler": r.uniform(0.88, 0.92, U),
        "ncv_mu": r.uniform(19.4, 22.6, E),
        "mt_mu": r.uniform(9, 18, E),
        "mt": r.normal(0, 1.2, (E, T)),
        "ncvd": r.normal(1, 0.012, (E, T)),
        "ccd_mu": r.uniform(0.0252, 0.0273, E),
        "ccd": r.normal(1, 0.005, (E, T)),
        "mad": r.uniform(1.0, 7.5, (E, T)),
        "h": r.uniform(2.6, 3.9, (E, T)),
        "s_mu": r.uniform(0.4, 1.4, E),
        "s": r.normal(0, 0.05, (E, T)),
        "gas_ncv": r.normal(1, 0.004, (U, T)),
    }


def _activity(ctx: _Ctx, u: pd.DataFrame, nz: dict, year_mult: np.ndarray) -> dict:
    """Hours, generation, supply and heat per unit-month for given yearly output multipliers."""
    season = SEASON[ctx.p_month - 1][None, :] * np.where(
        u.wet_south.to_numpy()[:, None] & np.isin(ctx.p_month, [6, 7, 8, 9])[None, :], 0.9, 1.0)
    yi = ctx.p_year - YEARS[0]
    eq = (u.eq_hours.to_numpy()[:, None] / 12.0) * season * year_mult[yi][None, :] * nz["hours"]
    lf = np.clip(u.lf.to_numpy()[:, None] + nz["lf"], 0.35, 0.95)
    hours = eq / lf
    max_h = (24 * ctx.p_days)[None, :].astype(float)
    hours = np.minimum(hours, max_h * 0.98)
    # About one planned outage month every two years.
    outage = nz["outage"] < 1 / 24
    hours = np.where(outage, np.minimum(nz["outage_h"], hours), hours)
    gen = u.capacity_mw.to_numpy()[:, None] * hours * lf
    supply = gen * (1 - u.aux.to_numpy()[:, None])
    heating_month = np.isin(ctx.p_month, [11, 12, 1, 2, 3])[None, :]
    heat_ratio = np.where(u.heating.to_numpy()[:, None] & heating_month, 3.0,
                          np.where(u.heating.to_numpy()[:, None], 0.4, 0.8))  # GJ heat per MWh supplied
    heat = np.where(u.chp.to_numpy()[:, None], supply * heat_ratio * nz["heat"], 0.0)
    return {"hours": hours, "lf": lf, "gen": gen, "supply": supply, "heat": heat}


def _coal_quality(ctx: _Ctx, nz: dict, E: int) -> dict:
    """Plant-level monthly coal quality (one composite sample per plant and month).

    Dry-basis carbon per unit heat is a property of the coal; as-received values follow
    from the total moisture: C_ar = C_d (1 - M_t), NCV_ar = NCV_d (1 - M_t) - 0.02443 M_t."""
    summer = np.isin(ctx.p_month, [6, 7, 8])[None, :] * 1.0
    mt = np.clip(nz["mt_mu"][:, None] + nz["mt"] + summer, 5, 25)
    ncv_d = ((nz["ncv_mu"] + 0.02443 * nz["mt_mu"]) / (1 - nz["mt_mu"] / 100))[:, None] * nz["ncvd"]
    cc_d = nz["ccd_mu"][:, None] * nz["ccd"]
    c_d = cc_d * ncv_d * 100  # % carbon, dry
    return {"mt": mt, "ncv_d": ncv_d, "c_d": c_d,
            "mad": np.minimum(nz["mad"], mt - 1.0), "h": nz["h"],
            "s": np.clip(nz["s_mu"][:, None] + nz["s"], 0.2, 2.0)}


def _as_received(q: dict, mt: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ncv_ar = q["ncv_d"] * (1 - mt / 100) - 0.02443 * mt
    c_ar = q["c_d"] * (1 - mt / 100)
    return ncv_ar, c_ar, c_ar / 100 / ncv_ar


# ---------------------------------------------------------------- agencies

def _agencies(ctx: _Ctx, ent: pd.DataFrame, prov: pd.DataFrame) -> pd.DataFrame:
    rng = ctx.rng("agencies")
    per_prov = ent.province_code.value_counts()
    rows = []
    pname = prov.set_index("code").name_en
    specs = [("lab", 18, "LAB", "Coal Testing Technology Co., Ltd."),
             ("consultant", 30, "CON", "Carbon Asset Consulting Co., Ltd."),
             ("verifier", 45, "VER", "Low-Carbon Verification Center Co., Ltd.")]
    for kind, clients_per, prefix, suffix in specs:
        k = 0
        for code, n in per_prov.items():
            for _ in range(max(1, int(round(n / clients_per)))):
                k += 1
                rows.append({"agency_id": f"{prefix}{k:04d}", "kind": kind, "province_code": code,
                             "name": f"{pname[code]} {_name(rng, 1)[0]} {suffix}"})
    ag = pd.DataFrame(rows)
    acc = rng.choice(["CMA", "CNAS", "CMA+CNAS"], len(ag), p=[0.45, 0.1, 0.45])
    ag["accreditation"] = np.where(ag.kind == "lab", acc, None)
    return ag


def _assign(rng: np.random.Generator, ent: pd.DataFrame, ag: pd.DataFrame, kind: str, local: float) -> np.ndarray:
    """Each enterprise's agency of a kind: mostly one from its own province."""
    pool = ag[ag.kind == kind]
    by_prov = {c: g.agency_id.to_numpy() for c, g in pool.groupby("province_code")}
    all_ids = pool.agency_id.to_numpy()
    out = np.empty(len(ent), dtype=object)
    for i, code in enumerate(ent.province_code):
        cands = by_prov.get(code)
        out[i] = rng.choice(cands) if cands is not None and rng.random() < local else rng.choice(all_ids)
    return out


# ---------------------------------------------------------------- irregularities

def _pick(rng, pool: np.ndarray, k: int, taken: set) -> list[int]:
    cands = [int(i) for i in pool if int(i) not in taken]
    chosen = list(rng.choice(cands, min(k, len(cands)), replace=False)) if cands else []
    taken.update(chosen)
    return [int(c) for c in chosen]


def _months_of(ctx: _Ctx, year: int, rng, min_len=6, max_len=12) -> np.ndarray:
    idx = np.flatnonzero(ctx.p_year == year)
    length = int(rng.integers(min_len, max_len + 1))
    start = int(rng.integers(0, 12 - length + 1))
    return idx[start:start + length]


@dataclass
class Plan:
    """What the injectors work on: the honest draws they may alter (which months are measured, the
    lab of each month, the reported moisture, ...) and the markers the later steps read (batch
    tests, verifier gaps, late and missing deposits, planted trades). Only the injectors change it;
    `taken` keeps each enterprise in at most one pattern."""

    ctx: _Ctx
    ent: pd.DataFrame
    e_of_u: np.ndarray  # enterprise of each unit
    coal: np.ndarray  # indices of the coal enterprises
    lab: np.ndarray  # each enterprise's usual lab
    lab_et: np.ndarray  # lab per enterprise-month
    measured_et: np.ndarray  # measured (not default) carbon content per enterprise-month
    q: dict  # the true coal quality (_coal_quality)
    acc_ids: np.ndarray  # each enterprise's trading account
    market: pd.DataFrame  # the real CEA daily series (market_raw)
    taken: set = field(default_factory=set)
    batch: dict = field(default_factory=dict)  # enterprise -> (year, months) tested in one batch
    ring_batch: list = field(default_factory=list)  # the ring lab's batch clients (one run)
    verifier_gap: dict = field(default_factory=dict)  # enterprise -> year
    late: dict = field(default_factory=dict)  # enterprise -> months deposited late
    missing: dict = field(default_factory=dict)  # enterprise -> months never deposited
    planted: dict = field(default_factory=dict)  # market day -> [(volume, price, buyer, seller)] block
    planted_listing: dict = field(default_factory=dict)  # day -> [(volume, price, buyer, seller, secs)]
    quiet: dict = field(default_factory=dict)  # enterprise -> (first, last day): no background trades

    def __post_init__(self):
        E, T = self.measured_et.shape
        self.mt_rep = self.q["mt"].copy()  # reported total moisture (may be invented)
        self.fuel_mult = np.ones((len(self.e_of_u), T))  # reported / true coal per unit-month
        self.cc_override = np.full((E, T), np.nan)  # reported carbon content, where shaded
        self.copy_from = np.full((E, T), -1)  # lab values copied from this flattened (enterprise, month)
        m = self.market
        self.block_days = np.flatnonzero((m.block_volume_t >= 500_000).to_numpy()
                                         & (m.date >= "2022-01-01").to_numpy())

    def free_block_days(self) -> list[int]:
        """Block days without a planted trade yet: one planted block trade per day, so that each fits
        in its day's real block volume."""
        return [int(d) for d in self.block_days if int(d) not in self.planted]


# Each injector plants its pattern on `n` enterprises (the injector's count at scale 1 times the
# scale, at least one; patterns planted on pairs or trios plant n/2 or n/3 of them) and returns the
# cases as (enterprise index, period); `generate` labels them with the injector's label.

def _batch_testing(p: Plan, rng, n: int) -> list[tuple[int, str]]:
    """(a) A year's coal tested in one batch after the year and reported as twelve monthly tests;
    the one test date and the consecutive report numbers are set in _lab_dates."""
    cases = []
    for e in _pick(rng, p.coal, n, p.taken):
        y = int(rng.choice([2019, 2020, 2021], p=[0.35, 0.35, 0.3]))
        months = np.flatnonzero(p.ctx.p_year == y)
        p.measured_et[e, months] = True
        p.batch[e] = (y, months)
        cases.append((e, str(y)))
    return cases


def _carbon_shading(p: Plan, rng, n: int) -> list[tuple[int, str]]:
    """(b) 6-12 months of measured carbon content at 0.0238-0.0253 tC/GJ, just below the plausible
    band (C_ar is made consistent in _fuel_and_emissions)."""
    cases = []
    for e in _pick(rng, p.coal, n, p.taken):
        y = int(rng.integers(2019, 2025))
        m = _months_of(p.ctx, y, rng)
        p.measured_et[e, m] = True
        p.cc_override[e, m] = rng.uniform(0.0238, 0.0253, len(m))
        cases.append((e, str(y)))
    return cases


def _copied_values(p: Plan, rng, n: int) -> list[tuple[int, str]]:
    """(c) Lab results identical to an earlier month for 4-8 months; and, once per eight cases (at
    least once), two clients of one lab reporting a third client's results for 6-9 months."""
    ctx, T = p.ctx, p.ctx.T
    trios = max(1, round(n / 8))
    cases = []
    for e in _pick(rng, p.coal, max(1, n - 3 * trios), p.taken):
        y = int(rng.integers(2019, 2025))
        m = _months_of(ctx, y, rng, 4, 8)
        m = m[m > 0]
        p.measured_et[e, m[0] - 1:m[-1] + 1] = True
        p.copy_from[e, m] = e * T + (m[0] - 1)
        cases.append((e, str(y)))
    for _ in range(trios):
        free = pd.Series([e for e in p.coal if e not in p.taken], dtype=int)
        by_lab = free.groupby(p.lab[free.to_numpy()]).filter(lambda s: len(s) >= 3)
        if by_lab.empty:
            break
        labs = p.lab[by_lab.to_numpy()]
        the_lab = rng.choice(np.unique(labs))
        trio = _pick(rng, by_lab.to_numpy()[labs == the_lab], 3, p.taken)
        y = int(rng.integers(2019, 2025))
        m = _months_of(ctx, y, rng, 6, 9)
        for e in trio:
            p.measured_et[e, m] = True
            p.lab_et[e, m] = the_lab
        for e in trio[1:]:
            p.copy_from[e, m] = trio[0] * T + m
        cases += [(e, str(y)) for e in trio]
    return cases


def _coal_understated(p: Plan, rng, n: int) -> list[tuple[int, str]]:
    """(d) 6-12 months of coal consumption cut by 15-28 % against unchanged generation."""
    cases = []
    for e in _pick(rng, p.coal, n, p.taken):
        y = int(rng.integers(2019, 2026))
        m = _months_of(p.ctx, y, rng)
        rows = np.flatnonzero(p.e_of_u == e)
        p.fuel_mult[np.ix_(rows, m)] = rng.uniform(0.72, 0.85)
        cases.append((e, str(y)))
    return cases


def _invented_moisture(p: Plan, rng, n: int) -> list[tuple[int, str]]:
    """(e) Total moisture raised by 5-9 points for the carbon conversion only: C_ar and CC fall while
    NCV stays on the true moisture (_fuel_and_emissions)."""
    cases = []
    for e in _pick(rng, p.coal, n, p.taken):
        y = int(rng.integers(2019, 2025))
        m = _months_of(p.ctx, y, rng)
        p.measured_et[e, m] = True
        p.mt_rep[e, m] = p.q["mt"][e, m] + rng.uniform(5, 9)
        cases.append((e, str(y)))
    return cases


def _intermediary_ring(p: Plan, rng, n: int) -> list[tuple[int, str]]:
    """(g) The lab with most coal clients batch-tests several of them in one run (one date, one block
    of consecutive numbers across clients); the consultant with most coal clients invents moisture for
    several of them in one year. Six of every eleven cases are the lab's, the rest the consultant's,
    at least two each. A ring of one client would not be a ring: when the largest agency has fewer
    than two clients left that are in no other pattern, the next largest plants it."""
    ctx, ent = p.ctx, p.ent
    coal = np.zeros(len(ent), dtype=bool)
    coal[p.coal] = True

    def largest(agency_of: np.ndarray) -> tuple[object, np.ndarray] | None:
        """The agency with most coal clients that has two free ones, and its free clients."""
        free = coal & ~np.isin(np.arange(len(ent)), list(p.taken))
        for agency in pd.Series(agency_of[coal]).value_counts().index:
            clients = np.flatnonzero((agency_of == agency) & free)
            if len(clients) >= 2:
                return agency, clients
        return None

    n_lab = max(2, round(n * 6 / 11))
    cases = []
    ring = largest(p.lab)
    if ring is not None:
        ring_lab, clients = ring
        y = int(rng.choice([2020, 2021]))
        year = ctx.p_year == y
        for e in _pick(rng, clients, n_lab, p.taken):
            p.measured_et[e, year] = True
            p.lab_et[e, year] = ring_lab
            p.batch[e] = (y, np.flatnonzero(year))
            p.ring_batch.append(e)
            cases.append((e, str(y)))
    ring = largest(ent.consultant_id.to_numpy())
    if ring is not None:
        _, clients = ring
        y = int(rng.choice([2019, 2020, 2021]))
        for e in _pick(rng, clients, max(2, n - n_lab), p.taken):
            m = _months_of(ctx, y, rng, 8, 12)
            p.measured_et[e, m] = True
            p.mt_rep[e, m] = p.q["mt"][e, m] + rng.uniform(5, 9)
            cases.append((e, str(y)))
    return cases


def _verifier_gap(p: Plan, rng, n: int) -> list[tuple[int, str]]:
    """(f) An annual report 9-16 % below the sum of the monthly deposits, verified unchanged with a
    pass by one of two lax verifiers (applied in _verifications)."""
    gap = {e: int(rng.integers(2019, 2025)) for e in _pick(rng, p.coal, n, p.taken)}
    p.verifier_gap.update(gap)
    return [(e, str(y)) for e, y in gap.items()]


def _late_deposit(p: Plan, rng, n: int) -> list[tuple[int, str]]:
    """(i) 3-6 months (2022 on) deposited 30-200 days after the 40-day deadline (_submissions)."""
    cases = []
    for e in _pick(rng, np.arange(len(p.ent)), n, p.taken):
        m = _months_of(p.ctx, int(rng.integers(2022, 2026)), rng, 3, 6)
        p.late[e] = m
        cases += [(e, str(p.ctx.periods[t])) for t in m]
    return cases


def _missing_deposit(p: Plan, rng, n: int) -> list[tuple[int, str]]:
    """(i) Three months (2022 on) never deposited, although the annual report counts them. The gap
    lies inside the enterprise's deposits (the data's last month is deposited): a gap at the very end
    could not be told from data that end there."""
    cases = []
    for e in _pick(rng, np.arange(len(p.ent)), n, p.taken):
        m = _months_of(p.ctx, int(rng.integers(2022, 2026)), rng, 3, 3)
        m = m - 1 if m[-1] == p.ctx.T - 1 else m
        p.missing[e] = m
        cases += [(e, str(p.ctx.periods[t])) for t in m]
    return cases


def _group_pairs(p: Plan, rng) -> list[list[int]]:
    """The free members of each group with at least two free members, in random order."""
    groups = [[int(i) for i in idx if int(i) not in p.taken] for idx in p.ent.groupby("group_name").indices.values()]
    groups = [g for g in groups if len(g) >= 2]
    rng.shuffle(groups)
    return groups


def _trade_round_trip(p: Plan, rng, n: int) -> list[tuple[int, str]]:
    """(h) A block trade between two enterprises of one group and the reverse trade at a similar volume
    (±3 %) and price (the day's block VWAP ±1 %) within five trading days."""
    m = p.market
    vol_of = m.block_volume_t.to_numpy()
    cases = []
    for members in _group_pairs(p, rng)[: max(1, round(n / 2))]:
        free = set(p.free_block_days())
        second = {d1: next((d for d in range(d1 + 1, min(d1 + 6, len(m))) if vol_of[d] >= 400_000
                            and d not in p.planted), None) for d1 in sorted(free)}
        starts = [d1 for d1, d2 in second.items() if d2 is not None]
        if not starts:
            break
        a, b = (int(x) for x in rng.choice(members, 2, replace=False))
        p.taken.update((a, b))
        d1 = int(rng.choice(starts))
        d2 = second[d1]
        vol = int(rng.uniform(100_000, 0.4 * min(vol_of[d1], vol_of[d2])))
        v2 = int(vol * rng.uniform(0.97, 1.03))
        p1 = m.block_amount_cny.iat[d1] / vol_of[d1] * rng.uniform(0.99, 1.01)
        p2 = m.block_amount_cny.iat[d2] / vol_of[d2] * rng.uniform(0.99, 1.01)
        p.planted.setdefault(d1, []).append((vol, round(p1, 2), p.acc_ids[b], p.acc_ids[a]))
        p.planted.setdefault(d2, []).append((max(v2, 100_000), round(p2, 2), p.acc_ids[a], p.acc_ids[b]))
        cases += [(e, m.date.iat[d][:7]) for d in (d1, d2) for e in (a, b)]
    return cases


def _off_market_block(p: Plan, rng, n: int) -> list[tuple[int, str]]:
    """(h) A block trade between two enterprises of one group at 24-29 % below the previous close, on a
    day whose block trades are priced within 5 % of that close: off the market on both counts, the
    close and the day's other block trades (at least 20 % below them, as their VWAP only rises when the
    planted trade is carved out). On a day when every block trade went 20 % under the close, a trade
    24 % under it would be the day's market price, not an off-market one."""
    m = p.market
    ref_of = m.prev_close.where(m.prev_close.notna(), m.close).to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        near = np.abs(m.block_amount_cny.to_numpy(float) / m.block_volume_t.to_numpy(float) / ref_of - 1) <= 0.05
    cases = []
    for members in _group_pairs(p, rng)[: max(1, round(n / 2))]:
        free = [d for d in p.free_block_days() if near[d]]
        if not free:
            break
        a, b = (int(x) for x in rng.choice(members, 2, replace=False))
        p.taken.update((a, b))
        d = int(rng.choice(free))
        vol = int(rng.uniform(100_000, 0.3 * m.block_volume_t.iat[d]))
        ref = ref_of[d]
        p.planted.setdefault(d, []).append((vol, round(ref * rng.uniform(0.71, 0.76), 2), p.acc_ids[b], p.acc_ids[a]))
        cases += [(e, m.date.iat[d][:7]) for e in (a, b)]
    return cases


def _trade_cycle(p: Plan, rng, n: int) -> list[tuple[int, str]]:
    """(h) Circular block trades A->B->C->A on three days within a week at volumes within 2 % of
    each other, between three unrelated enterprises: the allowances end where they started, the
    turnover is made up. Each leg is carved out of its day's real block volume (at most 30 %)."""
    m, ent = p.market, p.ent
    dates = pd.to_datetime(m.date).to_numpy().astype("datetime64[D]")
    week = np.timedelta64(6, "D")
    cases = []
    for _ in range(max(1, round(n / 3))):
        free = np.array(p.free_block_days(), dtype=int)
        # days followed by at least two more free block days within six calendar days
        ahead = np.searchsorted(dates[free], dates[free] + week, side="right") - np.arange(1, len(free) + 1)
        starts = free[ahead >= 2]
        trio = _pick(rng, np.arange(len(ent)), 3, p.taken) if len(starts) else []
        if len(trio) < 3:
            break
        d1 = int(rng.choice(starts))
        later = [int(x) for x in free if dates[d1] < dates[x] <= dates[d1] + week]
        d2, d3 = sorted(int(x) for x in rng.choice(later, 2, replace=False))
        days = (d1, d2, d3)
        vol = rng.uniform(100_000, 0.3 * min(m.block_volume_t.iat[d] for d in days))
        for d, (seller, buyer) in zip(days, ((trio[0], trio[1]), (trio[1], trio[2]), (trio[2], trio[0]))):
            price = m.block_amount_cny.iat[d] / m.block_volume_t.iat[d] * rng.uniform(0.99, 1.01)
            p.planted.setdefault(d, []).append((max(100_000, int(vol * rng.uniform(0.98, 1.02))), round(price, 2),
                                                p.acc_ids[buyer], p.acc_ids[seller]))
            cases += [(seller, m.date.iat[d][:7]), (buyer, m.date.iat[d][:7])]
    return cases


MARK_FROM_S = 14 * 3600 + 55 * 60  # the planted closing trades fall between 14:55 and 15:00


def _close_marking(p: Plan, rng, n: int) -> list[tuple[int, str]]:
    """(h) Marking the close: on a thin listing day (30-250 kt, VWAP within 2 % of the previous close)
    one account trades 30-40 % of the day's listing volume in one or two trades after 14:55, priced
    6-8 % away from the day's VWAP (inside the ±10 % limit). The day's total volume and turnover stay
    the real ones, so its VWAP - the close - is the published one; without the late trades it would
    have been a few % lower (or higher). The marker is the buyer when pushing up, the seller when
    pushing down; the counterparty is any other entity."""
    m, ent = p.market, p.ent
    lv, la = m.listing_volume_t.to_numpy(float), m.listing_amount_cny.to_numpy(float)
    prev = m.prev_close.to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        vwap = la / lv
        ok = (lv >= 30_000) & (lv <= 250_000) & (m.date >= "2022-01-01").to_numpy() & (np.abs(vwap / prev - 1) <= 0.02)
    days = [int(d) for d in np.flatnonzero(ok)]
    cases = []
    for _ in range(n):
        days = [d for d in days if d not in p.planted_listing]
        marker = _pick(rng, np.arange(len(ent)), 1, p.taken) if days else []
        if not marker:
            break
        d, e = int(rng.choice(days)), marker[0]
        other = int(rng.choice([i for i in range(len(ent)) if i != e]))
        up = rng.random() < 0.75
        total = min(int(lv[d] * rng.uniform(0.30, 0.40)), 99_999)
        parts = [total] if rng.random() < 0.5 or total < 2_000 else [total // 2, total - total // 2]
        secs = np.sort(rng.integers(MARK_FROM_S, 15 * 3600, len(parts)))
        for v, s in zip(parts, secs):
            move = rng.uniform(0.06, 0.08)
            price = vwap[d] * (1 + move) if up else vwap[d] * (1 - move)
            price = round(min(max(price, prev[d] * 0.9 + 0.01), prev[d] * 1.1 - 0.01), 2)
            buyer, seller = (e, other) if up else (other, e)
            p.planted_listing.setdefault(d, []).append((int(v), price, p.acc_ids[buyer], p.acc_ids[seller], int(s)))
        cases.append((e, m.date.iat[d][:7]))
    return cases


def _deadline_dump(p: Plan, rng, n: int) -> list[tuple[int, str]]:
    """(h) Dumping before a compliance deadline: in the 30 days before one (2023 or later), one
    account sells 50-70 % of the day's block volume on three or four days with at least 1 Mt of block
    trades, slightly below the day's block price, to other entities: far more than its own history -
    it has not traded in the year before (kept out of the background trades from 395 days before the
    deadline to the deadline) - and a large share of the market's window."""
    m, ent = p.market, p.ent
    dates = pd.to_datetime(m.date)
    deadlines = sorted({d for d in mrv.COMPLIANCE_DUE.values() if 2023 <= d.year and d <= AS_OF})
    cases = []
    for _ in range(n):
        windows = {}
        for due in deadlines:
            due = pd.Timestamp(due)
            days = np.flatnonzero(((dates > due - pd.Timedelta(days=30)) & (dates <= due)
                                   & (m.block_volume_t >= 1_000_000)).to_numpy())
            windows[due] = [int(d) for d in days if int(d) not in p.planted]
        usable = [due for due, days in windows.items() if len(days) >= 3]
        # an account in no planted trade so far (not even as a counterparty), kept quiet below
        busy = {acc for trades in (*p.planted.values(), *p.planted_listing.values()) for t in trades for acc in t[2:4]}
        pool = np.array([i for i in range(len(ent)) if p.acc_ids[i] not in busy])
        seller = _pick(rng, pool, 1, p.taken) if usable else []
        if not seller:
            break
        due = usable[int(rng.integers(len(usable)))]
        e, window = seller[0], windows[due]
        p.quiet[e] = ((due - pd.Timedelta(days=395)).strftime("%Y-%m-%d"), due.strftime("%Y-%m-%d"))
        for d in sorted(int(x) for x in rng.choice(window, min(4, len(window)), replace=False)):
            buyer = int(rng.choice([i for i in range(len(ent)) if i != e and i not in p.quiet]))
            price = m.block_amount_cny.iat[d] / m.block_volume_t.iat[d] * rng.uniform(0.97, 0.995)
            vol = int(m.block_volume_t.iat[d] * rng.uniform(0.50, 0.70))
            p.planted.setdefault(d, []).append((vol, round(price, 2), p.acc_ids[buyer], p.acc_ids[e]))
            cases.append((e, m.date.iat[d][:7]))
    return cases


@dataclass(frozen=True)
class Injector:
    """One planted irregularity: what it is, the `case_labels.pattern` value it writes, the document
    that describes it, how many enterprises it plants at scale 1, and the function that plants it."""

    pattern: str  # its letter in data/README.md and what it is
    label: str  # the case_labels.pattern value
    doc: str  # where it is described: ../shared/reference/domain.md section [its sources]
    count: int  # enterprises planted at scale 1 (times the scale, at least one)
    apply: Callable[[Plan, np.random.Generator, int], list[tuple[int, str]]]

    @property
    def stream(self) -> str:
        return f"inject:{self.label}"


# Run in this order (an enterprise carries one pattern at most, so the order decides who is free);
# the counts add up to about 4.3 % of the enterprises. Every pattern is also described, with what the
# data shows, in data/README.md "Injected irregularities".
INJECTORS: tuple[Injector, ...] = (
    Injector("(a) coal tested in one batch but reported as monthly tests", "batch_testing",
             "domain.md §1.2 (Liaoning Dongmei, Zhongtan Nengtou), §6.2 [S1, S2]", 10, _batch_testing),
    Injector("(b) measured carbon content shaded just below the plausible band", "carbon_shading",
             "domain.md §1.2 (changed carbon results), §3.1 (the CC band), §6.3 item 3 [S1, S8]", 10, _carbon_shading),
    Injector("(c) lab values copied across months or across clients of one lab", "copied_values",
             "domain.md §6.2 (forged raw test records), §6.3 items 1 and 5 [S1, S2, S8]", 8, _copied_values),
    Injector("(d) coal consumption understated against generation", "coal_understated",
             "domain.md §1.2 (coal burned mis-reported), §3.2 (coal rates), §6.3 item 7 [S1, S8]", 10,
             _coal_understated),
    Injector("(e) invented total moisture", "invented_moisture",
             "domain.md §1.2 (invented total moisture), §2.2 (basis conversion), §6.3 item 6 [S1, S2, S8]", 8,
             _invented_moisture),
    Injector("(g) a lab or consultant whose clients share anomalies", "intermediary_ring",
             "domain.md §1.2 (Liaoning Dongmei; Zhongtan Nengtou's clients), §1.1 2021-10 [S1, S2, S5]", 11,
             _intermediary_ring),
    Injector("(f) verifier passed a report with a large unexplained gap", "verifier_gap",
             "domain.md §1.2 (SinoCarbon, Qingdao Xinuo: name-only sign-off) [S1, S2]", 6, _verifier_gap),
    Injector("(i) monthly deposits far past the deadline", "late_deposit",
             "domain.md §2.3 (monthly deposit within 40 days of month end) [S16, S17]", 6, _late_deposit),
    Injector("(i) monthly deposits missing", "missing_deposit",
             "domain.md §2.3 (monthly deposit) [S17], §6.1 (monthly data secure the year) [S11]", 2,
             _missing_deposit),
    Injector("(h) round-trip trades between accounts of one group", "trade_round_trip",
             "domain.md §5.3 (related-party and intra-group block transfers; inference) [S41]", 8, _trade_round_trip),
    Injector("(h) block trade at an off-market price between related accounts", "off_market_block",
             "domain.md §5.2 (±30 % block limit), §5.3 (negotiated intra-group prices; inference) [S40, S41]", 6,
             _off_market_block),
    Injector("(h) circular block trades A->B->C->A within a week at similar volumes", "trade_cycle",
             "domain.md §5.3 (thin bilateral block market; a wash-trade cycle is an inference, no documented "
             "case) [S41]", 6, _trade_cycle),
    Injector("(h) late listing trades priced to move the day's closing price (VWAP)", "close_marking",
             "domain.md §5.2 (close = VWAP), §5.3 (marking the close; inference, no documented case) [S40, S58]", 2,
             _close_marking),
    Injector("(h) an account selling far more than its history before a compliance deadline", "deadline_dump",
             "domain.md §5.3 (activity before deadlines, surplus dumped; Hubei 2015) [S30, S32, S38, S42]", 2,
             _deadline_dump),
)
PATTERNS = {i.label: i.pattern for i in INJECTORS}


# ---------------------------------------------------------------- main generation

def generate(scale: float = 1.0, seed: int = 2022) -> dict[str, pd.DataFrame]:
    """All contract tables as DataFrames (in the file formats of the contract)."""
    ctx = _Ctx(scale, seed)
    prov = _provinces()
    ent = _enterprises(ctx, prov)
    u = _units(ctx, ent)
    E, U, T = len(ent), len(u), ctx.T
    e_of_u = u.e.to_numpy()
    ent_gas = ent.fuel.to_numpy() == "gas"

    ag = _agencies(ctx, ent, prov)
    rng_a = ctx.rng("assign")
    ent["consultant_id"] = np.where(rng_a.random(E) < 0.7, _assign(rng_a, ent, ag, "consultant", 0.8), None)
    lab = _assign(rng_a, ent, ag, "lab", 0.75)
    lab_switch = rng_a.random(E) < 0.15
    lab2 = _assign(rng_a, ent, ag, "lab", 0.75)
    switch_t = rng_a.integers(12, T - 12, E)
    lab_et = np.where(lab_switch[:, None] & (np.arange(T)[None, :] >= switch_t[:, None]),
                      lab2[:, None], lab[:, None]).astype(object)

    # Who measures carbon content (per enterprise-year, domain.md §2.1 shares).
    rng_m = ctx.rng("measured")
    yi = ctx.p_year - YEARS[0]
    measured_ey = rng_m.random((E, len(YEARS))) < np.array([mrv.MEASURED_SHARE[y] for y in YEARS])[None, :]
    measured_et = measured_ey[:, yi] & ~ent_gas[:, None]

    nz = _noise(ctx, U, E)
    q = _coal_quality(ctx, nz, E)
    accounts = _accounts(ctx, ent, ctx.rng("accounts"))
    acc_ids = accounts[accounts.kind == "entity"].set_index("enterprise_id").account_id.reindex(ent.enterprise_id)
    m_raw = market_raw()

    # ----- irregularities (ground truth goes to case_labels only)
    plan = Plan(ctx, ent, e_of_u, np.flatnonzero(~ent_gas), lab, lab_et, measured_et, q, acc_ids.to_numpy(), m_raw)
    labels: list[tuple[str, str, str, str]] = []
    for inj in INJECTORS:
        for e, period in inj.apply(plan, ctx.rng(inj.stream), ctx.n(inj.count)):
            labels.append((ent.enterprise_id.iat[e], period, inj.label, "confirmed"))
    mt_rep, fuel_mult, cc_override = plan.mt_rep, plan.fuel_mult, plan.cc_override

    # ----- activity, calibrated per year on the published national emissions
    def emissions_for(year_mult):
        act = _activity(ctx, u, nz, year_mult)
        return act, _fuel_and_emissions(ctx, u, act, q, mt_rep, measured_et, cc_override, fuel_mult, nz)

    year_mult = np.array([mrv.NATIONAL_EMISSIONS_T[y] / mrv.NATIONAL_EMISSIONS_T[2019] for y in YEARS])
    act, fe = emissions_for(year_mult)
    by_year = pd.Series(fe["emissions"].sum(0)).groupby(ctx.p_year).sum()
    target = pd.Series({y: mrv.NATIONAL_EMISSIONS_T[y] for y in YEARS}) * ctx.scale
    year_mult = year_mult * (target / by_year).to_numpy()
    act, fe = emissions_for(year_mult)

    # ----- lab values per enterprise-month (copied values applied here)
    qual = {k: fe[k] for k in ("ncv", "cc", "c_ar", "mt", "mad", "h", "s")}
    src = plan.copy_from.reshape(-1)
    sel = src >= 0
    for arr in qual.values():
        flat = arr.reshape(-1)
        flat[sel] = flat[src[sel]]
    rep = _reported(u, fe, qual, measured_et)

    # ----- lab dates and report numbers
    dates = _lab_dates(ctx, measured_et, lab_et, plan.batch, plan.ring_batch, ctx.rng("labdates"))
    submitted = _submissions(ctx, E, measured_et, dates, plan.late, ctx.rng("deposits"))

    monthly = _monthly_frame(ctx, u, act, fe, rep, qual, measured_et, lab_et, dates, submitted, plan.missing)
    ver = _verifications(ctx, ent, ag, u, rep["emissions"], plan.verifier_gap, ctx.rng("verification"))
    alloc = _allocations(ctx, ent, u, act)
    comp = _compliance(ctx, ent, ver, alloc, ctx.rng("compliance"))
    market = _market_daily()
    trades = _trades(ctx, ent, accounts, alloc, ver, m_raw, ctx.rng("trades"), plan.planted, plan.planted_listing,
                     plan.quiet)
    rng_d = ctx.rng("dismissed")
    for e in _pick(rng_d, np.arange(E), ctx.n(12), plan.taken):
        labels.append((ent.enterprise_id.iat[e], str(int(rng_d.integers(2019, 2025))), "spot_check", "dismissed"))

    enterprises = ent.assign(sector="power", city=None)[
        ["enterprise_id", "name", "province_code", "city", "sector", "group_name", "latitude", "longitude",
         "consultant_id"]]
    units = u[["unit_id", "enterprise_id", "unit_class", "capacity_mw", "commissioning_year", "cooling", "chp"]]
    case_labels = pd.DataFrame(labels, columns=["enterprise_id", "period", "pattern", "outcome"]).drop_duplicates(
        ["enterprise_id", "period", "pattern"])
    return {
        "agencies": ag[["agency_id", "name", "kind", "province_code", "accreditation"]],
        "enterprises": enterprises,
        "units": units,
        "monthly_reports": monthly,
        "verifications": ver,
        "allocations": alloc,
        "compliance": comp,
        "accounts": accounts,
        "trades": trades,
        "market_daily": market,
        "case_labels": case_labels,
    }


def _reported(u, fe, qual, measured_et) -> dict:
    """What each unit-month reports: NCV and carbon content (lab value, or the default), and
    emissions by the contract formula E = FC x NCV x CC x OF x 44/12."""
    e = u.e.to_numpy()
    is_gas = (u.unit_class == "gas").to_numpy()[:, None]
    meas = measured_et[e]
    ncv = np.where(is_gas, fe["gas_ncv"], qual["ncv"][e])
    cc = np.where(is_gas, mrv.GAS_CC, np.where(meas, qual["cc"][e], fe["cc_default"][e]))
    return {"ncv": ncv, "cc": cc, "emissions": fe["fuel"] * ncv * cc * mrv.OXIDATION_DEFAULT * mrv.CO2_PER_C}


def _fuel_and_emissions(ctx, u, act, q, mt_rep, measured_et, cc_override, fuel_mult, nz) -> dict:
    """Fuel burned from the coal rate (gce/kWh supplied), reported quality, and emissions."""
    e_of_u = u.e.to_numpy()
    is_gas = (u.unit_class == "gas").to_numpy()
    true_ncv, _, _ = _as_received(q, q["mt"])
    _, c_ar_rep, _ = _as_received(q, mt_rep)
    # Reported CC uses the (possibly invented) moisture for carbon but the lab's true NCV.
    cc_rep = c_ar_rep / 100 / true_ncv
    cc_rep = np.where(np.isnan(cc_override), cc_rep, cc_override)
    c_ar_rep = np.where(np.isnan(cc_override), c_ar_rep, cc_override * true_ncv * 100)
    low_load = (0.75 - act["lf"]) * 40.0  # coal rate rises at low load
    year_gain = 1 - 0.004 * (ctx.p_year - YEARS[0])[None, :]
    rate = (u.coal_rate.to_numpy()[:, None] + low_load) * year_gain * (1 + nz["rate"])
    power_gj = act["supply"] * rate / 1000 * mrv.GJ_PER_TCE
    heat_gj = act["heat"] / nz["boiler"][:, None]
    coal_t = (power_gj + heat_gj) / true_ncv[e_of_u] * fuel_mult
    gas_ncv = mrv.GAS_NCV * nz["gas_ncv"]
    gas_fuel = (act["supply"] * u.heat_rate.to_numpy()[:, None] + heat_gj) / gas_ncv
    fuel = np.where(is_gas[:, None], gas_fuel, coal_t)
    default_cc = np.where(ctx.p_start < np.datetime64("2022-01-01"), mrv.DEFAULT_CC_2021, mrv.DEFAULT_CC_2022)
    cc_default = np.broadcast_to(default_cc[None, :], measured_et.shape)
    cc_used_e = np.where(measured_et, cc_rep, cc_default)
    ncv_u = np.where(is_gas[:, None], gas_ncv, true_ncv[e_of_u])
    cc_u = np.where(is_gas[:, None], mrv.GAS_CC, cc_used_e[e_of_u])
    emissions = fuel * ncv_u * cc_u * mrv.OXIDATION_DEFAULT * mrv.CO2_PER_C
    return {"fuel": fuel, "emissions": emissions, "ncv": true_ncv, "cc": cc_rep, "c_ar": c_ar_rep,
            "mt": mt_rep, "mad": q["mad"], "h": q["h"], "s": q["s"], "gas_ncv": gas_ncv,
            "cc_default": cc_default}


def _lab_dates(ctx, measured_et, lab_et, batch, ring_batch, rng) -> dict:
    """Sample, test and report dates per enterprise-month, and lab report numbers."""
    E, T = measured_et.shape
    end = ctx.p_end[None, :]
    strict = (ctx.p_start >= np.datetime64("2022-04-01"))[None, :]
    test_lag = np.where(strict, rng.integers(3, 23, (E, T)), rng.integers(3, 46, (E, T)))
    slow = rng.random((E, T)) < 0.02
    test_lag = np.where(slow, test_lag + rng.integers(15, 40, (E, T)), test_lag)
    sample = end - rng.integers(0, 3, (E, T)).astype("timedelta64[D]")
    test = end + test_lag.astype("timedelta64[D]")
    report = test + rng.integers(1, 8, (E, T)).astype("timedelta64[D]")
    # Batch testing: the whole year's coal tested on one day after the year, reported as monthly tests.
    ring_day = None
    for e, (y, months) in batch.items():
        if e in ring_batch:
            if ring_day is None:
                ring_day = np.datetime64(f"{y + 1}-01-10") + np.timedelta64(int(rng.integers(0, 30)), "D")
            day = ring_day + np.timedelta64(int(rng.integers(0, 2)), "D")
        else:
            day = np.datetime64(f"{y + 1}-01-05") + np.timedelta64(int(rng.integers(0, 60)), "D")
        test[e, months] = day
        report[e, months] = day + np.timedelta64(1, "D")
    # Report numbers: each lab numbers its reports per year in the order it issued them,
    # so an honest client's months are interleaved with other clients' reports.
    e_idx, t_idx = np.nonzero(measured_et)
    df = pd.DataFrame({"e": e_idx, "t": t_idx, "lab": lab_et[e_idx, t_idx],
                       "report": report[e_idx, t_idx], "tie": rng.random(len(e_idx))})
    in_batch = np.zeros((E, T), dtype=bool)
    for e, (_, months) in batch.items():
        in_batch[e, months] = True
    df["batch"] = in_batch[e_idx, t_idx]
    df["ryear"] = pd.to_datetime(df.report).dt.year
    # A batch is numbered in one run: same tie-break for the client, months in order.
    df.loc[df.batch, "tie"] = df.loc[df.batch, "e"] / (E + 1)
    df = df.sort_values(["lab", "ryear", "report", "tie", "t"])
    df["seq"] = df.groupby(["lab", "ryear"]).cumcount() + 1
    report_no = np.full((E, T), None, dtype=object)
    report_no[df.e.to_numpy(), df.t.to_numpy()] = [
        f"{lab_}-{y}-{s:05d}" for lab_, y, s in zip(df.lab, df.ryear, df.seq)]
    return {"sample": sample, "test": test, "report": report, "report_no": report_no}


def _submissions(ctx, E, measured_et, dates, late, rng) -> np.ndarray:
    """Deposit timestamps: monthly from 2022 (within 40 days), annual before (mrv.deposit_deadline)."""
    T = ctx.T
    end = ctx.p_end[None, :]
    monthly_regime = (ctx.p_start >= np.datetime64(mrv.MONTHLY_DEPOSIT_FROM.isoformat()))[None, :]
    lag = np.clip(rng.normal(27, 7, (E, T)), 6, 39).astype(int)
    day = end + lag.astype("timedelta64[D]")
    day = np.where(measured_et & monthly_regime, np.maximum(day, dates["report"]), day)
    # Annual regime: the whole year deposited together, shortly before the annual deadline.
    annual = np.array([np.datetime64(mrv.ANNUAL_REPORT_DEADLINE.get(int(y), dt.date(2099, 1, 1)).isoformat())
                       for y in ctx.p_year])
    annual_day = annual[None, :] - rng.integers(0, 45, (E, 1)).astype("timedelta64[D]")
    annual_day = np.where(rng.random((E, 1)) < 0.03, annual_day + np.timedelta64(20, "D"), annual_day)
    annual_day = np.maximum(annual_day, dates["report"] + np.timedelta64(1, "D"))
    day = np.where(monthly_regime, day, annual_day)
    honest_late = rng.random((E, T)) < 0.015
    day = np.where(honest_late & monthly_regime, day + rng.integers(1, 20, (E, T)).astype("timedelta64[D]"), day)
    for e, months in late.items():
        deadline = end[0, months] + np.timedelta64(mrv.DEPOSIT_DAYS, "D")
        day[e, months] = deadline + rng.integers(30, 200, len(months)).astype("timedelta64[D]")
    seconds = rng.integers(8 * 3600 + 1800, 18 * 3600, (E, T)).astype("timedelta64[s]")
    return day.astype("datetime64[s]") + seconds


def _monthly_frame(ctx, u, act, fe, reported, qual, measured_et, lab_et, dates, submitted, missing) -> pd.DataFrame:
    U, T = len(u), ctx.T
    e = u.e.to_numpy()
    is_gas = (u.unit_class == "gas").to_numpy()[:, None]
    meas = measured_et[e]  # U x T
    rep = lambda a: a[e]  # noqa: E731  enterprise-month -> unit-month
    ncv, cc, fuel, emis = reported["ncv"], reported["cc"], fe["fuel"], reported["emissions"]
    nanif = lambda a: np.where(meas & ~is_gas, a, np.nan)  # noqa: E731
    datecol = lambda a: pd.to_datetime(np.where(meas & ~is_gas, rep(a), np.datetime64("NaT")).reshape(-1)).strftime("%Y-%m-%d")  # noqa: E731
    keep = np.ones((U, T), dtype=bool)
    for ent_i, months in missing.items():
        keep[np.ix_(np.flatnonzero(e == ent_i), months)] = False
    flat = lambda a: np.asarray(a).reshape(-1)  # noqa: E731
    df = pd.DataFrame({
        "unit_id": np.repeat(u.unit_id.to_numpy(), T),
        "period": np.tile(ctx.periods.strftime("%Y-%m"), U),
        "fuel_type": np.where(np.repeat(is_gas[:, 0], T), "gas", "coal"),
        "fuel_consumed": np.round(flat(fuel), 2),
        "ncv": np.round(flat(ncv), 3),
        "carbon_content": np.round(flat(cc), 5),
        "carbon_content_source": np.where(flat(meas & ~is_gas), "measured", "default"),
        "carbon_ar_pct": np.round(flat(nanif(rep(qual["c_ar"]))), 2),
        "total_moisture_pct": np.round(flat(nanif(rep(qual["mt"]))), 1),
        "moisture_ad_pct": np.round(flat(nanif(rep(qual["mad"]))), 2),
        "hydrogen_pct": np.round(flat(nanif(rep(qual["h"]))), 2),
        "sulfur_pct": np.round(flat(nanif(rep(qual["s"]))), 2),
        "oxidation_rate": mrv.OXIDATION_DEFAULT,
        "generation_mwh": np.round(flat(act["gen"]), 1),
        "supply_mwh": np.round(flat(act["supply"]), 1),
        "heat_supply_gj": np.round(flat(act["heat"]), 1),
        "operating_hours": np.round(flat(act["hours"]), 1),
        "load_factor": np.round(flat(act["lf"]), 3),
        "lab_id": flat(np.where(meas & ~is_gas, rep(lab_et), None)),
        "lab_report_no": flat(np.where(meas & ~is_gas, rep(dates["report_no"]), None)),
        "sample_date": datecol(dates["sample"]),
        "test_date": datecol(dates["test"]),
        "report_date": datecol(dates["report"]),
        "submitted_at": pd.to_datetime(flat(rep(submitted))).strftime("%Y-%m-%d %H:%M:%S"),
        "reported_emissions_t": np.round(flat(emis), 2),
    })
    return df[flat(keep)].reset_index(drop=True)


def _verifications(ctx, ent, ag, u, emissions, verifier_gap, rng) -> pd.DataFrame:
    e = u.e.to_numpy()
    annual = pd.DataFrame(emissions).groupby(e).sum().T.groupby(ctx.p_year).sum().T  # E x years
    verifiers = ag[ag.kind == "verifier"]
    by_prov = {c: g.agency_id.to_numpy() for c, g in verifiers.groupby("province_code")}
    all_v = verifiers.agency_id.to_numpy()
    lax = rng.choice(all_v, min(2, len(all_v)), replace=False)
    rows = []
    for i in range(len(ent)):
        cands = by_prov.get(ent.province_code.iat[i], all_v)
        for y in YEARS:
            total = float(annual.at[i, y])
            reported = total
            verifier = rng.choice(cands) if rng.random() < 0.85 else rng.choice(all_v)
            verified = reported if rng.random() < 0.75 else reported * rng.normal(1.004, 0.008)
            conclusion = "fail" if rng.random() < 0.006 else "pass"
            if verifier_gap.get(i) == y:
                reported = total * rng.uniform(0.84, 0.91)
                verified = reported
                verifier = rng.choice(lax)
                conclusion = "pass"
            if y <= 2020:
                at = dt.date(2021, 6, 1) + dt.timedelta(days=int(rng.integers(0, 100)))
            else:
                at = dt.date(y + 1, 4, 1) + dt.timedelta(days=int(rng.integers(0, 90)))
            rows.append((ent.enterprise_id.iat[i], y, round(reported, 1), round(verified, 1), verifier,
                         conclusion, at.isoformat()))
    return pd.DataFrame(rows, columns=["enterprise_id", "year", "reported_t", "verified_t", "verifier_id",
                                       "conclusion", "verified_at"])


def _allocations(ctx, ent, u, act) -> pd.DataFrame:
    """Ex-post allocation: class benchmark x electricity (supply to 2022, generation from 2023) + heat benchmark x heat."""
    bm = mrv.benchmarks()
    years = ctx.p_year
    cls = u.unit_class.to_numpy()
    out = np.zeros((len(ent), len(YEARS)))
    for k, y in enumerate(YEARS):
        cols = years == y
        sup = act["supply"][:, cols].sum(1)
        gen = act["gen"][:, cols].sum(1)
        heat = act["heat"][:, cols].sum(1)
        power_b = np.array([bm[(y, c)]["power"] for c in cls])
        heat_b = np.array([bm[(y, c)]["heat"] for c in cls])
        basis = np.array([bm[(y, c)]["basis"] for c in cls])
        unit_alloc = power_b * np.where(basis == "supply", sup, gen) + heat_b * heat
        out[:, k] = np.bincount(u.e.to_numpy(), weights=unit_alloc, minlength=len(ent))
    df = pd.DataFrame(out, columns=YEARS)
    df["enterprise_id"] = ent.enterprise_id.to_numpy()
    df = df.melt(id_vars="enterprise_id", var_name="year", value_name="allocated_t")
    df["allocated_t"] = df.allocated_t.round(0)
    return df


def _compliance(ctx, ent, ver, alloc, rng) -> pd.DataFrame:
    """Surrender per year: verified emissions, with the 20% shortfall cap (2019-2022) and the gas cap."""
    df = ver.merge(alloc, on=["enterprise_id", "year"])
    gas = ent.set_index("enterprise_id").loc[df.enterprise_id, "name"].str.contains("Gas").to_numpy()
    cap = np.where(gas, df.allocated_t, np.where(df.year <= 2022, df.allocated_t * 1.2, np.inf))
    obligation = np.minimum(df.verified_t.to_numpy(), cap)
    due = np.array([mrv.COMPLIANCE_DUE[int(y)] for y in df.year])
    r = rng.random(len(df))
    before = np.array([d - dt.timedelta(days=int(k)) for d, k in zip(due, rng.integers(1, 75, len(df)))])
    after = np.array([d + dt.timedelta(days=int(k)) for d, k in zip(due, rng.integers(5, 60, len(df)))])
    at = np.where(r < 0.985, before, after)
    surrendered = np.where(r > 0.995, obligation * rng.uniform(0.5, 0.95, len(df)), obligation)
    open_ = at > AS_OF
    return pd.DataFrame({
        "enterprise_id": df.enterprise_id,
        "year": df.year,
        "surrendered_t": np.where(open_, np.nan, np.round(surrendered, 0)),
        "due_date": [d.isoformat() for d in due],
        "surrendered_at": [None if o else a.isoformat() for a, o in zip(at, open_)],
    })


def _accounts(ctx, ent, rng) -> pd.DataFrame:
    n = len(ent)
    opened = [(dt.date(2021, 6, 15) + dt.timedelta(days=int(k))).isoformat() for k in rng.integers(0, 30, n)]
    ents = pd.DataFrame({"account_id": [f"ACC{i + 1:06d}" for i in range(n)], "enterprise_id": ent.enterprise_id,
                         "holder_name": ent.name, "kind": "entity", "opened_at": opened})
    k = ctx.n(12)
    inst = pd.DataFrame({
        "account_id": [f"INS{i + 1:05d}" for i in range(k)], "enterprise_id": None,
        "holder_name": [f"{s} Carbon Asset Management Co., Ltd." for s in _name(rng, k)],
        "kind": "institution",
        "opened_at": [(dt.date(2024, 1, 2) + dt.timedelta(days=int(d))).isoformat() for d in rng.integers(0, 500, k)],
    })
    return pd.concat([ents, inst], ignore_index=True)


def market_raw() -> pd.DataFrame:
    return pd.read_csv(schema.REFERENCE_DIR / "cea_daily_2021_2026.csv")


def _market_daily() -> pd.DataFrame:
    m = market_raw()
    return pd.DataFrame({"date": m.date, "open": m.open, "high": m.high, "low": m.low, "close": m.close,
                         "volume_t": m.total_volume_t, "amount_cny": m.total_amount_cny})


def _split(rng, total: int, n: int, floor: int = 1) -> np.ndarray:
    """Split an integer volume into n integer parts of at least `floor`, lognormal sizes."""
    w = rng.lognormal(0, 0.9, n)
    extra = total - floor * n
    parts = np.floor(w / w.sum() * extra).astype(np.int64)
    parts[: extra - parts.sum()] += 1
    return parts + floor


def _without(w: np.ndarray, idx: list[int]) -> np.ndarray:
    """Probabilities `w` with the entries `idx` set to zero, renormalised."""
    w = w.copy()
    w[idx] = 0.0
    return w / w.sum()


def _priced(rng, vols: np.ndarray, amount: float, sd: float, lo: float, hi: float) -> np.ndarray:
    """Prices on the 0.01 tick, within limits where possible, whose VWAP equals amount / volume."""
    vwap = amount / vols.sum()
    p = np.clip(vwap * np.exp(rng.normal(0, sd, len(vols))), lo, hi)
    p = np.round(p + (amount - (vols * p).sum()) / vols.sum(), 2)
    return np.maximum(p, 0.01)


def _trades(ctx, ent, accounts, alloc, ver, m, rng, planted, planted_listing, quiet) -> pd.DataFrame:
    """Individual trades that reproduce each real day's volume and turnover by method; the planted
    trades (the trading injectors' `planted` block and `planted_listing` trades, by market day) are
    carved out of their day's real volume and turnover, and the enterprises in `quiet` (enterprise ->
    first and last day) take no part in the other trades on those days."""
    ent_acc = accounts[accounts.kind == "entity"].set_index("enterprise_id").account_id
    inst = accounts[accounts.kind == "institution"]
    pos = alloc.merge(ver, on=["enterprise_id", "year"])
    pos["surplus"] = pos.allocated_t - pos.verified_t
    surplus = pos.pivot(index="enterprise_id", columns="year", values="surplus").reindex(ent.enterprise_id)
    acc_ids = ent_acc.reindex(ent.enterprise_id).to_numpy()
    weights = {}
    for y in range(2021, 2027):
        s = surplus[min(max(y - 1, 2019), 2025)].fillna(0).to_numpy()
        sell = np.maximum(s, 0) + np.abs(s).mean() * 0.05
        buy = np.maximum(-s, 0) + np.abs(s).mean() * 0.05
        weights[y] = (sell / sell.sum(), buy / buy.sum())

    sessions_am = (9 * 3600 + 1800, 11 * 3600 + 1800)
    sessions_pm = (13 * 3600, 15 * 3600)
    inst_open = pd.to_datetime(inst.opened_at).to_numpy()
    out = []
    mean_listing = 6000.0 / ctx.scale
    for d in range(len(m)):
        day = m.date.iat[d]
        year = int(day[:4])
        prev = m.prev_close.iat[d] if not math.isnan(m.prev_close.iat[d]) else m.open.iat[d]
        if prev is None or math.isnan(prev):
            prev = m.close.iat[d - 1] if d else 50.0
        sell_w, buy_w = weights[min(year, 2026)]
        still = [e for e, (first, last) in quiet.items() if first <= day <= last]
        if still:
            sell_w, buy_w = (_without(w, still) for w in (sell_w, buy_w))
        day_ts = np.datetime64(day)
        inst_ok = inst.account_id.to_numpy()[inst_open <= day_ts]
        chunks = []  # (method, volumes, prices[, buyer, seller, seconds of the day]): planted ones name all
        lv, la = int(m.listing_volume_t.iat[d]), float(m.listing_amount_cny.iat[d])
        marking = [("listing", np.array([vol]), np.array([price]), buyer, seller, secs)
                   for vol, price, buyer, seller, secs in planted_listing.get(d, [])]
        lv -= sum(int(c[1][0]) for c in marking)
        la -= sum(float(c[1][0] * c[2][0]) for c in marking)
        if lv > 0:
            n = max(1, int(round(lv / mean_listing)), math.ceil(lv / 60_000))
            n = min(n, lv)
            vols = _split(rng, lv, n)
            while vols.max() >= 100_000:  # listing orders are below 100,000 t (domain.md §5.2)
                n += 1
                vols = _split(rng, lv, n)
            chunks.append(("listing", vols, _priced(rng, vols, la, 0.012, prev * 0.9, prev * 1.1)))
        chunks += marking
        bv, ba = int(m.block_volume_t.iat[d]), float(m.block_amount_cny.iat[d])
        for vol, price, buyer, seller in planted.get(d, []):
            if not (bv - vol >= 100_000 or bv - vol == 0):  # it would leave a block order below 100 kt
                raise ValueError(f"planted block trade of {vol} t does not fit in {day}'s block volume")
            chunks.append(("block", np.array([vol]), np.array([price]), buyer, seller, None))
            bv -= vol
            ba -= vol * price
        if bv > 0:
            n = max(1, min(bv // 100_000, math.ceil(bv / rng.uniform(150_000, 800_000) * ctx.scale)))
            vols = _split(rng, bv, int(n), floor=min(100_000, bv))
            chunks.append(("block", vols, _priced(rng, vols, ba, 0.03, prev * 0.7, prev * 1.3)))
        av, aa = int(m.auction_volume_t.iat[d]), float(m.auction_amount_cny.iat[d])
        if av > 0:
            vols = _split(rng, av, min(3, av))
            chunks.append(("auction", vols, np.round(np.full(len(vols), aa / av), 2)))
        k = 0
        for chunk in chunks:
            method, vols, prices = chunk[:3]
            n = len(vols)
            if len(chunk) == 6:
                buyers, sellers = np.array([chunk[3]]), np.array([chunk[4]])
            else:
                sellers = acc_ids[rng.choice(len(acc_ids), n, p=sell_w)]
                buyers = acc_ids[rng.choice(len(acc_ids), n, p=buy_w)]
                if len(inst_ok):
                    swap = rng.random(n) < 0.06
                    buyers = np.where(swap, rng.choice(inst_ok, n), buyers)
                same = buyers == sellers
                while same.any():
                    buyers[same] = acc_ids[rng.choice(len(acc_ids), int(same.sum()), p=buy_w)]
                    same = buyers == sellers
            if method == "listing":
                am = rng.random(n) < 0.5
                secs = np.where(am, rng.integers(*sessions_am, n), rng.integers(*sessions_pm, n))
            elif method == "block":
                secs = rng.integers(*sessions_pm, n)
            else:
                secs = np.full(n, 10 * 3600)
            if len(chunk) == 6 and chunk[5] is not None:  # a planted trade at its own time of day
                secs = np.array([chunk[5]])
            ts = day_ts.astype("datetime64[s]") + secs.astype("timedelta64[s]")
            vintage = f"CEA{max(2019, year - 1)}" if year >= 2022 else "CEA2019-2020"
            for i in range(n):
                k += 1
                out.append((f"T{day.replace('-', '')}-{k:05d}", ts[i], method, buyers[i], sellers[i],
                            int(vols[i]), float(prices[i]), vintage))
    trades = pd.DataFrame(out, columns=["trade_id", "ts", "method", "buyer_account", "seller_account",
                                        "volume_t", "price_cny", "vintage"])
    trades["ts"] = pd.to_datetime(trades.ts).dt.strftime("%Y-%m-%d %H:%M:%S")
    return trades


# ---------------------------------------------------------------- files

def write(out: Path, scale: float = 1.0, seed: int = 2022, fmt: str = "parquet") -> dict[str, int]:
    """Write every contract table to `out` (one file per table) and return row counts."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = generate(scale, seed)
    files.write_frames(tables, out, fmt)
    summary = {name: len(df) for name, df in tables.items()}
    summary["injected enterprises"] = int(tables["case_labels"].query("outcome == 'confirmed'").enterprise_id.nunique())
    return summary
