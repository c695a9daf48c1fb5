"""The data contract as data: every importable table, its columns and its rules.

One declaration serves two readers: `ddl()` turns it into DuckDB tables with
primary keys, foreign keys, NOT NULL and CHECK constraints, and the loader
validates incoming files against the very same columns, enums, ranges and
plausibility checks, so the database and the error messages cannot drift apart.
Column names and formats follow docs/DATA_CONTRACT.md.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"

# Logical column types of the contract, and how each is stored.
DB_TYPES = {
    "str": "VARCHAR",
    "float": "DOUBLE",
    "int": "INTEGER",
    "bool": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "period": "DATE",  # 'YYYY-MM' in files, first day of the month in the database
    "province": "VARCHAR",  # 2- or 6-digit code in files, 2-digit code in the database
}

TYPE_HINTS = {
    "float": "a plain number with '.' as decimal separator and no thousands separator, e.g. 1234.5",
    "int": "a whole number, e.g. 2023",
    "bool": "true or false",
    "date": "a date as YYYY-MM-DD, e.g. 2023-04-15",
    "timestamp": "a timestamp as YYYY-MM-DD HH:MM:SS (China time), e.g. 2023-04-15 09:30:00",
    "period": "a month as YYYY-MM, e.g. 2023-04",
    "province": "a 2- or 6-digit GB/T 2260 province code, e.g. 37 or 370000 (66 for the XPCC)",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "str"
    required: bool = False
    enum: tuple[str, ...] = ()
    min: float | None = None  # hard physical bounds, also enforced by CHECK
    max: float | None = None
    min_exclusive: bool = False
    ref: str | None = None  # "table.column" foreign key, always checked by the loader
    # Also declare the reference to DuckDB? DuckDB 2.0 rewrites an update of a row that other
    # tables reference as delete + insert and refuses it, so a master row whose reference is
    # a legitimate correction (an enterprise's consultant, a unit's owner) keeps the check in
    # the loader only; fact tables keep the database constraint too.
    db_ref: bool = True
    ref_kind: str | None = None  # the referenced agency must be of this kind
    doc: str = ""

    @property
    def db_type(self) -> str:
        return DB_TYPES[self.type]


@dataclass(frozen=True)
class Check:
    """A row-level rule the loader enforces: `bad` is a SQL predicate over the
    typed row that is TRUE when the row breaks the rule."""

    name: str
    columns: tuple[str, ...]
    bad: str
    message: str
    hint: str


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    checks: tuple[Check, ...] = ()
    required_file: bool = False
    doc: str = ""
    col_map: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


C = Column
UNIT_CLASSES = ("coal_above_300mw", "coal_300mw_below", "coal_unconventional", "gas")
AGENCY_KINDS = ("consultant", "lab", "verifier")

# Coal is reported per tonne, gas per 10^4 Nm3; both checks below are the
# plausibility bounds that catch a unit mix-up (kcal/kg, MJ/Nm3, kgC/GJ, %).
_COAL = "fuel_type = 'coal'"
_GAS = "fuel_type = 'gas'"

TABLES: tuple[Table, ...] = (
    Table(
        "agencies",
        (
            C("agency_id", required=True),
            C("name", required=True),
            C("kind", "str", required=True, enum=AGENCY_KINDS),
            C("province_code", "province", ref="provinces.code", db_ref=False),
            C("accreditation", enum=("CMA", "CNAS", "CMA+CNAS")),
        ),
        key=("agency_id",),
        doc="Consultants, testing labs and verifiers.",
    ),
    Table(
        "enterprises",
        (
            C("enterprise_id", required=True),
            C("name", required=True),
            C("province_code", "province", required=True, ref="provinces.code", db_ref=False),
            C("city"),
            C("sector", required=True, enum=("power", "steel", "cement", "aluminium")),
            C("group_name"),
            C("latitude", "float", min=3.0, max=54.0),
            C("longitude", "float", min=73.0, max=136.0),
            C("consultant_id", ref="agencies.agency_id", db_ref=False, ref_kind="consultant"),
        ),
        key=("enterprise_id",),
        required_file=True,
        doc="Key emitting entities (重点排放单位).",
    ),
    Table(
        "units",
        (
            C("unit_id", required=True),
            C("enterprise_id", required=True, ref="enterprises.enterprise_id", db_ref=False),
            C("unit_class", required=True, enum=UNIT_CLASSES),
            C("capacity_mw", "float", required=True, min=0, max=2000, min_exclusive=True),
            C("commissioning_year", "int", min=1950, max=2030),
            C("cooling", enum=("water", "air")),
            C("chp", "bool"),
        ),
        key=("unit_id",),
        required_file=True,
        doc="Generating units in the four allocation classes.",
    ),
    Table(
        "monthly_reports",
        (
            C("unit_id", required=True, ref="units.unit_id"),
            C("period", "period", required=True),
            C("fuel_type", required=True, enum=("coal", "gas")),
            C("fuel_consumed", "float", required=True, min=0),
            C("ncv", "float", required=True, min=0, min_exclusive=True),
            C("carbon_content", "float", required=True, min=0, min_exclusive=True),
            C("carbon_content_source", required=True, enum=("measured", "default")),
            C("carbon_ar_pct", "float", min=0, max=100),
            C("total_moisture_pct", "float", min=0, max=100),
            C("moisture_ad_pct", "float", min=0, max=100),
            C("hydrogen_pct", "float", min=0, max=100),
            C("sulfur_pct", "float", min=0, max=100),
            C("oxidation_rate", "float", min=0, max=1),
            C("generation_mwh", "float", required=True, min=0),
            C("supply_mwh", "float", required=True, min=0),
            C("heat_supply_gj", "float", min=0),
            C("operating_hours", "float", required=True, min=0, max=744),
            C("load_factor", "float", min=0, max=1),
            C("lab_id", ref="agencies.agency_id", ref_kind="lab"),
            C("lab_report_no"),
            C("sample_date", "date"),
            C("test_date", "date"),
            C("report_date", "date"),
            C("submitted_at", "timestamp", required=True),
            C("reported_emissions_t", "float", min=0),
        ),
        key=("unit_id", "period"),
        required_file=True,
        checks=(
            Check("ncv_coal_unit", ("ncv",), f"{_COAL} AND (ncv < 8 OR ncv > 35)",
                  "coal NCV outside 8-35 GJ/t",
                  "NCV must be in GJ/t; a value near 4000-6000 is kcal/kg (divide by 238.85), "
                  "a value near 20000 is kJ/kg (divide by 1000)"),
            Check("ncv_gas_unit", ("ncv",), f"{_GAS} AND (ncv < 300 OR ncv > 450)",
                  "gas NCV outside 300-450 GJ/10^4 Nm3",
                  "gas NCV must be in GJ per 10^4 Nm3 (about 389); a value near 39 is MJ/Nm3 (multiply by 10)"),
            Check("carbon_content_unit", ("carbon_content",), "carbon_content < 0.010 OR carbon_content > 0.040",
                  "carbon content outside 0.010-0.040 tC/GJ",
                  "carbon content must be in tC/GJ (coal about 0.026); a value near 26 is kgC/GJ or tC/TJ "
                  "(divide by 1000); a value near 0.095 is a CO2 factor, not a carbon content"),
            Check("carbon_ar_unit", ("carbon_ar_pct",), f"{_COAL} AND (carbon_ar_pct < 20 OR carbon_ar_pct > 90)",
                  "as-received carbon outside 20-90 %",
                  "carbon_ar_pct is a percentage (about 50-62 for thermal coal); 0.55 means it was given as a fraction (multiply by 100)"),
            Check("oxidation_unit", ("oxidation_rate",), "oxidation_rate < 0.8",
                  "oxidation rate below 0.8",
                  "oxidation rate is a fraction (default 0.99), not a percentage"),
            Check("hours_in_month", ("operating_hours",),
                  "operating_hours > 24 * day(last_day(period)) + 1e-6",
                  "operating hours exceed the hours in the month",
                  "operating_hours counts the hours the unit ran in that month (at most 24 x days)"),
            Check("supply_le_generation", ("supply_mwh",), "supply_mwh > generation_mwh * 1.0001",
                  "electricity supplied exceeds electricity generated",
                  "supply_mwh is net of auxiliary power and cannot exceed generation_mwh; check the columns are not swapped"),
            Check("moisture_order", ("moisture_ad_pct",), "moisture_ad_pct > total_moisture_pct",
                  "air-dried moisture exceeds total moisture",
                  "M_ad (moisture_ad_pct) is part of M_t (total_moisture_pct) and cannot exceed it; check the columns are not swapped"),
            Check("test_after_sample", ("test_date",), "test_date < sample_date",
                  "coal tested before it was sampled", "check sample_date and test_date are not swapped"),
            Check("report_after_test", ("report_date",), "report_date < test_date",
                  "lab report dated before the test", "check test_date and report_date are not swapped"),
            Check("submitted_after_period", ("submitted_at",), "submitted_at < period",
                  "deposited before the month began", "submitted_at must be after the start of the reported month"),
            Check("measured_has_lab", ("lab_id",),
                  "carbon_content_source = 'measured' AND fuel_type = 'coal' AND period >= DATE '2022-04-01' "
                  "AND (lab_id IS NULL OR lab_report_no IS NULL)",
                  "measured coal carbon content without a lab and report number",
                  "from April 2022 a measured carbon content needs the CMA/CNAS lab (lab_id) and its report number"),
        ),
        doc="One row per unit per month as deposited (月度存证).",
    ),
    Table(
        "verifications",
        (
            C("enterprise_id", required=True, ref="enterprises.enterprise_id"),
            C("year", "int", required=True, min=2013, max=2100),
            C("reported_t", "float", required=True, min=0),
            C("verified_t", "float", required=True, min=0),
            C("verifier_id", required=True, ref="agencies.agency_id", ref_kind="verifier"),
            C("conclusion", required=True, enum=("pass", "fail")),
            C("verified_at", "date"),
        ),
        key=("enterprise_id", "year"),
        doc="Annual third-party verification.",
    ),
    Table(
        "allocations",
        (
            C("enterprise_id", required=True, ref="enterprises.enterprise_id"),
            C("year", "int", required=True, min=2013, max=2100),
            C("allocated_t", "float", required=True, min=0),
        ),
        key=("enterprise_id", "year"),
        doc="Free allowances for a year's emissions.",
    ),
    Table(
        "compliance",
        (
            C("enterprise_id", required=True, ref="enterprises.enterprise_id"),
            C("year", "int", required=True, min=2013, max=2100),
            C("surrendered_t", "float", min=0),
            C("due_date", "date", required=True),
            C("surrendered_at", "date"),
        ),
        key=("enterprise_id", "year"),
        doc="Surrender of allowances against a year's verified emissions.",
    ),
    Table(
        "accounts",
        (
            C("account_id", required=True),
            C("enterprise_id", ref="enterprises.enterprise_id", db_ref=False),
            C("holder_name", required=True),
            C("kind", required=True, enum=("entity", "institution", "individual")),
            C("opened_at", "date"),
        ),
        key=("account_id",),
        checks=(
            Check("entity_has_enterprise", ("enterprise_id",), "kind = 'entity' AND enterprise_id IS NULL",
                  "entity account without an enterprise",
                  "an account of kind 'entity' belongs to a covered enterprise: fill enterprise_id"),
        ),
        doc="Registry accounts.",
    ),
    Table(
        "trades",
        (
            C("trade_id", required=True),
            C("ts", "timestamp", required=True),
            C("method", required=True, enum=("listing", "block", "auction")),
            C("buyer_account", required=True, ref="accounts.account_id"),
            C("seller_account", required=True, ref="accounts.account_id"),
            C("volume_t", "float", required=True, min=0, min_exclusive=True),
            C("price_cny", "float", required=True, min=0, min_exclusive=True),
            C("vintage"),
        ),
        key=("trade_id",),
        checks=(
            Check("self_trade", ("seller_account",), "buyer_account = seller_account",
                  "buyer and seller are the same account", "a trade needs two different accounts"),
            Check("price_unit", ("price_cny",), "price_cny > 1000",
                  "price above 1,000 CNY/t", "price_cny is CNY per tonne; a value in fen or per 10^4 t is a unit mistake"),
        ),
        doc="Individual CEA trades.",
    ),
    Table(
        "market_daily",
        (
            C("date", "date", required=True),
            C("open", "float", min=0),
            C("high", "float", min=0),
            C("low", "float", min=0),
            C("close", "float", min=0),
            C("volume_t", "float", required=True, min=0),
            C("amount_cny", "float", required=True, min=0),
        ),
        key=("date",),
        checks=(
            Check("high_low", ("high",), "high < low", "daily high below daily low", "check high and low are not swapped"),
        ),
        doc="The exchange's published daily figures (close = the day's VWAP of listing trades).",
    ),
    Table(
        "case_labels",
        (
            C("enterprise_id", required=True, ref="enterprises.enterprise_id"),
            C("period", required=True),
            C("pattern", required=True),
            C("outcome", required=True, enum=("confirmed", "dismissed")),
        ),
        key=("enterprise_id", "period", "pattern"),
        checks=(
            Check("label_period", ("period",), "NOT regexp_full_match(period, '\\d{4}(-(0[1-9]|1[0-2]))?')",
                  "period is neither YYYY-MM nor YYYY", "write the inspected month as YYYY-MM or the whole year as YYYY"),
        ),
        doc="Outcomes of past inspections (ground truth for evaluation).",
    ),
)

TABLE_BY_NAME = {t.name: t for t in TABLES}

# Chinese headers seen in regulators' exports, mapped onto contract names.
HEADER_MAP_ZH = {
    "排放单位名称": "name",
    "企业名称": "name",
    "统一社会信用代码": "enterprise_id",
    "省份代码": "province_code",
    "城市": "city",
    "行业": "sector",
    "所属集团": "group_name",
    "机组编号": "unit_id",
    "机组类别": "unit_class",
    "装机容量": "capacity_mw",
    "月份": "period",
    "燃料类型": "fuel_type",
    "燃料消耗量": "fuel_consumed",
    "低位发热量": "ncv",
    "单位热值含碳量": "carbon_content",
    "元素碳含量": "carbon_ar_pct",
    "全水分": "total_moisture_pct",
    "发电量": "generation_mwh",
    "供电量": "supply_mwh",
    "供热量": "heat_supply_gj",
    "运行小时数": "operating_hours",
    "负荷率": "load_factor",
    "检测机构": "lab_id",
    "检测报告编号": "lab_report_no",
    "采样日期": "sample_date",
    "检测日期": "test_date",
    "报告日期": "report_date",
    "存证时间": "submitted_at",
}


# What the detection engine stores (core/insight/runs.py): one row per run, its scores per unit-month,
# the rule hits and the risk components per enterprise-year. A run is keyed by a hash of its
# inputs (detectors, features, parameters, scope, data version), so the same inputs are read
# back instead of refitted. No foreign keys: runs are derived data, dropped with their run.


def province_rows() -> list[tuple]:
    """The 32 administrative regions of the national market, from the shipped reference CSVs."""
    with open(REFERENCE_DIR / "china_provinces.csv", encoding="utf-8") as f:
        names = {r["adcode"][:2]: r for r in csv.DictReader(f)}
    with open(REFERENCE_DIR / "province_regions.csv", encoding="utf-8") as f:
        regions = {r["code"]: r for r in csv.DictReader(f)}
    if set(names) != set(regions):
        raise ValueError("china_provinces.csv and province_regions.csv list different provinces")
    return [
        (code, n["adcode"], n["name_zh"], n["name_en"], n["abbr_zh"], regions[code]["grid_region"],
         int(regions[code]["tile_row"]), int(regions[code]["tile_col"]))
        for code, n in sorted(names.items())
    ]


