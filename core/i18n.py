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
    # --- anomaly lab ------------------------------------------------------------------
    "nav.lab": {"en": "Anomaly Lab", "zh": "异常检测实验室"},
    "lab.title": {"en": "Anomaly Lab", "zh": "异常检测实验室"},
    "lab.intro": {
        "en": "Run the rule catalogue and the outlier detectors on the scope, level, features and detectors you "
              "choose; compare the detectors, inspect the rows they flag, re-weight the enterprise risk ranking and "
              "measure it against past inspections. Runs are saved: repeating one reads it back at once.",
        "zh": "按所选范围、粒度、特征和检测算法运行规则库与离群检测算法；比较各算法结果，查看被标记的记录，"
              "调整企业风险排名的权重，并与以往检查结论对照评估。运行结果会保存，重复运行时直接读取。",
    },
    "lab.controls": {"en": "Run settings", "zh": "运行设置"},
    "lab.scope": {"en": "Provinces", "zh": "省份"},
    "lab.scope.national": {"en": "the whole country", "zh": "全国"},
    "lab.scope.all": {"en": "All provinces in your scope", "zh": "数据范围内全部省份"},
    "lab.scope.help": {
        "en": "Leave empty for every province you may see. A run on fewer provinces compares each row with "
              "peers from those provinces only.",
        "zh": "留空表示您有权查看的全部省份。只选部分省份时，每条记录仅与这些省份内的同类机组比较。",
    },
    "lab.level": {"en": "Level", "zh": "分析粒度"},
    "lab.level.help": {
        "en": "Unit-months: each generating unit's monthly report. Enterprise-years: each enterprise's year, "
              "summarised by the most extreme month of every feature.",
        "zh": "机组·月：每台机组的月度存证；企业·年：每家企业每年一行，各特征取该年最极端的月份。",
    },
    "level.unit_month": {"en": "Unit-months", "zh": "机组·月"},
    "level.enterprise_year": {"en": "Enterprise-years", "zh": "企业·年"},
    "lab.features": {"en": "Features", "zh": "特征"},
    "lab.detectors": {"en": "Detectors", "zh": "检测算法"},
    "lab.detector.option": {"en": "{label} · {cost}", "zh": "{label}（耗时：{cost}）"},
    "cost.fast": {"en": "fast", "zh": "短"},
    "cost.medium": {"en": "medium cost", "zh": "中等"},
    "cost.neighbour": {"en": "O(n²), enterprise-years only", "zh": "O(n²)，仅限企业·年"},
    "lab.neighbour.caption": {
        "en": "k nearest neighbours and LOF compare every row with every other: their cost grows with the square "
              "of the rows, O(n²), which on the ~400,000 unit-months of a national run means hours. They are "
              "allowed at the enterprise-year level only (about 30 times fewer rows).",
        "zh": "K近邻和局部离群因子需将每行与所有其他行比较，耗时随行数平方增长（O(n²)），在全国约40万机组·月上"
              "需数小时，因此仅允许在企业·年粒度（行数约为三十分之一）使用。",
    },
    "lab.threshold": {"en": "Flag rows by", "zh": "标记方式"},
    "threshold.contamination": {"en": "share of rows (contamination)", "zh": "按比例（污染率）"},
    "threshold.z": {"en": "ensemble score cut-off", "zh": "按集成得分阈值"},
    "lab.contamination": {"en": "Contamination: share of rows flagged", "zh": "污染率：标记的记录占比"},
    "lab.z": {"en": "Cut-off: ensemble score ≥ z (robust SDs)", "zh": "阈值：集成得分 ≥ z（稳健标准差）"},
    "lab.run": {"en": "Run", "zh": "运行"},
    "lab.refused.neighbour": {
        "en": "Refused: {detectors} cannot run at the unit-month level. Their cost grows with the square of the "
              "rows (O(n²)): hours on hundreds of thousands of unit-months. Choose the enterprise-year level for "
              "them, or other detectors.",
        "zh": "已拒绝：{detectors}不能在机组·月粒度运行。其耗时随行数平方增长（O(n²)），在数十万机组·月上需数小时。"
              "请改用企业·年粒度，或选择其他检测算法。",
    },
    "lab.refused.detectors": {"en": "Refused: choose at least one detector.", "zh": "已拒绝：请至少选择一种检测算法。"},
    "lab.refused.features": {"en": "Refused: choose at least one feature.", "zh": "已拒绝：请至少选择一个特征。"},
    "lab.refused.previous": {
        "en": "The results below are still those of the previous run.",
        "zh": "下方仍显示上一次运行的结果。",
    },
    "lab.not_run": {
        "en": "These settings have not been run on the current data yet. Press **Run** to compute them "
              "(a national unit-month run takes about half a minute; it is saved for everyone afterwards).",
        "zh": "当前数据尚未按此设置运行。请点击**运行**进行计算（全国机组·月运行约需半分钟，完成后结果会保存供所有人使用）。",
    },
    "lab.status.running": {"en": "Running the assessment…", "zh": "正在运行评估……"},
    "lab.status.waiting": {
        "en": "Another run is in progress in this app; this one starts when it has finished.",
        "zh": "本应用中另一项运行正在进行，完成后将开始本次运行。",
    },
    "lab.status.done": {"en": "Assessment computed in {seconds} and saved", "zh": "评估已完成并保存，用时{seconds}"},
    "lab.status.stored": {"en": "Assessment read back from storage", "zh": "评估结果已从存储读取"},
    "lab.status.failed": {"en": "The run could not be made: {reason}", "zh": "无法完成本次运行：{reason}"},
    "step.features": {"en": "Computing features from the monthly reports", "zh": "根据月度存证计算特征"},
    "step.rules": {"en": "Checking the rule catalogue", "zh": "执行规则库检查"},
    "step.detector": {"en": "Fitting {detector}", "zh": "拟合{detector}"},
    "step.ensemble": {"en": "Combining the detectors into the ensemble score", "zh": "合成集成得分"},
    "step.risk": {"en": "Computing the risk components", "zh": "计算风险分项"},
    "step.saving": {"en": "Saving the run", "zh": "保存运行结果"},
    "step.stored": {"en": "Read back from storage", "zh": "已从存储读取"},
    "step.done": {"en": "Done", "zh": "完成"},
    "lab.summary": {"en": "Run summary", "zh": "运行概况"},
    "lab.summary.rows": {"en": "Rows scored", "zh": "评分记录数"},
    "lab.summary.rows.help": {"en": "{level} in {scope}", "zh": "{scope}的{level}"},
    "lab.summary.detectors": {"en": "Detectors", "zh": "检测算法"},
    "lab.summary.features": {"en": "Features used", "zh": "使用特征"},
    "lab.summary.duration": {"en": "Computing time", "zh": "计算用时"},
    "lab.summary.duration.help": {
        "en": "Time the run took when it was computed (features, rules, detectors, risk)",
        "zh": "本次运行计算时的耗时（特征、规则、检测算法、风险）",
    },
    "lab.summary.id": {"en": "Run `{run_id}`", "zh": "运行编号 `{run_id}`"},
    "lab.summary.stored": {
        "en": "Served from storage: computed on {when} in {seconds}.",
        "zh": "从存储读取：计算于{when}，用时{seconds}。",
    },
    "lab.summary.fresh": {
        "en": "Computed just now in {seconds} and saved: the same settings are read back from storage next time.",
        "zh": "刚刚计算完成，用时{seconds}，已保存：下次相同设置将直接从存储读取。",
    },
    "lab.summary.detector_list": {"en": "Detectors: {detectors}.", "zh": "检测算法：{detectors}。"},
    "lab.summary.dropped": {
        "en": "Left out as constant or collinear on these rows: {features}.",
        "zh": "因在这些记录上为常数或共线而未使用：{features}。",
    },
    "lab.summary.failed": {
        "en": "Detectors that could not run on these rows (the ensemble uses the others): {failed}",
        "zh": "以下检测算法无法在这些记录上运行（集成得分使用其余算法）：{failed}",
    },
    "lab.summary.repaired": {
        "en": "Non-finite scores repaired (set to the detector's most extreme finite score, so they stay flagged): "
              "{repaired}.",
        "zh": "已修复非有限得分（设为该算法最极端的有限得分，仍保持标记）：{repaired}。",
    },
    "lab.summary.repaired_rows": {"en": "{detector} {rows} rows", "zh": "{detector}{rows}行"},
    "lab.agreement": {"en": "Detector agreement", "zh": "检测算法一致性"},
    "lab.agreement.spearman": {"en": "Rank correlation (Spearman)", "zh": "秩相关系数（Spearman）"},
    "lab.agreement.overlap": {"en": "Overlap of the top 1 %", "zh": "前1%重合度"},
    "lab.agreement.spearman.caption": {
        "en": "Spearman correlation between two detectors' scores over every row scored: 1 = the same order.",
        "zh": "两种检测算法在全部评分记录上得分的Spearman秩相关系数：1表示排序完全相同。",
    },
    "lab.agreement.overlap.caption": {
        "en": "Share of the row detector's top 1 % that the column detector also puts in its top 1 %. Low overlap "
              "means the detectors see different kinds of outliers; the ensemble averages them.",
        "zh": "行所示算法的前1%记录中，列所示算法也排在前1%的比例。重合度低说明各算法发现的离群类型不同，集成得分取其平均。",
    },
    "lab.agreement.single": {"en": "One detector only: nothing to compare.", "zh": "仅一种检测算法，无可比较。"},
    "axis.detector": {"en": "Detector", "zh": "检测算法"},
    "axis.compared": {"en": "Compared with", "zh": "对比算法"},
    "lab.flagged": {"en": "Flagged rows", "zh": "被标记的记录"},
    "lab.flagged.count.contamination": {
        "en": "{flagged} of {rows} rows are in the top {share} by ensemble score; the {shown} highest are listed.",
        "zh": "{rows}条记录中，集成得分位于前{share}的有{flagged}条；下表列出得分最高的{shown}条。",
    },
    "lab.flagged.count.z": {
        "en": "{flagged} of {rows} rows have an ensemble score ≥ {z}; the {shown} highest are listed.",
        "zh": "{rows}条记录中，集成得分 ≥ {z}的有{flagged}条；下表列出得分最高的{shown}条。",
    },
    "lab.flagged.none": {"en": "No row is above the threshold.", "zh": "没有记录超过阈值。"},
    "lab.flagged.caption": {
        "en": "Ensemble score: the mean of the detectors' robust-standardised scores ((score − median) ÷ 1.4826 MAD, "
              "clipped to −5…30), one column per detector beside it. Percentile: rank among all rows scored. "
              "Why: the features furthest from their median on this row, as value (median, robust z); kept for the "
              "top 2 % of rows.",
        "zh": "集成得分：各检测算法稳健标准化得分（（得分 − 中位数）÷ 1.4826 MAD，截断至 −5…30）的平均值，"
              "右侧为各算法得分。百分位：在全部评分记录中的排名。异常原因：该记录偏离中位数最远的特征，"
              "格式为 取值（中位数，稳健z）；仅保存得分前2%的记录。",
    },
    "lab.flagged.select": {
        "en": "Select a row to read in full why it was flagged.",
        "zh": "选中一行可查看其被标记的完整原因。",
    },
    "lab.flagged.detail": {
        "en": "**{enterprise}** · {unit} · {period}: ensemble score {score} (percentile {percentile}). Why:",
        "zh": "**{enterprise}** · {unit} · {period}：集成得分{score}（百分位{percentile}）。异常原因：",
    },
    "lab.explain": {"en": "{feature} {value} (median {median}, robust z {z})",
                    "zh": "{feature} {value}（中位数 {median}，稳健z {z}）"},
    "lab.download.flagged": {"en": "Download flagged rows (CSV)", "zh": "下载被标记的记录（CSV）"},
    "lab.download.flagged.help": {
        "en": "Every flagged row, highest score first (at most {limit} rows).",
        "zh": "全部被标记的记录，按得分从高到低（最多{limit}行）。",
    },
    "lab.ranking": {"en": "Enterprise risk ranking", "zh": "企业风险排名"},
    "lab.weights": {"en": "Risk weights", "zh": "风险权重"},
    "lab.weights.formula": {
        "en": "risk = 100 × ({terms}) ÷ {total}, per enterprise and year; an enterprise ranks by its worst year. "
              "Bands: {bands}.",
        "zh": "风险分 = 100 × （{terms}）÷ {total}，按企业和年份计算；企业按其风险最高的年份排名。等级：{bands}。",
    },
    "lab.weights.zero": {
        "en": "The weights cannot all be zero: the default weights are used.",
        "zh": "权重不能全部为零，已使用默认权重。",
    },
    "component.rules": {"en": "rules", "zh": "规则"},
    "component.model": {"en": "model", "zh": "模型"},
    "component.motive": {"en": "motive", "zh": "动机"},
    "component.context": {"en": "context", "zh": "关联环境"},
    "component.rules.help": {
        "en": "Distinct rules fired that year: 1 − Π(1 − severity weight); critical 0.9, high 0.6, medium 0.25, "
              "info 0.05.",
        "zh": "当年触发的不同规则：1 − Π(1 − 严重程度权重)；严重0.9，高0.6，中0.25，提示0.05。",
    },
    "component.model.help": {
        "en": "The year's most abnormal row by ensemble score: 0 up to 3 robust SDs, rising to 1 at 8.",
        "zh": "当年集成得分最高的记录：3个稳健标准差以下为0，8个时为1。",
    },
    "component.motive.help": {
        "en": "Allowance deficit as a share of the allocation, full at 20 %.",
        "zh": "配额缺口占分配配额的比例，20%时为满分。",
    },
    "component.context.help": {
        "en": "How often the enterprise's lab, consultant and verifier have other clients with a critical or high "
              "rule that year, above the national rate.",
        "zh": "企业的检测机构、咨询机构和核查机构的其他客户当年触发严重或高等级规则的比例高出全国水平的程度。",
    },
    "band.critical": {"en": "Critical", "zh": "严重"},
    "band.high": {"en": "High", "zh": "高"},
    "band.medium": {"en": "Medium", "zh": "中"},
    "band.low": {"en": "Low", "zh": "低"},
    "lab.band.help": {"en": "Enterprises whose worst year scores {range}", "zh": "风险最高年份得分{range}的企业"},
    "lab.ranking.shown": {
        "en": "The {shown} highest of {n} enterprises are listed; the CSV has all of them.",
        "zh": "共{n}家企业，下表列出风险最高的{shown}家；CSV文件包含全部企业。",
    },
    "lab.download.ranked": {"en": "Download ranked enterprises (CSV)", "zh": "下载企业风险排名（CSV）"},
    "lab.eval": {"en": "Evaluation against past inspections", "zh": "对照以往检查结论的评估"},
    "lab.eval.none": {
        "en": "No confirmed case labels in this scope: import case_labels (outcomes of past inspections) on the "
              "Data & import page to measure the ranking.",
        "zh": "此范围内没有已确认的案例标签：请在“数据与导入”页面导入 case_labels（以往检查结论）后评估排名效果。",
    },
    "lab.eval.budget": {"en": "Review budget: share of enterprises reviewed", "zh": "核查预算：核查企业占比"},
    "lab.eval.summary": {
        "en": "{positive} confirmed cases among {n} enterprises; a budget of {budget} means reviewing the top {k}.",
        "zh": "{n}家企业中有{positive}家已确认违规；{budget}的核查预算即核查排名前{k}家企业。",
    },
    "lab.eval.caption": {
        "en": "ROC-AUC: the chance that a confirmed enterprise ranks above an unconfirmed one (0.5 = chance). "
              "Average precision: precision averaged over every confirmed case found. Precision@k: share of "
              "confirmed cases among the top k. Recall within budget: share of confirmed cases found in the "
              "reviewed share. Enterprises rank by their worst year (composite, rules) or worst row (detectors).",
        "zh": "ROC-AUC：已确认企业排在未确认企业之前的概率（0.5为随机水平）。平均精度：在每个已确认案例处的精确率的平均。"
              "前k名精确率：排名前k家中已确认案例的比例。预算内召回率：核查范围内找到的已确认案例比例。"
              "企业按其风险最高的年份（综合风险分、规则）或得分最高的记录（检测算法）排名。",
    },
    "lab.eval.patterns": {"en": "Recall within the budget, per pattern (risk composite)",
                          "zh": "各违规模式在预算内的召回率（综合风险分）"},
    "eval.ranking.risk composite": {"en": "Risk composite", "zh": "综合风险分"},
    "eval.ranking.rules only": {"en": "Rules only", "zh": "仅规则"},
    "eval.ranking.model ensemble": {"en": "Model ensemble", "zh": "模型集成得分"},
    "eval.ranking.detector": {"en": "Detector: {detector}", "zh": "检测算法：{detector}"},
    "col.enterprise": {"en": "Enterprise", "zh": "企业"},
    "col.enterprise_id": {"en": "Enterprise ID", "zh": "统一社会信用代码"},
    "col.province": {"en": "Province", "zh": "省份"},
    "col.unit": {"en": "Unit", "zh": "机组"},
    "col.period": {"en": "Period", "zh": "期间"},
    "col.score": {"en": "Ensemble score", "zh": "集成得分"},
    "col.percentile": {"en": "Percentile", "zh": "百分位"},
    "col.why": {"en": "Why", "zh": "异常原因"},
    "col.rank": {"en": "Rank", "zh": "排名"},
    "col.worst_year": {"en": "Worst year", "zh": "风险最高年份"},
    "col.risk_score": {"en": "Risk score", "zh": "风险分"},
    "col.band": {"en": "Band", "zh": "风险等级"},
    "col.rules": {"en": "Rules", "zh": "规则"},
    "col.model": {"en": "Model", "zh": "模型"},
    "col.motive": {"en": "Motive", "zh": "动机"},
    "col.context": {"en": "Context", "zh": "关联环境"},
    "col.n_rules": {"en": "Rules fired", "zh": "触发规则数"},
    "col.reasons": {"en": "Top reasons", "zh": "主要原因"},
    "col.ranking": {"en": "Ranking by", "zh": "排序依据"},
    "col.roc_auc": {"en": "ROC-AUC", "zh": "ROC曲线下面积"},
    "col.avg_precision": {"en": "Average precision", "zh": "平均精度"},
    "col.precision_at": {"en": "Precision@{k}", "zh": "前{k}名精确率"},
    "col.recall@budget": {"en": "Recall within budget", "zh": "预算内召回率"},
    "col.pattern": {"en": "Pattern", "zh": "违规模式"},
    "col.cases": {"en": "Cases", "zh": "案例数"},
    "col.found": {"en": "Found", "zh": "检出数"},
    "col.recall": {"en": "Recall", "zh": "召回率"},
    "feature.coal_rate_peer_z": {"en": "Supply coal rate vs peers (robust z)", "zh": "供电煤耗与同类机组相比（稳健z）"},
    "feature.coal_rate_own_dev": {"en": "Supply coal rate vs the unit's own median", "zh": "供电煤耗相对本机组中位数"},
    "feature.intensity_peer_z": {"en": "tCO₂ per MWh supplied vs peers (robust z)",
                                 "zh": "单位供电碳排放与同类机组相比（稳健z）"},
    "feature.cc_own_dev": {"en": "Carbon content vs the plant's own median", "zh": "单位热值含碳量相对本厂中位数"},
    "feature.cc_peer_z": {"en": "Carbon content vs measured plants of the year (robust z)",
                          "zh": "单位热值含碳量与当年实测电厂相比（稳健z）"},
    "feature.ncv_dry_own_dev": {"en": "Dry-basis NCV implied by the moisture vs own median",
                                "zh": "按全水分折算的干基发热量相对本厂中位数"},
    "feature.moisture_own_diff": {"en": "Total moisture vs the plant's own median", "zh": "全水分相对本厂中位数"},
    "feature.cc_mom": {"en": "Carbon content change on the previous month", "zh": "单位热值含碳量环比变化"},
    "feature.load_factor": {"en": "Load factor", "zh": "负荷率"},
    "feature.hours_share": {"en": "Operating hours / hours in the month", "zh": "运行小时数占当月小时数比例"},
    "unit.points": {"en": "{value} pts", "zh": "{value}个百分点"},
    "pattern.batch_testing": {"en": "Batch testing presented as monthly", "zh": "集中送检冒充月度检测"},
    "pattern.carbon_shading": {"en": "Carbon content shaded down", "zh": "压低单位热值含碳量"},
    "pattern.copied_values": {"en": "Copied lab results", "zh": "复制检测结果"},
    "pattern.coal_understated": {"en": "Coal consumption understated", "zh": "少报燃煤消耗量"},
    "pattern.invented_moisture": {"en": "Invented total moisture", "zh": "编造全水分"},
    "pattern.verifier_gap": {"en": "Understated report passed by the verifier", "zh": "少报排放仍通过核查"},
    "pattern.intermediary_ring": {"en": "Lab or consultant falsifying for several clients",
                                  "zh": "检测或咨询机构为多家客户造假"},
    "pattern.trade_round_trip": {"en": "Round-trip trade within a group", "zh": "集团内对倒交易"},
    "pattern.off_market_block": {"en": "Off-market block trade within a group", "zh": "集团内偏离市价的大宗交易"},
    "pattern.late_deposit": {"en": "Monthly data deposited late", "zh": "月度数据逾期存证"},
    "pattern.missing_deposit": {"en": "Monthly data never deposited", "zh": "月度数据未存证"},
    "pattern.spot_check": {"en": "Random spot check", "zh": "随机抽查"},
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


def fmt_seconds(v, lang: str) -> str:
    """A duration: 0.4 s / 26.5 s / 2 min 5 s; 0.4秒 / 26.5秒 / 2分5秒."""
    if _missing(v):
        return MISSING
    x = float(v)
    if x < 60:
        text = f"{x:.2f}" if x < 1 else f"{x:.1f}"
        return f"{text}秒" if lang == "zh" else f"{text} s"
    m, sec = divmod(round(x), 60)
    return f"{m}分{sec}秒" if lang == "zh" else f"{m} min {sec} s"


def fmt_signed(v, digits: int = 1) -> str:
    """A number with its sign and a true minus: +1.2, −9.3, 0.0."""
    if _missing(v):
        return MISSING
    x = round(float(v), digits)
    if x == 0:
        return f"{0:.{digits}f}"
    return f"{x:+,.{digits}f}".replace("-", "\u2212")


# How each detection feature's value reads (core.features.MODEL_FEATURES): robust z, a relative
# deviation (shown in %), a difference in percentage points, or a share. Unknown features: plain.
FEATURE_KIND = {
    "coal_rate_peer_z": "z", "intensity_peer_z": "z", "cc_peer_z": "z",
    "coal_rate_own_dev": "relative", "cc_own_dev": "relative", "ncv_dry_own_dev": "relative", "cc_mom": "relative",
    "moisture_own_diff": "points", "load_factor": "share", "hours_share": "share",
}


def fmt_feature(name: str, v, lang: str) -> str:
    """A feature value the way it reads: −9.3 (z), −24.0% (relative), +1.2 pts / +1.2个百分点, 85.0% (share)."""
    if _missing(v):
        return MISSING
    kind = FEATURE_KIND.get(name)
    if kind == "relative":
        return fmt_signed(float(v) * 100, 1) + "%"
    if kind == "share":
        return fmt_pct(v, lang)
    if kind == "points":
        return t("unit.points", lang, value=fmt_signed(v, 1))
    return fmt_signed(v, 2 if abs(float(v)) < 10 else 1)


def label(prefix: str, name: str, lang: str, **kwargs) -> str:
    """The translated label `prefix.name`, or `name` itself for a value we have no words for
    (e.g. a pattern in a user's own case labels)."""
    key = f"{prefix}.{name}"
    return t(key, lang, **kwargs) if key in STRINGS else str(name)
