"""Every word the user reads, in English and simplified Chinese, and how numbers look.

One dictionary of keys -> {"en", "zh"}; `t()` raises on a missing key, so a typo
fails a test instead of showing "overview.titel" to a regulator. The formatters
follow each audience's habits: 万/亿 for Chinese readers, k/M/G for English.
"""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd

LANGS = ("en", "zh")
DEFAULT_LANG = "en"
# Language names are shown in their own language, whatever the current one.
LANG_NAMES = {"en": "English", "zh": "中文"}

STRINGS: dict[str, dict[str, str]] = {
    # --- shell: navigation, language, scope, errors ---------------------------------
    "app.name": {"en": "CarbonWatch", "zh": "CarbonWatch 碳排放数据监管"},
    "nav.overview": {"en": "Overview", "zh": "总览"},
    "nav.data": {"en": "Data & import", "zh": "数据与导入"},
    "nav.heading": {"en": "Pages", "zh": "页面"},
    "lang.label": {"en": "Language", "zh": "语言"},
    "scope.national": {"en": "Scope: national", "zh": "数据范围：全国"},
    "scope.provinces": {"en": "Scope: {provinces}", "zh": "数据范围：{provinces}"},
    "scope.invalid": {
        "en": "The access scope of this deployment is misconfigured (CARBONWATCH_SCOPE={value!r}: {problem}). "
              "No data is shown until it lists valid 2-digit province codes, e.g. 37,32.",
        "zh": "本部署的数据访问范围配置有误（CARBONWATCH_SCOPE={value!r}：{problem}）。"
              "请填写有效的两位省级行政区代码（如 37,32），修正前不显示任何数据。",
    },
    "db.missing.title": {"en": "No database yet", "zh": "尚无数据库"},
    "db.missing.body": {
        "en": "CarbonWatch found no database at `{path}`. Build the demo database and start the app with "
              "`make run`, or build it only with `python -m core.cli demo --db {path}`; then reload this page.",
        "zh": "在 `{path}` 未找到 CarbonWatch 数据库。请运行 `make run` 生成演示数据库并启动应用，"
              "或仅运行 `python -m core.cli demo --db {path}` 生成数据库，然后刷新本页面。",
    },
    "db.busy": {
        "en": "The database `{path}` is in use by another process (for example a command-line load). "
              "Wait for it to finish, then reload this page.",
        "zh": "数据库 `{path}` 正被其他进程占用（例如命令行导入）。请待其完成后刷新本页面。",
    },
    # --- overview -------------------------------------------------------------------
    "overview.title": {"en": "National carbon market overview", "zh": "全国碳市场概览"},
    "overview.intro": {
        "en": "Power-sector key emitting entities in the national ETS: coverage, emissions, data quality.",
        "zh": "全国碳排放权交易市场发电行业重点排放单位：覆盖范围、排放量与数据质量。",
    },
    "overview.empty": {
        "en": "The database holds no monthly reports yet. Import data on the Data & import page.",
        "zh": "数据库中尚无月度存证数据，请在“数据与导入”页面导入。",
    },
    "metric.enterprises": {"en": "Key emitting entities", "zh": "重点排放单位"},
    "metric.enterprises.help": {
        "en": "Enterprises in the database, in {provinces} provinces",
        "zh": "数据库中的企业，分布于{provinces}个省级行政区",
    },
    "metric.units": {"en": "Generating units", "zh": "发电机组"},
    "metric.units.help": {
        "en": "{unit_months} unit-months of monthly reports, {first} to {last}",
        "zh": "月度存证共{unit_months}机组·月，{first}至{last}",
    },
    "metric.capacity": {"en": "Installed capacity", "zh": "装机容量"},
    "metric.emissions": {"en": "Emissions {year}", "zh": "{year}年排放量"},
    "metric.emissions.help": {
        "en": "Sum of monthly reports by the accounting formula; change against {prev}",
        "zh": "按核算公式汇总月度存证；与{prev}年相比的变化",
    },
    "metric.measured": {"en": "Measured carbon content {year}", "zh": "{year}年含碳量实测占比"},
    "metric.measured.help": {
        "en": "Coal unit-months whose carbon content per unit heat was measured, not the default value",
        "zh": "燃煤机组月度单位热值含碳量采用实测值（而非缺省值）的比例",
    },
    "metric.on_time": {"en": "On-time deposits {year}", "zh": "{year}年月度存证按时率"},
    "metric.on_time.help": {
        "en": "Unit-months deposited by the deadline (from 2022: 40 days after month end)",
        "zh": "在截止日期前完成存证的机组·月比例（2022年起为月结束后40日内）",
    },
    "metric.vs": {"en": "vs {year}", "zh": "较{year}年"},
    "chart.emissions.title": {"en": "Emissions by year", "zh": "历年排放量"},
    "chart.emissions.caption": {
        "en": "Monthly reports: Σ fuel consumed × NCV × carbon content per unit heat × oxidation rate "
              "(0.99 if blank) × 44/12, table monthly_reports. Verified: verified_t, table verifications. "
              "Years marked * are incomplete (fewer than 12 months).",
        "zh": "月度存证核算值：Σ 燃料消耗量 × 低位发热量 × 单位热值含碳量 × 碳氧化率（缺省0.99）× 44/12，"
              "来自 monthly_reports 表；核查值：verifications 表的 verified_t。标 * 的年份数据不足12个月。",
    },
    "chart.measured.title": {"en": "Share of measured carbon content", "zh": "单位热值含碳量实测占比"},
    "chart.measured.caption": {
        "en": "Coal unit-months with carbon_content_source = measured ÷ all coal unit-months (table monthly_reports). "
              "Published national figure: share of plants measuring carbon content, 66% (2019) and 93% (2022), "
              "per the MEE allocation plan reported by ICAP.",
        "zh": "燃煤机组·月中 carbon_content_source = measured 的比例（monthly_reports 表）。"
              "公布的全国数据为实测含碳量的电厂占比：2019年66%、2022年93%（生态环境部配额分配方案，ICAP报道）。",
    },
    "chart.on_time.title": {"en": "Monthly deposits made on time", "zh": "月度存证按时率"},
    "chart.on_time.caption": {
        "en": "Unit-months with submitted_at on or before the deadline ÷ all unit-months (table monthly_reports). "
              "Deadline: 40 days after month end from 2022; before that the annual reporting deadline.",
        "zh": "submitted_at 不晚于截止日期的机组·月占比（monthly_reports 表）。"
              "截止日期：2022年起为月结束后40日；此前为年度报告截止日期。",
    },
    "chart.province.title": {"en": "Emissions by province, {year}", "zh": "{year}年分省排放量"},
    "chart.province.caption": {
        "en": "Sum of monthly reports by the accounting formula, by the enterprise's province (tables monthly_reports, "
              "units, enterprises, provinces); colour: regional grid.",
        "zh": "按核算公式汇总月度存证，按企业所在省份统计（monthly_reports、units、enterprises、provinces 表）；"
              "颜色表示所属区域电网。",
    },
    "series.computed": {"en": "Monthly reports (formula)", "zh": "月度存证核算值"},
    "series.verified": {"en": "Verified", "zh": "核查值"},
    "series.observed": {"en": "This database", "zh": "本库数据"},
    "series.published": {"en": "Published national figure", "zh": "公布的全国数据"},
    "axis.year": {"en": "Year", "zh": "年份"},
    "axis.share": {"en": "Share", "zh": "占比"},
    "axis.emissions": {"en": "Emissions ({unit})", "zh": "排放量（{unit}）"},
    "axis.province": {"en": "Province", "zh": "省份"},
    "axis.region": {"en": "Regional grid", "zh": "区域电网"},
    "axis.series": {"en": "Series", "zh": "数据系列"},
    "axis.enterprises": {"en": "Entities", "zh": "重点排放单位数"},
    "axis.value": {"en": "Value", "zh": "数值"},
    "region.north": {"en": "North", "zh": "华北"},
    "region.northeast": {"en": "Northeast", "zh": "东北"},
    "region.east": {"en": "East", "zh": "华东"},
    "region.central": {"en": "Central", "zh": "华中"},
    "region.northwest": {"en": "Northwest", "zh": "西北"},
    "region.south": {"en": "South", "zh": "南方"},
    "region.southwest": {"en": "Southwest", "zh": "西南"},
    "status.line": {
        "en": "Data: {source}, loaded {when} ({rows} rows).",
        "zh": "数据来源：{source}，导入时间：{when}（{rows}行）。",
    },
    "status.empty": {"en": "No data has been loaded yet.", "zh": "尚未导入任何数据。"},
    # --- data & import ----------------------------------------------------------------
    "data.title": {"en": "Data & import", "zh": "数据与导入"},
    "data.counts": {"en": "Rows per table", "zh": "各数据表记录数"},
    "data.history": {"en": "Load history", "zh": "导入记录"},
    "data.history.empty": {"en": "Nothing has been loaded yet.", "zh": "尚无导入记录。"},
    "data.contract": {"en": "Import format (data contract)", "zh": "导入格式（数据规范）"},
    "data.contract.intro": {
        "en": "One file per table, named `<table>.csv`, `<table>.xlsx` or `<table>.parquet`; CSV in UTF-8 or GB18030, "
              "header row with the column names below. Periods as YYYY-MM, dates as YYYY-MM-DD. A load is all or "
              "nothing: if any file has a problem, nothing changes and every problem is listed.",
        "zh": "每张数据表一个文件，命名为 `<表名>.csv`、`<表名>.xlsx` 或 `<表名>.parquet`；CSV 使用 UTF-8 或 GB18030 编码，"
              "首行为下列字段名。月份格式 YYYY-MM，日期格式 YYYY-MM-DD。导入要么全部成功，要么不做任何更改："
              "任一文件有问题时，数据库保持不变，并列出全部问题。",
    },
    "data.contract.required_file": {"en": " (required file)", "zh": "（必需文件）"},
    "data.import": {"en": "Import files", "zh": "导入文件"},
    "data.import.files": {"en": "Files (one per table)", "zh": "文件（每张表一个）"},
    "data.import.submit": {"en": "Validate and import", "zh": "校验并导入"},
    "data.import.none": {"en": "Choose at least one file.", "zh": "请至少选择一个文件。"},
    "data.import.success": {
        "en": "Imported {files} file(s): {inserted} rows inserted, {updated} updated.",
        "zh": "已导入{files}个文件：新增{inserted}行，更新{updated}行。",
    },
    "data.import.rejected": {
        "en": "Nothing was changed: the import was refused because of {problems} problem(s) listed below. "
              "Correct the files and import them again.",
        "zh": "未做任何更改：导入因以下{problems}个问题被拒绝。请修改文件后重新导入。",
    },
    "data.import.warnings": {"en": "Warnings", "zh": "警告"},
    "data.import.busy": {
        "en": "Another import is running. Try again when it has finished.",
        "zh": "另一项导入正在进行，请待其完成后重试。",
    },
    "col.table": {"en": "Table", "zh": "数据表"},
    "col.description": {"en": "Contents", "zh": "内容"},
    "col.rows": {"en": "Rows", "zh": "记录数"},
    "col.loaded_at": {"en": "Loaded at", "zh": "导入时间"},
    "col.source": {"en": "Source", "zh": "来源"},
    "col.file": {"en": "File", "zh": "文件"},
    "col.inserted": {"en": "Inserted", "zh": "新增"},
    "col.updated": {"en": "Updated", "zh": "更新"},
    "col.column": {"en": "Column", "zh": "字段"},
    "col.type": {"en": "Type", "zh": "类型"},
    "col.required": {"en": "Required", "zh": "必填"},
    "col.allowed": {"en": "Allowed values", "zh": "允许取值"},
    "col.references": {"en": "Refers to", "zh": "关联"},
    "col.key": {"en": "Key", "zh": "主键"},
    "col.row": {"en": "Row", "zh": "行号"},
    "col.value": {"en": "Value", "zh": "取值"},
    "col.rule": {"en": "Rule", "zh": "规则"},
    "col.message": {"en": "Problem", "zh": "问题"},
    "col.hint": {"en": "How to fix", "zh": "修改建议"},
    "type.str": {"en": "text", "zh": "文本"},
    "type.float": {"en": "number", "zh": "数值"},
    "type.int": {"en": "whole number", "zh": "整数"},
    "type.bool": {"en": "true / false", "zh": "布尔值（true / false）"},
    "type.date": {"en": "date YYYY-MM-DD", "zh": "日期 YYYY-MM-DD"},
    "type.timestamp": {"en": "time YYYY-MM-DD HH:MM:SS", "zh": "时间 YYYY-MM-DD HH:MM:SS"},
    "type.period": {"en": "month YYYY-MM", "zh": "月份 YYYY-MM"},
    "type.province": {"en": "province code (2 or 6 digits)", "zh": "省级行政区代码（2位或6位）"},
    "yes": {"en": "yes", "zh": "是"},
    "table.agencies": {"en": "Consultants, testing labs and verifiers", "zh": "咨询机构、检测机构与核查机构"},
    "table.enterprises": {"en": "Key emitting entities", "zh": "重点排放单位"},
    "table.units": {"en": "Generating units", "zh": "发电机组"},
    "table.monthly_reports": {"en": "Monthly reports as deposited", "zh": "月度存证"},
    "table.verifications": {"en": "Annual third-party verification", "zh": "年度第三方核查"},
    "table.allocations": {"en": "Free allowance allocation", "zh": "免费配额分配"},
    "table.compliance": {"en": "Surrender of allowances", "zh": "配额清缴履约"},
    "table.accounts": {"en": "Registry accounts", "zh": "注册登记账户"},
    "table.trades": {"en": "CEA trades", "zh": "碳排放配额交易"},
    "table.market_daily": {"en": "Daily market figures", "zh": "每日交易行情"},
    "table.case_labels": {"en": "Outcomes of past inspections", "zh": "以往检查结论"},
    "table.provinces": {"en": "Provinces (reference)", "zh": "省级行政区（参考表）"},
    "table.load_log": {"en": "Load log", "zh": "导入日志"},
}


def t(key: str, lang: str, **kwargs) -> str:
    """The text for `key` in `lang`, with `{placeholders}` filled from kwargs."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
    text = STRINGS[key][lang]  # KeyError on a missing key, by design
    return text.format(**kwargs) if kwargs else text


def parse_lang(value) -> str:
    """A language from an untrusted source (URL); anything unknown is the default."""
    return value if value in LANGS else DEFAULT_LANG


# --- numbers -----------------------------------------------------------------------------
MISSING = "—"


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT


def _grouped(v: float, decimals: int) -> str:
    return f"{v:,.{decimals}f}"


def _sig3(v: float) -> str:
    """About three significant figures: 4.53, 45.3, 453, 4,530."""
    a = abs(v)
    decimals = 2 if a < 10 else 1 if a < 100 else 0
    return _grouped(v, decimals)


# (threshold, divisor, suffix), largest first. Chinese readers count in 万 (1e4) and 亿 (1e8).
_TONNE_STEPS = {
    "zh": ((1e8, 1e8, "亿吨"), (1e4, 1e4, "万吨"), (0, 1, "吨")),
    "en": ((1e9, 1e9, " Gt"), (1e6, 1e6, " Mt"), (1e3, 1e3, " kt"), (0, 1, " t")),
}
_CNY_STEPS = {
    "zh": ((1e8, 1e8, "亿元"), (1e4, 1e4, "万元"), (0, 1, "元")),
    "en": ((1e9, 1e9, " bn"), (1e6, 1e6, " m"), (0, 1, "")),
}
# Capacity is entered in MW; Chinese statistics publish it in 万千瓦 (10 MW) and 亿千瓦 (100 GW).
_MW_STEPS = {
    "zh": ((1e5, 1e5, "亿千瓦"), (10, 10, "万千瓦"), (0, 1e-3, "千瓦")),
    "en": ((1e3, 1e3, " GW"), (0, 1, " MW")),
}


def _step(v: float, steps) -> tuple[float, str]:
    for threshold, divisor, suffix in steps:
        if abs(v) >= threshold:
            return divisor, suffix
    return steps[-1][1], steps[-1][2]


def _scaled(v, lang: str, steps: dict) -> str:
    if _missing(v):
        return MISSING
    divisor, suffix = _step(float(v), steps[lang])
    x = float(v) / divisor
    if divisor == 1 or (lang == "zh" and suffix == "千瓦"):
        return _grouped(x, 0) + suffix
    # Chinese style keeps a decimal (45.3亿吨, 1,234.5万吨; two below ten: 1.51亿吨);
    # English about three significant figures (4.53 Gt, 151 Mt).
    return (_grouped(x, 2 if abs(x) < 10 else 1) if lang == "zh" else _sig3(x)) + suffix


def tonnes_unit(v: float, lang: str) -> tuple[float, str]:
    """(divisor, unit) a chart axis should use for values up to `v`, matching fmt_tonnes."""
    divisor, suffix = _step(float(v or 0), _TONNE_STEPS[lang])
    return divisor, suffix.strip()


def fmt_tonnes(v, lang: str) -> str:
    """Tonnes (of CO2): 45.3亿吨, 1,234.5万吨 / 4.53 Gt, 12.3 Mt, 850 t."""
    return _scaled(v, lang, _TONNE_STEPS)


def fmt_cny(v, lang: str) -> str:
    """Yuan: 3.2亿元, 56.0万元 / CNY 320 m, CNY 1.23 bn."""
    s = _scaled(v, lang, _CNY_STEPS)
    return s if lang == "zh" or s == MISSING else f"CNY {s}"


def fmt_capacity_mw(v, lang: str) -> str:
    """Installed capacity given in MW: 12.3亿千瓦, 4,560.0万千瓦 / 1,230 GW, 660 MW."""
    return _scaled(v, lang, _MW_STEPS)


def fmt_int(v, lang: str) -> str:
    return MISSING if _missing(v) else _grouped(round(float(v)), 0)


def fmt_pct(v, lang: str, digits: int = 1, signed: bool = False) -> str:
    """A fraction as a percentage: 0.931 -> 93.1%; signed=True for changes (+3.2%)."""
    if _missing(v):
        return MISSING
    return f"{float(v) * 100:{'+' if signed else ''}.{digits}f}%"


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _as_datetime(d) -> dt.datetime | None:
    if _missing(d):
        return None
    if isinstance(d, str):
        d = pd.Timestamp(d)
    if isinstance(d, pd.Timestamp):
        return d.to_pydatetime()
    if isinstance(d, dt.datetime):
        return d
    return dt.datetime(d.year, d.month, d.day)


def fmt_date(d, lang: str) -> str:
    """2023年4月15日 / 15 Apr 2023."""
    x = _as_datetime(d)
    if x is None:
        return MISSING
    return f"{x.year}年{x.month}月{x.day}日" if lang == "zh" else f"{x.day} {_MONTHS_EN[x.month - 1]} {x.year}"


def fmt_datetime(d, lang: str) -> str:
    """2023年4月15日 09:30 / 15 Apr 2023 09:30."""
    x = _as_datetime(d)
    return MISSING if x is None else f"{fmt_date(x, lang)} {x:%H:%M}"


def fmt_period(d, lang: str) -> str:
    """A month: 2023年4月 / Apr 2023."""
    x = _as_datetime(d)
    if x is None:
        return MISSING
    return f"{x.year}年{x.month}月" if lang == "zh" else f"{_MONTHS_EN[x.month - 1]} {x.year}"
