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
    "pattern.trade_cycle": {"en": "Circular block trades", "zh": "循环大宗交易"},
    "pattern.close_marking": {"en": "Marking the close", "zh": "尾盘操纵收盘价"},
    "pattern.deadline_dump": {"en": "Dumping before a compliance deadline", "zh": "履约截止前集中抛售"},
    "pattern.late_deposit": {"en": "Monthly data deposited late", "zh": "月度数据逾期存证"},
    "pattern.missing_deposit": {"en": "Monthly data never deposited", "zh": "月度数据未存证"},
    "pattern.spot_check": {"en": "Random spot check", "zh": "随机抽查"},
    # --- global filters -------------------------------------------------------------
    "nav.province": {"en": "Province", "zh": "省级视图"},
    "nav.enterprise": {"en": "Enterprise dossier", "zh": "企业档案"},
    "nav.market": {"en": "Market surveillance", "zh": "市场监测"},
    "nav.agencies": {"en": "Intermediaries", "zh": "中介机构"},
    "nav.scenarios": {"en": "What-if scenarios", "zh": "情景分析"},
    "filters.title": {"en": "Filters", "zh": "筛选条件"},
    "filters.period": {"en": "Period", "zh": "时间范围"},
    "filters.provinces": {"en": "Provinces", "zh": "省份"},
    "filters.unit_classes": {"en": "Unit classes", "zh": "机组类别"},
    "filters.capacity": {"en": "Unit capacity", "zh": "机组装机容量"},
    "filters.groups": {"en": "Groups", "zh": "所属集团"},
    "filters.consultants": {"en": "Consultants", "zh": "咨询机构"},
    "filters.labs": {"en": "Laboratories", "zh": "检测机构"},
    "filters.verifiers": {"en": "Verifiers", "zh": "核查机构"},
    "filters.bands": {"en": "Risk bands", "zh": "风险等级"},
    "filters.rules": {"en": "Rules fired", "zh": "触发规则"},
    "filters.all": {"en": "All", "zh": "全部"},
    "filters.clear": {"en": "Clear filters", "zh": "清除筛选"},
    "filters.ignored": {"en": "Ignored filter `{param}={value}`: {reason}", "zh": "已忽略筛选条件 `{param}={value}`：{reason}"},
    "filters.outside_scope": {"en": "Province {code} is outside your access scope and was left out.",
                              "zh": "省份 {code} 不在您的数据访问范围内，已忽略。"},
    "filters.no_run": {"en": "No assessment has been run on this data, so risk-band and rule filters match nothing. "
                             "Run `python -m core.cli score` or the Anomaly Lab's default run.",
                       "zh": "当前数据尚未完成风险评估，风险等级和规则筛选无结果。请运行 `python -m core.cli score` "
                             "或在异常检测实验室运行默认评估。"},
    "unit_class.coal_above_300mw": {"en": "Coal, above 300 MW", "zh": "300MW等级以上常规燃煤机组"},
    "unit_class.coal_300mw_below": {"en": "Coal, 300 MW and below", "zh": "300MW等级及以下常规燃煤机组"},
    "unit_class.coal_unconventional": {"en": "Unconventional coal (gangue, CFB)", "zh": "燃煤矸石、煤泥、水煤浆等非常规燃煤机组"},
    "unit_class.gas": {"en": "Gas", "zh": "燃气机组"},
    "filters.item.period": {"en": "period {lo} – {hi}", "zh": "时间 {lo}至{hi}"},
    "filters.item.capacity": {"en": "unit capacity {lo} – {hi} MW", "zh": "机组容量 {lo}–{hi} MW"},
    "filters.none": {"en": "Filters: none", "zh": "筛选条件：无"},
    "filters.active": {"en": "Filters: {items}", "zh": "筛选条件：{items}"},
    # --- overview: risk map, top risks, intermediaries, market, summary ---------------
    "headline.flagged": {"en": "High-risk enterprises {year}", "zh": "{year}年高风险企业"},
    "headline.critical": {"en": "of which critical {year}", "zh": "{year}年其中严重"},
    "headline.emissions": {"en": "Emissions {year}", "zh": "{year}年排放量"},
    "headline.measured": {"en": "Carbon content measured {year}", "zh": "{year}年实测含碳量占比"},
    "headline.on_time": {"en": "Deposited on time {year}", "zh": "{year}年按时存证率"},
    "headline.price": {"en": "CEA price {month}", "zh": "{month}碳价"},
    "headline.vs_year": {"en": "vs {year}", "zh": "较{year}年"},
    "headline.vs_month": {"en": "vs {month}", "zh": "较{month}"},
    "headline.flagged.help": {
        "en": "Enterprises whose risk score that year is in the critical (≥ 50) or high (≥ 30) band: "
              "100 × (0.6 rules + 0.2 model + 0.1 motive + 0.1 context), from the stored assessment {run}.",
        "zh": "当年风险分处于严重（≥50）或高（≥30）等级的企业数：风险分 = 100 ×（0.6 规则 + 0.2 模型 + 0.1 动机 + "
              "0.1 关联），来自已保存的评估 {run}。"},
    "headline.emissions.help": {
        "en": "Sum over monthly reports of fuel × NCV × carbon content × oxidation rate × 44/12.",
        "zh": "按月度报告逐条计算后加总：燃料消耗量 × 低位发热量 × 单位热值含碳量 × 碳氧化率 × 44/12。"},
    "headline.price.help": {
        "en": "Volume-weighted average price of the month on the national market (CEA): turnover / volume, "
              "from the published daily figures.",
        "zh": "全国碳市场（CEA）当月成交量加权均价：成交额 / 成交量，来自公开的每日行情。"},
    "unit.price": {"en": "CNY {value}/t", "zh": "{value}元/吨"},
    "agency.lab": {"en": "laboratory", "zh": "检测机构"},
    "agency.consultant": {"en": "consultant", "zh": "咨询机构"},
    "agency.verifier": {"en": "verifier", "zh": "核查机构"},
    "summary.none": {"en": "No assessment is stored for this data yet, so no enterprise is rated.",
                     "zh": "当前数据尚无已保存的风险评估，暂无企业风险评级。"},
    "summary.flagged": {
        "en": "{n} of {total} enterprises ({share}) are at high or critical risk in the period, most in {where}",
        "zh": "所选期间{total}家企业中有{n}家（{share}）处于高或严重风险，主要分布在{where}"},
    "summary.trend": {"en": "; {this} in {year} against {before} in {prev}",
                      "zh": "；{year}年{this}家，{prev}年{before}家"},
    "summary.reason": {"en": "the commonest leading reason is {rule}", "zh": "最常见的首要原因是“{rule}”"},
    "summary.agency": {
        "en": "the {kind} {name} has {k} flagged clients of {clients} ({share} against {base} overall)",
        "zh": "{kind}{name}的{clients}家客户中有{k}家被标记（{share}，总体为{base}）"},
    "overview.coverage": {
        "en": "Coverage: {enterprises} enterprises, {units} units, {capacity}; monthly reports {first} – {last}.",
        "zh": "覆盖范围：{enterprises}家企业，{units}台机组，装机{capacity}；月度报告{first}至{last}。"},
    "overview.method.1": {
        "en": "Emissions: every monthly report, fuel × NCV × carbon content × oxidation rate (0.99 if not reported) × 44/12.",
        "zh": "排放量：逐条月度报告计算，燃料消耗量 × 低位发热量 × 单位热值含碳量 × 碳氧化率（未报告时取0.99）× 44/12。"},
    "overview.method.2": {
        "en": "Risk per enterprise and year = 100 × (0.6 rules + 0.2 model + 0.1 motive + 0.1 context); bands: "
              "critical ≥ 50, high ≥ 30, medium ≥ 12. An enterprise's risk is its worst year in the period.",
        "zh": "企业年度风险分 = 100 ×（0.6 规则 + 0.2 模型 + 0.1 动机 + 0.1 关联）；等级：严重 ≥50，高 ≥30，中 ≥12。"
              "企业风险取所选期间最高年份。"},
    "overview.method.3": {
        "en": "Rules: 18 checks with published bases (e.g. lab reports within 40 days, carbon content within the "
              "physical band, one test date for many months). Model: PyOD ensemble (IForest, ECOD, PCA, GMM) over "
              "peer-relative features.",
        "zh": "规则：18项有依据的核查规则（如检测报告40天时限、含碳量物理区间、多月共用一个检测日期）。"
              "模型：基于同类机组相对特征的 PyOD 组合模型（IForest、ECOD、PCA、GMM）。"},
    "overview.method.4": {
        "en": "Intermediaries: share of an agency's clients at high or critical risk against the share over all "
              "enterprises in the view.",
        "zh": "服务机构：其客户中高或严重风险企业的占比，与视图内全部企业占比对比。"},
    "overview.method.5": {
        "en": "Market: the exchange's published daily figures (CEA); price = turnover / volume by month.",
        "zh": "碳市场：交易所公开的每日行情（CEA）；月均价 = 成交额 / 成交量。"},
    "overview.method.6": {
        "en": "Caveats: a flag is a reason to look, not a finding; scores depend on the data as deposited and "
              "on the stored assessment; the demo data are synthetic, calibrated on national totals.",
        "zh": "说明：风险标记是核查线索而非结论；分值取决于存证数据和已保存的评估；演示数据为按全国总量校准的模拟数据。"},
    "overview.summary": {"en": "In brief", "zh": "要点"},
    "overview.map.title": {"en": "Where the risk is", "zh": "风险分布"},
    "overview.map.caption": {
        "en": "One tile per province, placed roughly geographically (not a map). Colour: enterprises at high or "
              "critical risk in the period. Click a tile to open the province.",
        "zh": "每个省级行政区一个方块，按大致地理位置排列（非地图）。颜色表示所选期间高或严重风险企业数。点击方块进入该省。"},
    "overview.top.title": {"en": "Ten highest-risk enterprises", "zh": "风险最高的十家企业"},
    "overview.top.caption": {
        "en": "Worst year in the period, default weights; select a row to open the enterprise's dossier.",
        "zh": "取所选期间风险最高的年份，默认权重；选中一行查看企业档案。"},
    "overview.agencies.title": {"en": "Intermediaries with the most flagged clients", "zh": "被标记客户最多的服务机构"},
    "overview.agencies.caption": {
        "en": "Clients in the period at high or critical risk, against the share over all enterprises ({base}). "
              "Select a row to open the intermediary's profile and clients.",
        "zh": "所选期间处于高或严重风险的客户数，及其占比与全部企业占比（{base}）的对比。选中一行查看该机构的画像及其客户。"},
    "overview.risk_trend.title": {"en": "High and critical risk, by year", "zh": "历年高风险与严重风险企业数"},
    "overview.risk_trend.caption": {
        "en": "Each enterprise counted once a year, in the band of that year's score.",
        "zh": "每家企业每年按当年风险分所属等级计数一次。"},
    "overview.market.title": {"en": "Carbon market (CEA)", "zh": "全国碳市场（CEA）"},
    "overview.market.caption": {
        "en": "Monthly volume (bars) and volume-weighted price (line) from the exchange's published daily figures.",
        "zh": "月度成交量（柱）与成交量加权均价（线），来自交易所公开的每日行情。"},
    "overview.export": {"en": "Briefing", "zh": "简报导出"},
    "overview.export.pptx": {"en": "PowerPoint briefing", "zh": "PowerPoint 简报"},
    "overview.export.xlsx": {"en": "Excel tables", "zh": "Excel 数据表"},
    "overview.export.help": {
        "en": "At most 8 slides with native charts and tables, and the tables behind them, in the current language, "
              "scope and filters.",
        "zh": "不超过8页、含可编辑原生图表和表格的简报，以及其背后的数据表；使用当前语言、数据范围和筛选条件。"},
    "overview.no_run": {
        "en": "No assessment is stored for this data yet: risk figures are empty. Run `python -m core.cli score` "
              "or the default run in the Anomaly Lab.",
        "zh": "当前数据尚无已保存的风险评估，风险数据为空。请运行 `python -m core.cli score` 或在异常检测实验室运行默认评估。"},
    "col.main_reason": {"en": "Main reason", "zh": "首要原因"},
    "col.open": {"en": "Open", "zh": "打开"},
    "col.kind": {"en": "Kind", "zh": "类型"},
    "col.agency": {"en": "Intermediary", "zh": "机构"},
    "col.clients": {"en": "Clients", "zh": "客户数"},
    "col.flagged_clients": {"en": "Flagged", "zh": "被标记"},
    "col.flagged_share": {"en": "Share flagged", "zh": "标记占比"},
    "map.flagged": {"en": "High-risk enterprises", "zh": "高风险企业"},
    "map.enterprises": {"en": "Enterprises", "zh": "企业数"},
    "map.max_risk": {"en": "Highest risk", "zh": "最高风险分"},
    "map.emissions": {"en": "Emissions in the period", "zh": "所选期间排放量"},
    "axis.month": {"en": "Month", "zh": "月份"},
    "axis.price": {"en": "Price", "zh": "价格"},
    "axis.volume": {"en": "Volume", "zh": "成交量"},
    "axis.amount": {"en": "Turnover", "zh": "成交额"},
    "axis.volume_unit": {"en": "Volume ({unit})", "zh": "成交量（{unit}）"},
    "axis.price_unit": {"en": "Price (CNY/t)", "zh": "价格（元/吨）"},
    "map.outside": {"en": "outside your scope", "zh": "不在数据范围内"},
    # --- province page --------------------------------------------------------------
    "province.title": {"en": "Province view", "zh": "省级视图"},
    "province.intro": {
        "en": "One province's enterprises ranked by risk, how their scores are spread and in which months rules "
              "fired. Select an enterprise to open its dossier.",
        "zh": "本省重点排放单位的风险排名、风险分分布以及规则触发的月份。选中一家企业即可打开其企业档案。",
    },
    "province.heading": {"en": "{name} ({code})", "zh": "{name}（代码 {code}）"},
    "province.pick": {"en": "Province", "zh": "省份"},
    "province.pick.placeholder": {"en": "Choose a province", "zh": "请选择省份"},
    "province.pick.option": {"en": "{name} · {flagged} flagged of {enterprises}",
                             "zh": "{name} · {enterprises}家中{flagged}家高风险"},
    "province.pick.help": {
        "en": "Provinces in your scope, most flagged enterprises (critical or high band) first. The choice is kept "
              "in the page address (?province=37), so the link can be shared.",
        "zh": "您数据范围内的省份，按高风险（严重或高等级）企业数从多到少排列。所选省份写入网址（?province=37），"
              "可直接分享链接。",
    },
    "province.choose": {"en": "Choose a province above to see its enterprises.",
                        "zh": "请在上方选择省份，查看该省的重点排放单位。"},
    "province.invalid": {
        "en": "“{value}” is not a province you can open. Expected a 2-digit province code in your scope, e.g. "
              "?province={example}; valid codes: {valid}.",
        "zh": "“{value}”不是可打开的省份。应为您数据范围内的2位省级行政区代码，例如 ?province={example}；"
              "有效代码：{valid}。",
    },
    "province.outside": {
        "en": "Province {code} ({name}) is outside your access scope ({scope}) and is not shown: a shared link "
              "grants no access.",
        "zh": "省份 {code}（{name}）不在您的数据访问范围（{scope}）内，不予显示：分享的链接不授予访问权限。",
    },
    "province.no_run": {
        "en": "No risk assessment has been stored for this data yet, so enterprises have no risk score or band. "
              "Make one with `python -m core.cli score` (or the Anomaly Lab's default run), then reload this page.",
        "zh": "当前数据尚未保存风险评估结果，企业暂无风险分和风险等级。请运行 `python -m core.cli score`"
              "（或在异常检测实验室运行默认评估）后刷新本页。",
    },
    "province.basis.national": {"en": "national", "zh": "全国"},
    "province.basis.scope": {"en": "your scope's", "zh": "您数据范围内"},
    "province.metric.enterprises": {"en": "Key emitting entities", "zh": "重点排放单位"},
    "province.metric.enterprises.help": {
        "en": "Enterprises of the province with units the filters keep; {assessed} have a risk score in the period.",
        "zh": "本省符合筛选条件、拥有机组的企业；其中{assessed}家在所选期间有风险分。",
    },
    "province.metric.flagged": {"en": "Flagged (critical + high)", "zh": "高风险企业（严重+高）"},
    "province.metric.flagged.help": {
        "en": "{rate} of the province's enterprises are in the critical or high band in their worst year of the "
              "period; {basis} rate: {base}.",
        "zh": "本省{rate}的企业在所选期间风险最高年份处于严重或高等级；{basis}比例为{base}。",
    },
    "province.metric.emissions": {"en": "Emissions in the period", "zh": "所选期间排放量"},
    "province.metric.emissions.help": {
        "en": "Monthly reports of the filtered period summed by the accounting formula "
              "(fuel × NCV × carbon content × oxidation rate × 44/12).",
        "zh": "按核算公式（燃料消耗量×低位发热量×单位热值含碳量×碳氧化率×44/12）汇总所选期间的月度存证。",
    },
    "province.metric.rank": {"en": "Rank by flagged enterprises", "zh": "高风险企业数排名"},
    "province.metric.rank.value": {"en": "{rank} of {n}", "zh": "第{rank}／{n}"},
    "province.metric.rank.help": {
        "en": "Among the {n} provinces in your scope with enterprises, by the number of flagged enterprises "
              "(1 = most; ties share a rank).",
        "zh": "在您数据范围内有企业的{n}个省份中，按高风险企业数排名（1为最多；并列同名次）。",
    },
    "province.metrics.caption": {
        "en": "Filtered period; assessment run {run_id}. {formula}",
        "zh": "所选期间；风险评估批次 {run_id}。{formula}",
    },
    "province.table": {"en": "Enterprises by risk", "zh": "企业风险排名"},
    "province.search": {"en": "Search by name or ID", "zh": "按名称或统一社会信用代码搜索"},
    "province.search.placeholder": {"en": "e.g. Huaneng or 9137…", "zh": "例如：华能 或 9137…"},
    "province.bands": {"en": "Risk bands", "zh": "风险等级"},
    "province.table.count": {"en": "{shown} of {n} enterprises shown.", "zh": "共{n}家企业，显示{shown}家。"},
    "province.table.empty": {"en": "No enterprise of this province matches the filters.",
                             "zh": "本省没有符合筛选条件的企业。"},
    "province.table.select": {"en": "Select a row, or click “Open”, to open the enterprise's dossier.",
                              "zh": "选中一行或点击“打开”，即可查看企业档案。"},
    "province.table.caption": {
        "en": "Risk score and band: the enterprise's worst year in the period (run {run_id}). Main reason: the first "
              "rule, model or motive behind that score. Emissions: monthly reports in the period by the accounting "
              "formula. Allowance position: allocation minus verified emissions of the latest verified year in the "
              "period (negative = shortfall). Laboratory: the latest in the period; verifier: that of the latest "
              "verified year. Flagged months: distinct months with a rule hit.",
        "zh": "风险分和风险等级：企业在所选期间风险最高的年份（评估批次 {run_id}）。主要原因：该得分背后的首要规则、"
              "模型或动机。排放量：按核算公式汇总所选期间的月度存证。配额盈缺：所选期间最近一个核查年度的分配配额减去"
              "核查排放量（负数为缺口）。检测机构：所选期间最近一次的检测机构；核查机构：最近核查年度的核查机构。"
              "触发规则月数：有规则触发的不同月份数。",
    },
    "province.col.reason": {"en": "Main reason", "zh": "主要原因"},
    "province.col.emissions": {"en": "Emissions ({unit})", "zh": "排放量（{unit}）"},
    "province.col.position": {"en": "Allowance position (t)", "zh": "配额盈缺（吨）"},
    "province.col.position.help": {"en": "Allocated minus verified emissions, tonnes; negative = shortfall.",
                                   "zh": "分配配额减核查排放量（吨）；负数为缺口。"},
    "province.col.consultant": {"en": "Consultant", "zh": "咨询机构"},
    "province.col.lab": {"en": "Laboratory", "zh": "检测机构"},
    "province.col.verifier": {"en": "Verifier", "zh": "核查机构"},
    "province.col.flagged_months": {"en": "Flagged months", "zh": "触发规则月数"},
    "province.col.open": {"en": "Dossier", "zh": "企业档案"},
    "province.open": {"en": "Open", "zh": "打开"},
    "province.hist.title": {"en": "Distribution of risk scores", "zh": "风险分分布"},
    "province.hist.caption": {
        "en": "Enterprises per {width}-point bin of their worst-year risk score in the period (run {run_id}), "
              "coloured by band; dashed lines: band thresholds ({bands}).",
        "zh": "按所选期间风险最高年份的风险分，每{width}分一组统计企业数（评估批次 {run_id}），颜色表示风险等级；"
              "虚线为等级阈值（{bands}）。",
    },
    "province.hist.empty": {"en": "No risk scores in this period.", "zh": "所选期间没有风险分。"},
    "province.axis.risk_score": {"en": "Risk score (0–100)", "zh": "风险分（0–100）"},
    "province.axis.bin": {"en": "Score range", "zh": "分数区间"},
    "province.axis.enterprises": {"en": "Enterprises", "zh": "企业数"},
    "province.axis.month": {"en": "Month", "zh": "月份"},
    "province.axis.hits": {"en": "Rule hits", "zh": "规则触发次数"},
    "province.axis.rules": {"en": "Rules", "zh": "规则"},
    "province.axis.severity": {"en": "Most severe rule", "zh": "最高严重程度"},
    "province.severity.critical": {"en": "Critical", "zh": "严重"},
    "province.severity.high": {"en": "High", "zh": "高"},
    "province.severity.medium": {"en": "Medium", "zh": "中"},
    "province.severity.info": {"en": "Information", "zh": "提示"},
    "province.heatmap.title": {"en": "When rules fired: the {n} highest-risk enterprises with hits",
                               "zh": "规则触发月份：有触发记录、风险最高的{n}家企业"},
    "province.heatmap.caption": {
        "en": "One cell per enterprise and month with at least one monthly rule hit in the period (rule_hits of run "
              "{run_id}; annual rules have no month and are left out); colour: the most severe rule that month. "
              "Highest risk on top. Click a cell to open the enterprise's dossier.",
        "zh": "每个色块为某企业在所选期间有按月规则触发的一个月份（评估批次 {run_id} 的 rule_hits 表；按年度判定的规则"
              "没有月份，不在此列）；颜色表示当月最严重的规则等级。风险最高的企业在最上方。点击色块可打开企业档案。",
    },
    "province.heatmap.title.none": {"en": "When rules fired", "zh": "规则触发月份"},
    "province.heatmap.empty": {"en": "No monthly rule hits for this province in the period.",
                               "zh": "所选期间本省没有按月触发的规则。"},
    # --- enterprise dossier ---------------------------------------------------------
    "enterprise.title": {"en": "Enterprise dossier", "zh": "企业档案"},
    "enterprise.intro": {
        "en": "One enterprise's evidence on one page: its profile and risk, its units against their peers month "
              "by month, the rules that fired and why, the model's view, the dates behind its lab reports and "
              "deposits, verification, allowances and trades.",
        "zh": "一页看清一家企业的全部证据：基本信息与风险、各机组逐月与同类机组对比、触发的规则及原因、模型评分、"
              "检测报告与存证日期、核查、配额与交易。",
    },
    "enterprise.pick": {"en": "Enterprise", "zh": "企业"},
    "enterprise.pick.placeholder": {"en": "Choose an enterprise (type a name or ID)", "zh": "选择企业（可输入名称或代码）"},
    "enterprise.pick.caption": {
        "en": "Enterprises in your scope and filters, highest risk first (worst year in the period, default weights).",
        "zh": "您的数据范围和筛选条件内的企业，按风险从高到低排列（所选期间风险最高的年份，默认权重）。",
    },
    "enterprise.pick.empty": {"en": "No enterprise in your scope matches the filters.",
                              "zh": "您的数据范围内没有符合筛选条件的企业。"},
    "enterprise.pick.option": {"en": "{name} ({id}) – {band}", "zh": "{name}（{id}）– 风险{band}"},
    "enterprise.pick.option_unrated": {"en": "{name} ({id}) – not rated", "zh": "{name}（{id}）– 未评级"},
    "enterprise.not_found": {
        "en": "No enterprise with this ID is available to you. Check the link, or choose an enterprise from the list.",
        "zh": "没有可供您查看的该代码企业。请检查链接，或从列表中选择企业。",
    },
    "enterprise.choose_other": {"en": "Choose another enterprise", "zh": "选择其他企业"},
    "enterprise.no_run": {
        "en": "No assessment is stored for this data yet: the risk summary, rule hits and model scores are empty. "
              "The reported data below is complete. Run `python -m core.cli score` or the Anomaly Lab's default run.",
        "zh": "当前数据尚无已保存的风险评估：风险概要、规则命中和模型评分为空，以下报送数据完整。"
              "请运行 `python -m core.cli score` 或在异常检测实验室运行默认评估。",
    },
    "enterprise.field.id": {"en": "Enterprise ID", "zh": "统一社会信用代码"},
    "enterprise.field.province": {"en": "Province", "zh": "省份"},
    "enterprise.field.city": {"en": "City", "zh": "城市"},
    "enterprise.field.region": {"en": "Regional grid", "zh": "区域电网"},
    "enterprise.field.group": {"en": "Group", "zh": "所属集团"},
    "enterprise.field.consultant": {"en": "Consultant", "zh": "咨询机构"},
    "enterprise.province_link": {"en": "All enterprises in {province}", "zh": "查看{province}全部企业"},
    "enterprise.profile.caption": {"en": "Tables enterprises, agencies and provinces.",
                                   "zh": "来自 enterprises、agencies、provinces 表。"},
    "enterprise.units": {"en": "Units", "zh": "机组"},
    "enterprise.units.caption": {
        "en": "Table units. Allocation class, capacity band and the province's grid region define each unit's peers.",
        "zh": "来自 units 表。机组的配额分配类别、容量档和所在省份的区域电网共同确定其同类机组。",
    },
    "enterprise.risk": {"en": "Risk", "zh": "风险"},
    "enterprise.risk.in_year": {"en": "worst year, {year}", "zh": "{year}年最高"},
    "enterprise.risk.rules": {"en": "Distinct rules fired that year: {n}", "zh": "当年触发的不同规则数：{n}"},
    "enterprise.risk.component": {"en": "{component} (weight {weight})", "zh": "{component}（权重{weight}）"},
    "enterprise.risk.reasons": {"en": "Top reasons: {reasons}", "zh": "主要原因：{reasons}"},
    "enterprise.risk.none": {"en": "The stored assessment has no risk score for this enterprise in the period.",
                             "zh": "已保存的评估在所选期间没有该企业的风险分。"},
    "enterprise.risk.caption": {
        "en": "Table risk_components of assessment {run}, worst year in the period. {formula} Each component "
              "is 0–1.",
        "zh": "来自评估 {run} 的 risk_components 表，取所选期间风险最高的年份。{formula}各分项取值0–1。",
    },
    "enterprise.risk.other_years": {"en": "Other years: {years}.", "zh": "其他年份：{years}。"},
    "enterprise.monthly": {"en": "Month by month against peers", "zh": "逐月与同类机组对比"},
    "enterprise.monthly.empty": {"en": "No monthly reports of this enterprise in the period.",
                                 "zh": "所选期间该企业没有月度存证数据。"},
    "enterprise.monthly.caption": {
        "en": "Lines: this enterprise's units. Shaded: P5–P95 of the peers (same allocation class, capacity band "
              "and grid region, same month, this enterprise excluded, within your access scope; drawn from at "
              "least {min} peer unit-months); dashed: peer median. Red points: months with a rule hit in the "
              "stored assessment (the tooltip lists the rules).",
        "zh": "折线：本企业各机组。阴影：同类机组（配额分配类别、容量档、区域电网相同，同一月份，不含本企业，限于您的数据范围；"
              "至少{min}个机组·月）的P5–P95区间；虚线：同类机组中位数。红点：已保存评估中有规则命中的月份（悬停可见规则编号）。",
    },
    "enterprise.monthly.source": {"en": "{formula} Table monthly_reports.{running}",
                                  "zh": "{formula}来自 monthly_reports 表。{running}"},
    "enterprise.monthly.running": {"en": " Peers: months in which they ran at least {hours} hours.",
                                   "zh": "同类机组仅计运行至少{hours}小时的月份。"},
    "enterprise.measure.coal_rate": {"en": "Supply coal rate (gce/kWh)", "zh": "供电煤耗（gce/kWh）"},
    "enterprise.measure.carbon_content": {"en": "Carbon content per unit heat (tC/GJ)",
                                          "zh": "单位热值含碳量（tC/GJ）"},
    "enterprise.measure.ncv": {"en": "Net calorific value (GJ/t; gas GJ/10⁴ Nm³)",
                               "zh": "低位发热量（GJ/t；燃气GJ/万Nm³）"},
    "enterprise.measure.intensity": {"en": "Emission intensity (tCO₂/MWh supplied)", "zh": "单位供电碳排放（tCO₂/MWh）"},
    "enterprise.measure.operating_hours": {"en": "Operating hours", "zh": "运行小时数"},
    "enterprise.formula.coal_rate": {
        "en": "Coal units: (fuel consumed × NCV − heat supplied ÷ {efficiency}) ÷ {gj_per_tce} GJ/tce ÷ electricity "
              "supplied.",
        "zh": "燃煤机组：（燃料消耗量 × 低位发热量 − 供热量 ÷ {efficiency}）÷ {gj_per_tce} GJ/tce ÷ 供电量。",
    },
    "enterprise.formula.carbon_content": {"en": "carbon_content as deposited (measured or default value).",
                                          "zh": "按存证的 carbon_content（实测值或缺省值）。"},
    "enterprise.formula.ncv": {"en": "ncv as deposited.", "zh": "按存证的 ncv（低位发热量）。"},
    "enterprise.formula.intensity": {
        "en": "Fuel consumed × NCV × carbon content × oxidation rate ({oxidation} if blank) × 44/12 ÷ electricity "
              "supplied.",
        "zh": "燃料消耗量 × 低位发热量 × 单位热值含碳量 × 碳氧化率（缺省{oxidation}）× 44/12 ÷ 供电量。",
    },
    "enterprise.formula.operating_hours": {"en": "operating_hours as deposited.", "zh": "按存证的 operating_hours。"},
    "enterprise.axis.month": {"en": "Month", "zh": "月份"},
    "enterprise.axis.unit": {"en": "Unit", "zh": "机组"},
    "enterprise.axis.value": {"en": "Value", "zh": "数值"},
    "enterprise.axis.peer_group": {"en": "Peer group", "zh": "同类机组组别"},
    "enterprise.axis.peer_band": {"en": "Peers P5–P95", "zh": "同类机组P5–P95"},
    "enterprise.axis.peer_median": {"en": "Peer median", "zh": "同类机组中位数"},
    "enterprise.axis.peers": {"en": "Peer unit-months", "zh": "同类机组·月数"},
    "enterprise.axis.rules": {"en": "Rules fired", "zh": "触发规则"},
    "enterprise.axis.score": {"en": "Ensemble score (robust SD)", "zh": "集成得分（稳健标准差）"},
    "enterprise.axis.percentile": {"en": "Percentile", "zh": "百分位"},
    "enterprise.axis.reporting_month": {"en": "Reported month", "zh": "报告月份"},
    "enterprise.axis.date": {"en": "Date", "zh": "日期"},
    "enterprise.axis.kind": {"en": "Date of", "zh": "日期类型"},
    "enterprise.axis.same_date": {"en": "Months with this date", "zh": "同日期的月份数"},
    "enterprise.axis.units": {"en": "Units", "zh": "机组数"},
    "enterprise.axis.net": {"en": "Net bought ({unit})", "zh": "净买入（{unit}）"},
    "enterprise.axis.bought": {"en": "Bought", "zh": "买入"},
    "enterprise.axis.sold": {"en": "Sold", "zh": "卖出"},
    "enterprise.axis.net_text": {"en": "Net", "zh": "净额"},
    "enterprise.axis.trades": {"en": "Trades", "zh": "交易笔数"},
    "enterprise.axis.model_floor": {"en": "model component starts ({z} SD)", "zh": "模型分项起算（{z}个标准差）"},
    "enterprise.hits": {"en": "Rule hits and their evidence", "zh": "规则命中及证据"},
    "enterprise.hits.count": {"en": "{n} rule hits in the period.", "zh": "所选期间共{n}条规则命中。"},
    "enterprise.hits.none": {"en": "No rule fired for this enterprise in the period.",
                             "zh": "所选期间该企业未触发任何规则。"},
    "enterprise.hits.caption": {
        "en": "Table rule_hits of assessment {run}: every rule that fired for this enterprise in the period (a "
              "yearly rule when a month it names lies in the period), most severe first within each period. "
              "Evidence: the values the rule fired on, in words.",
        "zh": "来自评估 {run} 的 rule_hits 表：所选期间该企业触发的全部规则（按年判定的规则，其涉及的月份在所选期间内即列出），"
              "同一期间按严重程度排列。证据：规则据以触发的数值。",
    },
    "enterprise.whole_plant": {"en": "whole plant", "zh": "全厂"},
    "enterprise.model": {"en": "Model score history", "zh": "模型得分历史"},
    "enterprise.model.none": {"en": "The stored assessment has no model scores for this enterprise in the period.",
                              "zh": "已保存的评估在所选期间没有该企业的模型得分。"},
    "enterprise.model.caption": {
        "en": "Table model_scores of assessment {run}: the ensemble score of each unit-month (mean of the "
              "detectors' robust-standardised scores, in robust SDs), percentile among all scored rows in the "
              "tooltip. Dashed: {z} SD, where the model component of the risk starts.",
        "zh": "来自评估 {run} 的 model_scores 表：各机组·月的集成得分（各检测算法稳健标准化得分的平均，单位为稳健标准差），"
              "悬停可见其在全部评分记录中的百分位。虚线：{z}个标准差，即风险分中模型分项的起算点。",
    },
    "enterprise.model.explained": {"en": "Why its worst months stand out", "zh": "得分最高月份的异常原因"},
    "enterprise.model.explained.caption": {
        "en": "Stored explanations (the run keeps them for the top {top} of all rows): the features furthest from "
              "their median, as value (median, robust z).",
        "zh": "已保存的异常解释（评估仅为全部记录中得分前{top}的记录保存）：偏离中位数最远的特征，格式为 取值（中位数，稳健z）。",
    },
    "enterprise.model.unexplained": {
        "en": "None of this enterprise's months is among the run's top {top}, so no explanation is stored.",
        "zh": "该企业没有月份进入评估得分前{top}，因此没有保存异常解释。",
    },
    "enterprise.timeline": {"en": "Sample, test, report and deposit dates", "zh": "采样、检测、报告与存证日期"},
    "enterprise.timeline.caption": {
        "en": "Table monthly_reports: sample_date, test_date, report_date and submitted_at (deposit) of each "
              "reported month, one row per month. Monthly testing draws a diagonal; coal tested in one batch "
              "shows as a vertical column of test dates. Before 2022 the data were deposited with the annual "
              "report, so deposit dates stack as well.",
        "zh": "来自 monthly_reports 表：各报告月份的采样日期、检测日期、报告日期和存证时间（submitted_at），每月一行。"
              "逐月检测呈对角线；一次性集中送检则表现为检测日期竖直排成一列。2022年以前数据随年度报告一并存证，"
              "因此存证日期也会排成一列。",
    },
    "enterprise.timeline.shared": {"en": "Months sharing one test date: {items}.",
                                   "zh": "共用同一检测日期的月份：{items}。"},
    "enterprise.timeline.shared_item": {"en": "{n} months tested on {date}", "zh": "{n}个月均在{date}检测"},
    "enterprise.timeline.own_dates": {"en": "Every reported month has its own test date.",
                                      "zh": "每个报告月份的检测日期各不相同。"},
    "enterprise.timeline.empty": {"en": "No dates reported in the period.", "zh": "所选期间没有报送日期。"},
    "enterprise.date.sample": {"en": "Sampled", "zh": "采样"},
    "enterprise.date.test": {"en": "Tested", "zh": "检测"},
    "enterprise.date.report": {"en": "Lab report", "zh": "检测报告"},
    "enterprise.date.deposit": {"en": "Deposited", "zh": "存证"},
    "enterprise.verification": {"en": "Verification history", "zh": "核查记录"},
    "enterprise.verification.caption": {
        "en": "Table verifications (verifier names from agencies), years of the period.",
        "zh": "来自 verifications 表（核查机构名称来自 agencies 表），所选期间涉及的年份。",
    },
    "enterprise.verification.none": {"en": "No verification in the period.", "zh": "所选期间没有核查记录。"},
    "enterprise.allowances": {"en": "Allowance position by year", "zh": "历年配额盈缺"},
    "enterprise.allowances.caption": {
        "en": "Tables allocations, verifications and compliance: position = allocated − verified (negative: a "
              "shortfall to buy); on time = surrendered on or before the due date.",
        "zh": "来自 allocations、verifications、compliance 表：盈缺 = 分配配额 − 核查排放量（负值为需购买的缺口）；"
              "按时 = 在截止日期当天或之前完成清缴。",
    },
    "enterprise.allowances.none": {"en": "No allocation, verification or surrender in the period.",
                                   "zh": "所选期间没有配额分配、核查或清缴记录。"},
    "enterprise.trades": {"en": "Trades of its accounts", "zh": "其账户的交易"},
    "enterprise.trades.caption": {
        "en": "Tables trades and accounts: trades in the period in which one of the enterprise's registry accounts "
              "bought or sold; amount = volume × price; latest first.",
        "zh": "来自 trades、accounts 表：所选期间本企业登记账户参与买入或卖出的交易；成交额 = 成交量 × 价格；按时间倒序。",
    },
    "enterprise.trades.none": {"en": "No trades of its accounts in the period.", "zh": "所选期间其账户没有交易。"},
    "enterprise.trades.net": {"en": "Net volume by month", "zh": "每月净买入量"},
    "enterprise.trades.net.caption": {
        "en": "Tonnes bought − tonnes sold per month by the enterprise's accounts (table trades).",
        "zh": "本企业账户每月买入量 − 卖出量（吨，trades 表）。",
    },
    "enterprise.col.period": {"en": "Period", "zh": "期间"},
    "enterprise.col.year": {"en": "Year", "zh": "年份"},
    "enterprise.col.unit": {"en": "Unit", "zh": "机组"},
    "enterprise.col.unit_class": {"en": "Allocation class", "zh": "配额分配类别"},
    "enterprise.col.capacity_mw": {"en": "Capacity (MW)", "zh": "装机容量（MW）"},
    "enterprise.col.capacity_band": {"en": "Capacity band (MW)", "zh": "容量档（MW）"},
    "enterprise.col.commissioning_year": {"en": "Commissioned", "zh": "投产年份"},
    "enterprise.col.cooling": {"en": "Cooling", "zh": "冷却方式"},
    "enterprise.col.chp": {"en": "Combined heat and power", "zh": "热电联产"},
    "enterprise.col.rule": {"en": "Rule", "zh": "规则"},
    "enterprise.col.severity": {"en": "Severity", "zh": "严重程度"},
    "enterprise.col.evidence": {"en": "Evidence", "zh": "证据"},
    "enterprise.col.score": {"en": "Ensemble score", "zh": "集成得分"},
    "enterprise.col.percentile": {"en": "Percentile", "zh": "百分位"},
    "enterprise.col.why": {"en": "Why", "zh": "异常原因"},
    "enterprise.col.reported": {"en": "Reported", "zh": "报告排放量"},
    "enterprise.col.verified": {"en": "Verified", "zh": "核查排放量"},
    "enterprise.col.verifier": {"en": "Verifier", "zh": "核查机构"},
    "enterprise.col.conclusion": {"en": "Conclusion", "zh": "核查结论"},
    "enterprise.col.verified_at": {"en": "Verified on", "zh": "核查日期"},
    "enterprise.col.allocated": {"en": "Allocated", "zh": "分配配额"},
    "enterprise.col.surrendered": {"en": "Surrendered", "zh": "清缴量"},
    "enterprise.col.position": {"en": "Position", "zh": "盈缺"},
    "enterprise.col.due_date": {"en": "Due", "zh": "清缴截止日期"},
    "enterprise.col.surrendered_at": {"en": "Surrendered on", "zh": "清缴日期"},
    "enterprise.col.on_time": {"en": "On time", "zh": "按时清缴"},
    "enterprise.col.trade_id": {"en": "Trade", "zh": "交易编号"},
    "enterprise.col.ts": {"en": "Time", "zh": "成交时间"},
    "enterprise.col.method": {"en": "Method", "zh": "交易方式"},
    "enterprise.col.side": {"en": "Side", "zh": "方向"},
    "enterprise.col.counterparty": {"en": "Counterparty", "zh": "交易对手"},
    "enterprise.col.volume": {"en": "Volume", "zh": "成交量"},
    "enterprise.col.price": {"en": "Price", "zh": "成交价"},
    "enterprise.col.amount": {"en": "Amount", "zh": "成交额"},
    "enterprise.price": {"en": "CNY {value}/t", "zh": "{value}元/吨"},
    "enterprise.yes": {"en": "yes", "zh": "是"},
    "enterprise.no": {"en": "no", "zh": "否"},
    "enterprise.not_surrendered": {"en": "not surrendered", "zh": "未清缴"},
    "enterprise.cooling.water": {"en": "water", "zh": "湿冷"},
    "enterprise.cooling.air": {"en": "air", "zh": "空冷"},
    "enterprise.conclusion.pass": {"en": "pass", "zh": "符合"},
    "enterprise.conclusion.fail": {"en": "fail", "zh": "不符合"},
    "enterprise.side.buy": {"en": "buy", "zh": "买入"},
    "enterprise.side.sell": {"en": "sell", "zh": "卖出"},
    "enterprise.method.listing": {"en": "listing agreement", "zh": "挂牌协议"},
    "enterprise.method.block": {"en": "block agreement", "zh": "大宗协议"},
    "enterprise.method.auction": {"en": "one-way auction", "zh": "单向竞价"},
    "severity.critical": {"en": "critical", "zh": "严重"},
    "severity.high": {"en": "high", "zh": "高"},
    "severity.medium": {"en": "medium", "zh": "中"},
    "severity.info": {"en": "info", "zh": "提示"},
    # --- briefing export ------------------------------------------------------------
    # --- market surveillance (core/trading, pages/5_Market.py) -----------------------
    "market.title": {"en": "Carbon market surveillance", "zh": "碳市场交易监测"},
    "market.intro": {
        "en": "CEA trades that deserve a second look: round trips, circular and intra-group trading, off-market "
              "block prices, pinned limits, a marked close, rushes before compliance deadlines, and flagged "
              "emitters selling allowances. An alert is a reason to look, not proof.",
        "zh": "值得复核的全国碳排放配额交易：对倒、循环交易与集团内部交易、偏离市价的大宗交易、封住涨跌停、"
              "尾盘操纵收盘价、履约截止前集中交易，以及排放数据被标记的企业出售配额。预警只是复核线索，并非定论。",
    },
    "market.chart.title": {"en": "Daily price and volume", "zh": "每日价格与成交量"},
    "market.chart.caption": {
        "en": "Line: the daily close (the day's VWAP of listing trades, as published). Bars: volume by trading "
              "method from the individual trades, {bucket}. Period: the filters' period.",
        "zh": "折线：每日收盘价（当日挂牌协议成交量加权均价，以公布值为准）。柱：按交易方式汇总的逐笔成交量，{bucket}。"
              "期间：筛选条件所选期间。",
    },
    "market.chart.bucket.day": {"en": "per day", "zh": "按日"},
    "market.chart.bucket.week": {"en": "per week (Monday to Friday)", "zh": "按周（周一至周五）"},
    "market.axis.close": {"en": "Close (CNY/t)", "zh": "收盘价（元/吨）"},
    "market.axis.method": {"en": "Method", "zh": "交易方式"},
    "market.axis.day": {"en": "Day", "zh": "日期"},
    "market.axis.week": {"en": "Week of", "zh": "周起始日"},
    "market.counts.title": {"en": "Alerts by kind", "zh": "各类预警数量"},
    "market.counts.caption": {
        "en": "Alerts in the scope and period: at least one enterprise involved is in the scope and at least one "
              "of its trades in the period. Detection itself runs over the whole market.",
        "zh": "数据范围和期间内的预警：至少一家涉及企业在数据范围内，且至少一笔相关交易在所选期间内。检测本身基于全市场交易。",
    },
    "market.kind.round_trip": {"en": "Round trip", "zh": "对倒交易"},
    "market.kind.wash_group": {"en": "Intra-group trading", "zh": "集团内部交易"},
    "market.kind.cycle": {"en": "Circular trades", "zh": "循环交易"},
    "market.kind.off_market": {"en": "Off-market block", "zh": "偏离市价大宗交易"},
    "market.kind.limit_pinned": {"en": "Price limit pinned", "zh": "封涨跌停"},
    "market.kind.marking_close": {"en": "Marking the close", "zh": "尾盘操纵收盘价"},
    "market.kind.deadline_concentration": {"en": "Deadline rush", "zh": "履约前集中交易"},
    "market.kind.flagged_net_seller": {"en": "Flagged emitter selling", "zh": "被标记企业净卖出"},
    "market.kind.round_trip.help": {
        "en": "A sells to B and B sells back to A within {days} trading days at a volume within {tolerance}.",
        "zh": "A卖给B，B在{days}个交易日内以相差不超过{tolerance}的数量卖回给A。",
    },
    "market.kind.wash_group.help": {
        "en": "Two accounts of one enterprise or group trading with each other {trades} or more times, or "
              "{volume} or more, in a quarter.",
        "zh": "同一企业或同一集团的两个账户在一个季度内相互交易{trades}次及以上，或合计{volume}及以上。",
    },
    "market.kind.cycle.help": {
        "en": "Block trades A→B→C→A within {days} days at volumes within {tolerance} of each other.",
        "zh": "{days}天内A→B→C→A的大宗交易闭环，各笔数量相差不超过{tolerance}。",
    },
    "market.kind.off_market.help": {
        "en": "A block trade more than {deviation} from the previous close and more than {others} from the day's "
              "other block trades (or the day's only one).",
        "zh": "大宗交易成交价偏离前收盘价超过{deviation}，且偏离当日其他大宗交易均价超过{others}（或为当日唯一一笔）。",
    },
    "market.kind.limit_pinned.help": {
        "en": "Listing trades at the ±{limit} price limit, by the account pushing the price there (buyer at the upper, "
              "seller at the lower limit) with {dominance} or more of that day's volume at the limit.",
        "zh": "挂牌协议成交价触及±{limit}涨跌幅限制，按推动价格的账户统计（涨停为买方、跌停为卖方），"
              "该账户占当日触限成交量{dominance}及以上。",
    },
    "market.kind.marking_close.help": {
        "en": "Listing trades from {time} to the close moving the day's VWAP (the close) by more than {move} "
              "against the VWAP without them.",
        "zh": "{time}至收盘的挂牌协议成交使当日成交量加权均价（收盘价）较剔除这些成交后的均价变动超过{move}。",
    },
    "market.kind.deadline_concentration.help": {
        "en": "An account's volume in the {days} days before a compliance deadline: {volume} or more and at least "
              "{lift}× what its previous year implies, after allowing for the whole market's rush.",
        "zh": "账户在履约截止日前{days}天内的成交量达到{volume}及以上，且为其上一年交易水平（已按全市场的集中程度调整）"
              "所对应预期的{lift}倍及以上。",
    },
    "market.kind.flagged_net_seller.help": {
        "en": "An enterprise whose emission data the assessment flags (critical or high) that sold at least "
              "{volume} more allowances than it bought that year or the next.",
        "zh": "排放数据被评估标记为严重或高风险的企业，在当年或次年净卖出配额{volume}及以上。",
    },
    "market.alerts.title": {"en": "Alerts, highest score first", "zh": "预警列表（按得分从高到低）"},
    "market.alerts.kinds": {"en": "Kinds shown", "zh": "显示的预警类型"},
    "market.alerts.empty": {"en": "No alert in this scope, period and selection of kinds.",
                            "zh": "当前数据范围、期间和所选类型下没有预警。"},
    "market.alerts.count": {"en": "{shown} of {n} alerts shown.", "zh": "显示{n}条预警中的{shown}条。"},
    "market.alerts.select": {"en": "Select a row to see its evidence trades; the link opens the first enterprise's "
                                   "dossier.",
                             "zh": "选择一行可查看相关交易明细；链接打开首个涉及企业的企业档案。"},
    "market.alerts.caption": {
        "en": "Score 0–100 = 100 × kind weight × strength × (0.6 + 0.4 × size). Strength: how clearly the pattern "
              "holds, from the alert's evidence; size: the tonnes at issue, 0 up to 10 kt, 1 from 1 Mt "
              "(logarithmic). Kind weights: {weights}.",
        "zh": "得分0–100 = 100 × 类型权重 × 强度 × (0.6 + 0.4 × 规模)。强度：依据预警证据判断模式的明确程度；"
              "规模：涉及吨数，1万吨及以下为0，100万吨及以上为1（对数刻度）。类型权重：{weights}。",
    },
    "market.col.score": {"en": "Score", "zh": "得分"},
    "market.col.kind": {"en": "Kind", "zh": "类型"},
    "market.col.when": {"en": "First trade", "zh": "首笔交易"},
    "market.col.accounts": {"en": "Parties (account holders)", "zh": "交易主体（账户持有人）"},
    "market.col.volume": {"en": "Volume ({unit})", "zh": "涉及数量（{unit}）"},
    "market.col.reason": {"en": "Why", "zh": "预警原因"},
    "market.col.open": {"en": "Dossier", "zh": "企业档案"},
    "market.col.alert_id": {"en": "Alert id", "zh": "预警编号"},
    "market.open": {"en": "open", "zh": "打开"},
    "market.alert.invalid": {
        "en": "The link names an alert `{value}` that is not a valid alert id (e.g. round_trip:T20221226-00032).",
        "zh": "链接中的预警编号 `{value}` 无效（示例：round_trip:T20221226-00032）。",
    },
    "market.alert.not_found": {
        "en": "Alert `{value}` is not among the alerts of this scope, period and filters.",
        "zh": "预警 `{value}` 不在当前数据范围、期间和筛选条件下的预警之中。",
    },
    "market.evidence.title": {"en": "Evidence: {kind}", "zh": "证据：{kind}"},
    "market.evidence.score": {"en": "Score {score} · alert {alert_id}", "zh": "得分{score} · 预警编号{alert_id}"},
    "market.evidence.enterprises": {"en": "Enterprises involved", "zh": "涉及企业"},
    "market.evidence.outside": {"en": "{name} (outside your scope)", "zh": "{name}（不在您的数据范围内）"},
    "market.evidence.none": {"en": "Accounts of institutions only, no covered enterprise.",
                             "zh": "仅涉及机构账户，无重点排放单位。"},
    "market.evidence.trades": {"en": "Evidence trades", "zh": "相关交易明细"},
    "market.evidence.caption": {
        "en": "Deviation: the price against the prevailing close (the previous trading day's close). Account-level "
              "kinds keep their {n} largest trades as evidence.",
        "zh": "偏离：成交价相对前一交易日收盘价的偏离。账户类预警保留其最大的{n}笔交易作为证据。",
    },
    "market.evidence.values": {"en": "Evidence values, as computed", "zh": "证据取值（计算结果）"},
    "market.trade.trade_id": {"en": "Trade", "zh": "成交编号"},
    "market.trade.ts": {"en": "Time", "zh": "成交时间"},
    "market.trade.method": {"en": "Method", "zh": "交易方式"},
    "market.trade.buyer": {"en": "Buyer", "zh": "买方"},
    "market.trade.seller": {"en": "Seller", "zh": "卖方"},
    "market.trade.volume": {"en": "Volume", "zh": "数量"},
    "market.trade.price": {"en": "Price", "zh": "成交价"},
    "market.trade.prev_close": {"en": "Previous close", "zh": "前收盘价"},
    "market.trade.deviation": {"en": "Deviation", "zh": "偏离"},
    "market.network.title": {"en": "Who trades with whom", "zh": "交易对手网络"},
    "market.network.caption": {
        "en": "The accounts of the {n} highest-scoring alerts above whose evidence is a relationship between "
              "counterparties ({kinds}) and their evidence trades: a line per seller, buyer and kind, thicker for "
              "more tonnes; dots sized by the tonnes an account traded on these lines, coloured by the kind of its "
              "best alert. Each group of connected accounts sits on its own circle.",
        "zh": "上表中以交易对手关系为证据的预警（{kinds}）得分最高的{n}条所涉账户及其相关交易：每条线代表一组卖方、"
              "买方和预警类型，线越粗吨数越多；圆点大小为该账户在这些交易中的成交量，颜色为其得分最高预警的类型。"
              "相互关联的账户排在同一个圆上。",
    },
    "market.network.empty": {"en": "No alert to draw.", "zh": "没有可绘制的预警。"},
    "market.network.account": {"en": "Account", "zh": "账户"},
    "market.network.holder": {"en": "Holder", "zh": "持有人"},
    "market.network.volume": {"en": "Tonnes on these lines", "zh": "相关成交量"},
    "market.network.trades": {"en": "Trades", "zh": "成交笔数"},
    "market.network.from_to": {"en": "Seller → buyer", "zh": "卖方 → 买方"},
    "market.related": {"en": " (related: one enterprise or group)", "zh": "（关联方：同一企业或集团）"},
    "market.two_way": {"en": ", in both directions", "zh": "，双向交易"},
    "market.others": {"en": "; the day's other block trades averaged {vwap} ({deviation})",
                      "zh": "；当日其他大宗交易均价{vwap}（偏离{deviation}）"},
    "market.alone": {"en": "; the day's only block trade", "zh": "；为当日唯一一笔大宗交易"},
    "market.beyond_limit": {"en": "; outside the ±{limit} block limit", "zh": "；超出大宗协议±{limit}涨跌幅限制"},
    "market.direction.up": {"en": "upper", "zh": "涨停"},
    "market.direction.down": {"en": "lower", "zh": "跌停"},
    "market.days": {"en": "{n} days", "zh": "{n}天"},
    "market.reason.round_trip": {
        "en": "{a} sold {volume_1} to {b} at {price_1}; {b} sold {volume_2} back {lag} later at {price_2}{related}.",
        "zh": "{a}以{price_1}向{b}卖出{volume_1}；{b}在{lag}后以{price_2}卖回{volume_2}{related}。",
    },
    "market.reason.wash_group": {
        "en": "{a} and {b} ({group}) traded {n} times with each other in {quarter}, {volume}{two_way}; their "
              "average price {vwap} against the market's {market_vwap} on those days.",
        "zh": "{a}与{b}（{group}）于{quarter}相互交易{n}次，共{volume}{two_way}；均价{vwap}，同期市场均价{market_vwap}。",
    },
    "market.reason.cycle": {
        "en": "Block trades {a} → {b} → {c} → {a} within {span}: {volume_1}, {volume_2}, {volume_3} "
              "(volumes differ by {spread}).",
        "zh": "{span}内的大宗交易闭环{a} → {b} → {c} → {a}：{volume_1}、{volume_2}、{volume_3}（数量相差{spread}）。",
    },
    "market.reason.off_market": {
        "en": "{a} sold {volume} to {b} in a block trade at {price}, {deviation} from the previous close of "
              "{prev_close}{others}{related}{beyond}.",
        "zh": "{a}以大宗协议向{b}卖出{volume}，成交价{price}，较前收盘价{prev_close}偏离{deviation}{others}{related}{beyond}。",
    },
    "market.reason.limit_pinned": {
        "en": "{account} traded {volume} in {n} listing trade(s) at the {direction} limit of {limit_price} "
              "(previous close {prev_close}): {dominance} of that day's volume at the limit.",
        "zh": "{account}以{direction}价{limit_price}成交{n}笔挂牌协议，共{volume}（前收盘价{prev_close}），"
              "占当日触限成交量的{dominance}。",
    },
    "market.reason.marking_close": {
        "en": "Listing trades after {time} by {accounts} ({volume}, {late_share} of the day's listing volume) "
              "moved the close to {close} from {close_without} without them ({move}).",
        "zh": "{accounts}在{time}后的挂牌协议成交（{volume}，占当日挂牌成交量{late_share}）使收盘价由{close_without}"
              "变为{close}（{move}）。",
    },
    "market.reason.deadline_concentration": {
        "en": "{account} traded {volume} (sold {sold}, bought {bought}) in the {days} days before the compliance "
              "deadline of {deadline}: {lift}× the {expected} its previous year implies; {share} of the market then.",
        "zh": "{account}在{deadline}履约截止日前{days}天内成交{volume}（卖出{sold}，买入{bought}），为其上一年交易水平"
              "所对应预期{expected}的{lift}倍，占同期全市场成交量的{share}。",
    },
    "market.reason.flagged_net_seller": {
        "en": "{enterprise}'s emission data for {year} are flagged ({flagged}); it sold {net} more allowances than it "
              "bought in {sell_year}.",
        "zh": "{enterprise}{year}年排放数据被标记（{flagged}）；其{sell_year}年配额净卖出{net}。",
    },
    # --- intermediaries (core/agencies, pages/6_Intermediaries.py) -------------------
    "agencies.title": {"en": "Intermediaries: consultants, labs and verifiers", "zh": "技术服务机构：咨询、检测与核查"},
    "agencies.intro": {
        "en": "The 2022 cases were agency cases: a consultant forged lab-report dates and invented moisture, a lab "
              "dated one batch of coal as monthly tests, verifiers signed off without checking. Each intermediary "
              "is ranked on the evidence against it: its clients' risk against the base rate, and the signatures "
              "of its own work (copied results, batch test dates, report numbers in a run, understated reports "
              "passed).",
        "zh": "2022年通报的均为技术服务机构案件：咨询机构篡改检测报告日期、编造全水分，检测机构将一次性送检的煤样出具为"
              "月度报告，核查机构未经核实即出具结论。本页按证据对各机构排序：其客户的风险与基准比例的对比，以及机构自身"
              "工作的痕迹（检测结果雷同、集中检测日期、报告编号连续、低报排放仍予通过）。"},
    "agencies.no_run": {
        "en": "No assessment is stored for this data yet: no client is flagged, only the signatures count.",
        "zh": "当前数据尚无已保存的风险评估：暂无被标记客户，仅按机构工作痕迹排序。"},
    "agencies.kind": {"en": "Kind of intermediary", "zh": "机构类型"},
    "agencies.kind.consultant": {"en": "Consultants", "zh": "咨询机构"},
    "agencies.kind.lab": {"en": "Testing labs", "zh": "检测机构"},
    "agencies.kind.verifier": {"en": "Verifiers", "zh": "核查机构"},
    "agencies.ranked": {"en": "{kind} ranked by the evidence against them", "zh": "{kind}按证据强度排序"},
    "agencies.ranked.other": {"en": "Ranking: {kind}", "zh": "排序：{kind}"},
    "agencies.ranked.count": {"en": "{n} serve enterprises in this view. Select a row to open one.",
                              "zh": "共{n}家机构服务于当前视图中的企业。选中一行查看详情。"},
    "agencies.ranked.caption": {
        "en": "Score 0-100 = 100 × (1 − ∏(1 − weight × strength)) over the signals: copied results, batch test "
              "dates and understated reports passed weigh 0.9, the same red flag at several clients in one year "
              "0.8, flagged clients 0.6, report numbers in a run 0.5 (the tested signals' strength comes from "
              "the Benjamini-Hochberg q-value of a binomial tail p: nothing at q ≥ 0.1, full at q ≤ 0.001). "
              "Flagged: critical or high risk, worst year in the period, assessment {run_id}.",
        "zh": "评分0-100 = 100 ×（1 − ∏（1 − 权重 × 强度））：检测结果雷同、集中检测日期、低报排放仍予通过的权重为0.9，"
              "同一年多家客户触发同一问题为0.8，被标记客户为0.6，报告编号连续为0.5（经检验的信号强度取自二项分布单侧尾"
              "概率p的Benjamini-Hochberg校正q值：q ≥ 0.1时为0，q ≤ 0.001时为满值）。"
              "被标记：所选期间最高年份风险为严重或高，评估{run_id}。"},
    "agencies.none": {"en": "No intermediary serves enterprises in this view.", "zh": "当前视图中没有服务企业的机构。"},
    "agencies.not_found": {
        "en": "No intermediary “{value}” serves enterprises in your scope and filters. Choose one from the list below.",
        "zh": "在您的数据范围和筛选条件内，没有名为“{value}”的机构服务的企业。请从下方列表中选择。"},
    "agencies.back": {"en": "All intermediaries", "zh": "全部机构"},
    "agencies.col.score": {"en": "Score", "zh": "评分"},
    "agencies.col.name": {"en": "Intermediary", "zh": "机构"},
    "agencies.col.id": {"en": "ID", "zh": "机构代码"},
    "agencies.col.province": {"en": "Registered in", "zh": "注册地"},
    "agencies.col.clients": {"en": "Clients", "zh": "客户数"},
    "agencies.col.flagged": {"en": "Flagged", "zh": "被标记"},
    "agencies.col.flagged_share": {"en": "Flagged share (%)", "zh": "标记占比（%）"},
    "agencies.col.lift": {"en": "× base", "zh": "基准倍数"},
    "agencies.col.p": {"en": "p", "zh": "p值"},
    "agencies.col.q": {"en": "q (BH)", "zh": "q值（BH）"},
    "agencies.col.pattern": {"en": "Same red flag (clients)", "zh": "同一问题（家）"},
    "agencies.col.copies": {"en": "Copied results (clients)", "zh": "检测结果雷同（家）"},
    "agencies.col.batch": {"en": "Batch-tested clients", "zh": "集中检测客户"},
    "agencies.col.busiest": {"en": "Most client-months on one test date", "zh": "同一检测日期最多客户月数"},
    "agencies.col.runs": {"en": "Numbered runs (clients)", "zh": "编号连续（家）"},
    "agencies.col.pass_flagged": {"en": "Pass rate, flagged client-years (%)", "zh": "被标记客户年度通过率（%）"},
    "agencies.col.understated": {"en": "Understated yet passed", "zh": "低报仍通过"},
    "agencies.col.signals": {"en": "What stands out", "zh": "突出问题"},
    "agencies.col.open": {"en": "Link", "zh": "链接"},
    "agencies.open": {"en": "open", "zh": "打开"},
    "agencies.help.p": {
        "en": "One-sided binomial tail: the chance of at least this many flagged clients if they were flagged at the "
              "base rate.",
        "zh": "二项分布单侧尾概率：若客户按基准比例被标记，出现不少于该数量被标记客户的概率。"},
    "agencies.help.q": {
        "en": "Benjamini-Hochberg q-value across the intermediaries of this kind (many are tested at once).",
        "zh": "同类机构间的Benjamini-Hochberg校正q值（同时检验多家机构）。"},
    "agencies.help.pattern": {
        "en": "The largest number of its clients with the same critical or high rule in the same year.",
        "zh": "同一年内触发同一严重或高等级规则的客户最多家数。"},
    "agencies.help.copies": {
        "en": "Clients whose seven lab results (NCV, carbon content, element carbon, total and air-dry moisture, "
              "hydrogen, sulphur) another client of this intermediary also reports.",
        "zh": "七项检测结果（低位发热量、单位热值含碳量、元素碳、全水分、空干基水分、氢、硫）与该机构另一客户完全相同的客户数。"},
    "agencies.help.batch": {
        "en": "Clients with at least {n} months of one year carried by one test date.",
        "zh": "同一年中至少{n}个月共用一个检测日期的客户数。"},
    "agencies.help.runs": {
        "en": "Clients with a year of at least {n} reports numbered right after the previous month's.",
        "zh": "同一年中至少{n}份报告编号紧接上月报告的客户数。"},
    "agencies.help.understated": {
        "en": "Client-years passed although the reported and the verified emissions are more than {gap} below the "
              "monthly deposits.",
        "zh": "报告排放量与核定排放量均比月度存证合计低{gap}以上仍出具符合结论的客户年度数。"},
    "agencies.detail.meta": {
        "en": "{kind} · `{id}` · registered in {province} · rank {rank} of {n} by score",
        "zh": "{kind} · `{id}` · 注册地{province} · 评分排名第{rank}／{n}"},
    "agencies.detail.signals": {"en": "What stands out", "zh": "突出问题"},
    "agencies.detail.pass_flagged": {
        "en": "It passed {passed} of the {flagged} client-years it verified in which the client was flagged ({rate}).",
        "zh": "其核查的客户被标记年度共{flagged}个，出具符合结论{passed}个（{rate}）。"},
    "agencies.detail.score": {"en": "Score", "zh": "评分"},
    "agencies.detail.score.help": {"en": "0-100, the evidence against this intermediary (see the ranking's note).",
                                   "zh": "0-100，针对该机构的证据强度（见排序表说明）。"},
    "agencies.detail.clients": {"en": "Clients in this view", "zh": "当前视图中的客户"},
    "agencies.detail.flagged": {"en": "Flagged clients", "zh": "被标记客户"},
    "agencies.detail.flagged.delta": {"en": "{share} against {base}", "zh": "{share}，基准{base}"},
    "agencies.detail.q": {"en": "Significance (q)", "zh": "显著性（q值）"},
    "agencies.detail.q.delta": {"en": "p = {p}", "zh": "p值 = {p}"},
    "agencies.filter": {"en": "Filter every page to this intermediary's clients", "zh": "将各页面筛选为该机构的客户"},
    "agencies.filter.help": {
        "en": "Adds this intermediary to the global filters: the Overview, Province and Market pages then show only "
              "its clients.",
        "zh": "将该机构加入全局筛选条件：总览、省级视图和市场监测等页面将只显示其客户。"},
    "agencies.chart.risk.title": {"en": "Its clients' risk against all enterprises", "zh": "其客户风险与全部企业对比"},
    "agencies.chart.risk.caption": {
        "en": "Share of enterprises in each risk band (worst year in the period): this intermediary's clients against "
              "every enterprise in the view (the base rate is the critical and high part).",
        "zh": "各风险等级企业占比（所选期间最高年份）：该机构客户与当前视图全部企业对比（基准比例即严重与高风险部分）。"},
    "agencies.chart.dates.title": {"en": "Test dates and the months they cover", "zh": "检测日期与对应月份"},
    "agencies.chart.dates.caption": {
        "en": "One point per test date and reported month, sized by client-months. Monthly testing forms a diagonal "
              "a few weeks after each month; a batch is a column of many months tested on one date (red).",
        "zh": "每个点表示一个检测日期与报告月份，大小表示客户月数。按月检测呈对角线（月后数周）；集中检测表现为同一日期对应"
              "多个月份的竖列（红色）。"},
    "agencies.chart.series.agency": {"en": "Its clients", "zh": "该机构客户"},
    "agencies.chart.series.all": {"en": "All enterprises", "zh": "全部企业"},
    "agencies.chart.share": {"en": "Share of enterprises", "zh": "企业占比"},
    "agencies.chart.test_date": {"en": "Test date", "zh": "检测日期"},
    "agencies.chart.period": {"en": "Month reported", "zh": "报告月份"},
    "agencies.chart.client_months": {"en": "Client-months", "zh": "客户月数"},
    "agencies.chart.clients": {"en": "Clients", "zh": "客户"},
    "agencies.chart.date_months": {"en": "Client-months tested that day", "zh": "当日检测的客户月数"},
    "agencies.help.base": {"en": "Base rate (all enterprises in the view): {base}",
                           "zh": "基准比例（当前视图全部企业）：{base}"},
    "agencies.chart.batch": {"en": "Batch (≥ {n} months of a client on one date)", "zh": "集中检测（同一客户≥{n}个月同一日期）"},
    "agencies.chart.monthly": {"en": "Monthly", "zh": "按月"},
    "agencies.clients.title": {"en": "Clients", "zh": "客户"},
    "agencies.clients.caption": {
        "en": "Highest risk first; the signals column says which of the intermediary's signals involve each client. "
              "The link opens the enterprise dossier.",
        "zh": "按风险从高到低；“涉及问题”列说明该机构的哪些问题涉及该客户。点击链接查看企业档案。"},
    "agencies.clients.none": {"en": "No client in this view.", "zh": "当前视图中无客户。"},
    "agencies.col.served": {"en": "Served", "zh": "服务期间"},
    "agencies.col.months": {"en": "Months", "zh": "月数"},
    "agencies.col.client_signals": {"en": "Involved in", "zh": "涉及问题"},
    "agencies.served.years": {"en": "{years}", "zh": "{years}年"},
    "agencies.client_signal.flagged": {"en": "flagged", "zh": "被标记"},
    "agencies.client_signal.pattern": {"en": "same red flag", "zh": "同一问题"},
    "agencies.client_signal.copies": {"en": "copied results", "zh": "检测结果雷同"},
    "agencies.client_signal.batch": {"en": "batch test date", "zh": "集中检测"},
    "agencies.client_signal.numbers": {"en": "numbered run", "zh": "编号连续"},
    "agencies.client_signal.understated": {"en": "understated yet passed", "zh": "低报仍通过"},
    "agencies.signal.none": {"en": "nothing stands out", "zh": "无突出问题"},
    "agencies.signal.association": {
        "en": "flagged clients: {flagged} of {clients} ({share}; base rate {base}; p = {p}, q = {q})",
        "zh": "{clients}家客户中{flagged}家被标记（{share}；基准比例{base}；p = {p}，q = {q}）"},
    "agencies.signal.pattern": {"en": "clients with the same red flag in one year: {clients} ({rule}, {year})",
                                "zh": "同一年内触发同一问题的客户：{clients}家（{rule}，{year}年）"},
    "agencies.signal.copies": {"en": "clients reporting lab results identical to another client's: {clients}",
                               "zh": "{clients}家客户的检测结果与其他客户完全相同"},
    "agencies.signal.batch": {"en": "clients with a year of monthly tests on one date: {clients}",
                              "zh": "{clients}家客户一年的月度检测集中于同一日期"},
    "agencies.signal.batch.date": {
        "en": "clients with a year of monthly tests on one date: {clients} (busiest test date {date}: "
              "{date_months} client-months)",
        "zh": "{clients}家客户一年的月度检测集中于同一日期（最集中的检测日期{date}：{date_months}个客户月）"},
    "agencies.signal.numbers": {"en": "clients with a year of report numbers running on month after month: {clients}",
                                "zh": "{clients}家客户有一年的检测报告编号逐月连续"},
    "agencies.signal.understated": {
        "en": "client-years passed although more than {gap} below the monthly deposits: {passes}",
        "zh": "排放报告低于月度存证合计{gap}以上仍出具符合结论：{passes}个客户年度"},
    "agencies.context": {"en": "{kind} {agency} (score {score} without this enterprise): {signals}",
                         "zh": "{kind}{agency}（不计本企业，评分{score}）：{signals}"},
    # --- what-if scenarios (core/scenarios, pages/7_Scenarios.py) --------------------
    "scenarios.title": {"en": "What-if scenarios", "zh": "情景分析"},
    "scenarios.intro": {
        "en": "Recompute emissions, allowance gaps, penalty exposure and review lists under other assumptions, "
              "and compare them with what the data says now. Nothing in the database changes; the global filters "
              "and your scope apply.",
        "zh": "在不同假设下重新计算排放量、配额缺口、罚款敞口和核查名单，并与当前数据对比。数据库中的数据不会改变；"
              "全局筛选条件和您的数据范围同样适用。",
    },
    "scenarios.kind": {"en": "What if …", "zh": "假如……"},
    "scenarios.kind.carbon_default": {"en": "Default carbon content", "zh": "以缺省值替代含碳量"},
    "scenarios.kind.review_budget": {"en": "Review budget and weights", "zh": "核查力量与风险权重"},
    "scenarios.kind.unreliable_intermediaries": {"en": "Unreliable intermediaries", "zh": "中介机构不可信"},
    "scenarios.kind.carbon_default.help": {
        "en": "Measured coal carbon content that the chosen rules flagged, or that lies below a threshold, is "
              "replaced by the default value (0.03356 tC/GJ before 2022, 0.03085 from 2022), as the MRV guideline "
              "prescribes for a month without a valid measurement.",
        "zh": "将所选规则标记的、或低于阈值的燃煤实测单位热值含碳量替换为缺省值（2022年前0.03356 tC/GJ，"
              "2022年起0.03085 tC/GJ），即核算指南对无有效实测月份的规定。",
    },
    "scenarios.kind.review_budget.help": {
        "en": "Other rule severities, model threshold and risk weights: the risk score is recomputed from the "
              "stored assessment (no refit), then who would be reviewed and how many known cases that review finds.",
        "zh": "调整规则严重程度、模型阈值和风险权重：基于已存储的评估结果重新计算风险分（不重新训练模型），"
              "再看哪些企业会被核查、能命中多少已知案件。",
    },
    "scenarios.kind.unreliable_intermediaries.help": {
        "en": "Every report of the chosen labs, consultants or verifiers is treated as unreliable: their clients' "
              "measured carbon content is replaced by the default, verified years fall back to the formula, and "
              "the clients' context risk component is set to its maximum.",
        "zh": "将所选检测机构、咨询机构或核查机构出具的全部报告视为不可信：其客户的实测含碳量以缺省值替代，"
              "经其核查的年度改按公式计算，客户的“关联机构”风险分项取最大值。",
    },
    "scenarios.rules": {"en": "Replace carbon content where these rules fired", "zh": "以下规则命中之处以缺省值替代含碳量"},
    "scenarios.rules.help": {
        "en": "Rule hits of the stored assessment: a monthly hit replaces that month, a yearly hit the whole year; "
              "on the unit the hit names, or on every unit of the plant.",
        "zh": "使用已存储评估的规则命中结果：月度命中替代该月，年度命中替代全年；命中指明机组的只替代该机组，否则替代全厂机组。",
    },
    "scenarios.below.on": {"en": "Also replace measured values below a threshold", "zh": "同时替代低于阈值的实测值"},
    "scenarios.below": {"en": "Threshold (tC/GJ)", "zh": "阈值（tC/GJ）"},
    "scenarios.below.help": {
        "en": "Measured coal carbon content below this value is replaced. Plausible band for thermal coal: "
              "0.0255–0.0280 tC/GJ (domain reference §3.1). Allowed: 0.01–0.04.",
        "zh": "低于该值的燃煤实测含碳量将被替代。动力煤合理区间：0.0255–0.0280 tC/GJ（领域参考§3.1）。可填范围：0.01–0.04。",
    },
    "scenarios.severities": {"en": "Rule severities", "zh": "规则严重程度"},
    "scenarios.severities.caption": {
        "en": "Severity weights: critical 0.9, high 0.6, medium 0.25, info 0.05; “off” leaves the rule out. "
              "Rules component = 1 − Π(1 − weight) over the distinct rules that fired in a year.",
        "zh": "严重程度权重：严重0.9、高0.6、中0.25、提示0.05；“不计入”表示忽略该规则。"
              "规则分项 = 1 − Π(1 − 权重)，按当年触发的不同规则计算。",
    },
    "scenarios.severity.off": {"en": "off", "zh": "不计入"},
    "scenarios.col.rule": {"en": "Rule", "zh": "规则"},
    "scenarios.col.rule_title": {"en": "Checks", "zh": "检查内容"},
    "scenarios.col.catalogue_severity": {"en": "Catalogue", "zh": "规则库"},
    "scenarios.col.severity": {"en": "In the scenario", "zh": "情景取值"},
    "scenarios.weights": {"en": "Risk weights", "zh": "风险权重"},
    "scenarios.model": {"en": "Model threshold", "zh": "模型阈值"},
    "scenarios.z_floor": {"en": "Counts from (SD)", "zh": "起算点（SD）"},
    "scenarios.z_full": {"en": "Full at (SD)", "zh": "满分点（SD）"},
    "scenarios.z.help": {
        "en": "The model component rises from 0 at the first value to 1 at the second, on the year's most "
              "abnormal unit-month (ensemble score in robust SDs). Defaults: 3 and 8.",
        "zh": "模型分项按当年最异常机组·月的集成得分（稳健标准差）计算：在起算点为0，升至满分点为1。默认值：3和8。",
    },
    "scenarios.contamination": {"en": "Top rows (%)", "zh": "计入前（%）"},
    "scenarios.contamination.help": {
        "en": "Contamination: only unit-months in this top share of the ensemble score count for the model "
              "component (100 % = all rows, the stored assessment).",
        "zh": "异常比例：只有集成得分位于最高这一比例内的机组·月计入模型分项（100%即全部，与已存储评估一致）。",
    },
    "scenarios.review_by": {"en": "Who is reviewed", "zh": "核查对象"},
    "scenarios.review_by.budget": {"en": "the top N enterprises by risk", "zh": "风险最高的前N家企业"},
    "scenarios.review_by.threshold": {"en": "every enterprise at or above a risk score", "zh": "风险分达到阈值的全部企业"},
    "scenarios.budget": {"en": "Review budget N (enterprises)", "zh": "核查力量N（企业数）"},
    "scenarios.threshold": {"en": "Risk score threshold (0–100)", "zh": "风险分阈值（0–100）"},
    "scenarios.labs": {"en": "Labs treated as unreliable", "zh": "视为不可信的检测机构"},
    "scenarios.consultants": {"en": "Consultants treated as unreliable", "zh": "视为不可信的咨询机构"},
    "scenarios.verifiers": {"en": "Verifiers treated as unreliable", "zh": "视为不可信的核查机构"},
    "scenarios.agencies.help": {
        "en": "Clients in your scope and filters (most first). Labs: the months they tested; consultants: every "
              "month of their clients; verifiers: the years they verified.",
        "zh": "按当前数据范围和筛选条件内的客户数排序。检测机构：其检测的月份；咨询机构：其客户的全部月份；核查机构：其核查的年度。",
    },
    "scenarios.agencies.suggested": {
        "en": "Preselected: the lab whose clients are most often flagged critical or high.",
        "zh": "默认已选：客户被标记为严重或高风险最多的检测机构。",
    },
    "scenarios.agency.option": {"en": "{name} · {clients} clients", "zh": "{name} · {clients}家客户"},
    "scenarios.none_selected": {"en": "none", "zh": "未选择"},
    "scenarios.run": {"en": "Recompute", "zh": "重新计算"},
    "scenarios.invalid": {
        "en": "These parameters cannot be used ({problem}); the previous results stay on screen.",
        "zh": "参数无效（{problem}），页面仍显示上一次的结果。",
    },
    "scenarios.computing": {"en": "Recomputing the scenario …", "zh": "正在重新计算情景……"},
    "scenarios.no_run": {
        "en": "No stored assessment for this data yet: rule hits and risk scores are unavailable, so rule-based "
              "replacements and risk ranks change nothing. Run the default assessment on the Anomaly Lab page.",
        "zh": "当前数据尚无已存储的评估：规则命中和风险分不可用，基于规则的替代和风险排名不会变化。请在“异常检测实验室”页面运行默认评估。",
    },
    "scenarios.saved.opened": {
        "en": "Saved scenario “{name}” (id {id}), saved {when}.",
        "zh": "已保存的情景“{name}”（编号{id}），保存于{when}。",
    },
    "scenarios.saved.bad_id": {
        "en": "The link's scenario id is not valid (12 hexadecimal characters); the default scenario is shown.",
        "zh": "链接中的情景编号无效（应为12位十六进制字符），显示默认情景。",
    },
    "scenarios.saved.unknown": {
        "en": "No saved scenario {id} in this database; the default scenario is shown.",
        "zh": "本数据库中没有编号为{id}的已保存情景，显示默认情景。",
    },
    "scenarios.saved.broken": {
        "en": "The saved scenario {id} no longer validates ({problem}); the default scenario is shown.",
        "zh": "已保存的情景{id}未通过校验（{problem}），显示默认情景。",
    },
    "scenarios.saved.other_data": {
        "en": "It was saved on an earlier data version ({saved}); the figures are recomputed on the current data.",
        "zh": "该情景保存时的数据版本（{saved}）与当前不同，数字按当前数据重新计算。",
    },
    "scenarios.saved.other_scope": {
        "en": "It was saved in another scope ({saved}); it is computed for your scope only.",
        "zh": "该情景保存于其他数据范围（{saved}），此处仅按您的数据范围计算。",
    },
    "scenarios.saved.edited": {
        "en": "The parameters differ from the saved scenario; save again to keep them.",
        "zh": "当前参数与已保存情景不同，如需保留请重新保存。",
    },
    "scenarios.results": {"en": "Before and after", "zh": "推演前后对比"},
    "scenarios.metric.emissions": {"en": "Emissions (compliance basis)", "zh": "排放量（履约口径）"},
    "scenarios.metric.emissions.help": {
        "en": "Verified emissions (the deposits by formula where none), summed over the period; after: plus the "
              "increase from the replaced carbon content, or the formula where the verification is distrusted.",
        "zh": "期间内核查排放量之和（无核查时按月度存证公式计算）；推演后：加上替代含碳量带来的增量，核查不可信的年度改按公式计算。",
    },
    "scenarios.metric.shortfall": {"en": "Allowance shortfall", "zh": "配额缺口"},
    "scenarios.metric.shortfall.help": {
        "en": "Σ over enterprise-years of max(0, emissions − allocated allowances).",
        "zh": "按企业·年度求和：max(0，排放量 − 分配配额)。",
    },
    "scenarios.metric.penalty": {"en": "Surrender penalty exposure", "zh": "未足额清缴罚款敞口"},
    "scenarios.metric.penalty.help": {
        "en": "Increase in shortfall × average CEA price in the month before the compliance deadline × 5 to 10 "
              "(2024 Interim Regulations, failure to surrender).",
        "zh": "缺口增量 × 清缴截止日前一个月的全国碳市场成交均价 × 5至10倍（《碳排放权交易管理暂行条例》未足额清缴）。",
    },
    "scenarios.metric.fine": {"en": "Falsified-data fine, if proven", "zh": "数据造假罚款（如查实）"},
    "scenarios.metric.fine.help": {
        "en": "If the understatement were proven falsified data: 5 to 10 × the gains (the allowances it saved, at "
              "the penalty price), or 500,000 to 2,000,000 CNY per enterprise-year when the gains are under 500,000; "
              "the gains themselves are confiscated on top.",
        "zh": "如少报被认定为数据造假：罚款为违法所得（少报节省的配额按上述价格计）的5至10倍；违法所得不足50万元的，"
              "每个企业·年度处50万至200万元；违法所得另行没收。",
    },
    "scenarios.metric.changed": {"en": "Enterprises affected", "zh": "受影响企业"},
    "scenarios.metric.changed.help": {
        "en": "Enterprises with at least one replaced unit-month; {months} unit-months replaced.",
        "zh": "至少有一个机组·月被替代的企业；共替代{months}个机组·月。",
    },
    "scenarios.metric.reviewed": {"en": "Enterprises reviewed", "zh": "核查企业数"},
    "scenarios.metric.reviewed.help": {
        "en": "{rule}; {assessed} assessed enterprises in the scope and filters.",
        "zh": "{rule}；当前范围和筛选条件内共有{assessed}家已评估企业。",
    },
    "scenarios.review.budget_rule": {"en": "the top {n} by risk score", "zh": "风险分最高的前{n}家"},
    "scenarios.review.threshold_rule": {"en": "risk score at least {score}", "zh": "风险分不低于{score}"},
    "scenarios.metric.caught": {"en": "Known cases caught", "zh": "命中已知案件"},
    "scenarios.metric.caught.help": {
        "en": "Reviewed enterprises with a confirmed case label (table case_labels) in the period, of {known}.",
        "zh": "被核查企业中在期间内有已确认案件标签（case_labels 表）的数量，共{known}家。",
    },
    "scenarios.metric.entering": {"en": "Enterprises entering the review", "zh": "新纳入核查的企业"},
    "scenarios.metric.leaving": {"en": "{n} leave it", "zh": "移出{n}家"},
    "scenarios.metric.entering.help": {
        "en": "Reviewed after the scenario but not before ({rule}); {moved} enterprises change rank in all.",
        "zh": "推演后纳入核查而推演前未纳入的企业（{rule}）；共有{moved}家企业排名发生变化。",
    },
    "scenarios.metric.before": {"en": "before: {value}", "zh": "推演前：{value}"},
    "scenarios.metric.no_cases": {"en": "no case labels", "zh": "无案件标签"},
    "scenarios.range": {"en": "{low} to {high}", "zh": "{low}至{high}"},
    "scenarios.prices.caption": {
        "en": "Penalty price per emission year (CEA volume-weighted average of the month before the compliance "
              "deadline): {prices}.",
        "zh": "各排放年度的罚款计价（清缴截止日前一个月的全国碳市场成交均价）：{prices}。",
    },
    "scenarios.prices.latest": {"en": "{year}: {price} ({month}, latest published)", "zh": "{year}年：{price}（{month}，最新公布）"},
    "scenarios.prices.item": {"en": "{year}: {price} ({month})", "zh": "{year}年：{price}（{month}）"},
    "scenarios.prices.unpriced": {
        "en": "Some increases have no published price yet and are not priced.",
        "zh": "部分增量尚无公布价格，未计入罚款。",
    },
    "scenarios.province.title": {"en": "By province", "zh": "分省对比"},
    "scenarios.province.chart.emissions": {"en": "Change in emissions by province", "zh": "各省排放量变化"},
    "scenarios.province.chart.reviewed": {"en": "Enterprises reviewed by province", "zh": "各省核查企业数"},
    "scenarios.province.caption": {
        "en": "The chart shows the provinces with the largest change (at most {shown}); the table every province "
              "in the scope, largest change first. Emissions on the compliance basis; penalties as above.",
        "zh": "图中显示变化最大的省份（最多{shown}个）；表中列出数据范围内全部省份，变化最大的在前。"
              "排放量为履约口径，罚款口径同上。",
    },
    "scenarios.province.none": {"en": "No province changes under this scenario.", "zh": "该情景下各省均无变化。"},
    "scenarios.enterprise.title": {"en": "By enterprise, largest change first", "zh": "分企业对比（变化最大的在前）"},
    "scenarios.enterprise.caption": {
        "en": "{shown} of {n} enterprises shown; the downloads list all. ↗ opens the dossier.",
        "zh": "显示{n}家企业中的{shown}家，下载文件包含全部企业。点击↗打开企业档案。",
    },
    "scenarios.curve.title": {"en": "Known cases caught by review budget", "zh": "核查力量与命中的已知案件"},
    "scenarios.curve.caption": {
        "en": "Reviewing the top k enterprises by risk, for every k: confirmed cases (table case_labels) found, "
              "before and after the scenario. The dashed line marks the chosen budget ({budget}).",
        "zh": "按风险从高到低核查前k家企业时命中的已确认案件数（case_labels 表），推演前后对比。虚线为所选核查力量（{budget}家）。",
    },
    "scenarios.curve.zoom": {
        "en": "Shown up to k = {shown} of {n}: beyond it both curves are flat; the downloads hold every k.",
        "zh": "图中显示至k = {shown}（共{n}家）：其后两条曲线均已持平；下载文件包含全部k值。",
    },
    "scenarios.curve.none": {
        "en": "No confirmed case labels in this scope and period: the curve needs past inspection outcomes.",
        "zh": "当前范围和期间内没有已确认的案件标签：该曲线需要以往核查结果。",
    },
    "scenarios.axis.k": {"en": "Enterprises reviewed (top k by risk)", "zh": "核查企业数（按风险前k家）"},
    "scenarios.axis.caught": {"en": "Known cases caught", "zh": "命中已知案件数"},
    "scenarios.axis.change": {"en": "Change in emissions ({unit})", "zh": "排放量变化（{unit}）"},
    "scenarios.axis.reviewed": {"en": "Enterprises reviewed", "zh": "核查企业数"},
    "scenarios.series.before": {"en": "Before", "zh": "推演前"},
    "scenarios.series.after": {"en": "After (scenario)", "zh": "推演后（情景）"},
    "scenarios.save.title": {"en": "Save and share", "zh": "保存与分享"},
    "scenarios.save.name": {"en": "Save as", "zh": "另存为"},
    "scenarios.save.placeholder": {"en": "a name, e.g. Default carbon for R05 in 2023", "zh": "名称，例如：2023年R05以缺省值替代"},
    "scenarios.save.button": {"en": "Save scenario", "zh": "保存情景"},
    "scenarios.save.done": {"en": "Saved as “{name}”: [open the link]({link})", "zh": "已保存为“{name}”：[打开链接]({link})"},
    "scenarios.save.invalid": {"en": "Not saved: {problem}", "zh": "未保存：{problem}"},
    "scenarios.saved.title": {"en": "Saved scenarios", "zh": "已保存的情景"},
    "scenarios.saved.none": {"en": "No saved scenarios yet.", "zh": "尚无已保存的情景。"},
    "scenarios.download.provinces": {"en": "By province (CSV)", "zh": "分省对比（CSV）"},
    "scenarios.download.enterprises": {"en": "By enterprise (CSV)", "zh": "分企业对比（CSV）"},
    "scenarios.download.xlsx": {"en": "Everything (Excel)", "zh": "全部结果（Excel）"},
    "scenarios.download.help": {
        "en": "Built when you click, in the page's language, with the parameters, scope and filters.",
        "zh": "点击时生成，使用当前页面语言，并附参数、数据范围和筛选条件。",
    },
    "scenarios.sheet.about": {"en": "Parameters", "zh": "参数"},
    "scenarios.sheet.provinces": {"en": "By province", "zh": "分省"},
    "scenarios.sheet.enterprises": {"en": "By enterprise", "zh": "分企业"},
    "scenarios.sheet.curve": {"en": "Review curve", "zh": "核查曲线"},
    "scenarios.sheet.prices": {"en": "Penalty prices", "zh": "罚款计价"},
    "scenarios.about.scenario": {"en": "Scenario", "zh": "情景"},
    "scenarios.about.scope": {"en": "Scope", "zh": "数据范围"},
    "scenarios.about.filters": {"en": "Filters", "zh": "筛选条件"},
    "scenarios.about.run": {"en": "Assessment run", "zh": "评估批次"},
    "scenarios.about.data_version": {"en": "Data version", "zh": "数据版本"},
    "scenarios.about.generated": {"en": "Generated", "zh": "生成时间"},
    "scenarios.about.saved": {"en": "Saved scenario", "zh": "已保存情景"},
    "scenarios.param.rule_ids": {"en": "Rules whose hits are replaced", "zh": "替代其命中数据的规则"},
    "scenarios.param.below": {"en": "Measured values replaced below (tC/GJ)", "zh": "低于该值的实测值被替代（tC/GJ）"},
    "scenarios.param.severities": {"en": "Severities changed", "zh": "调整的严重程度"},
    "scenarios.param.weights": {"en": "Risk weights", "zh": "风险权重"},
    "scenarios.param.model": {"en": "Model component", "zh": "模型分项"},
    "scenarios.param.model.value": {
        "en": "from {z_floor} to {z_full} robust SD, top {share} of rows",
        "zh": "{z_floor}至{z_full}个稳健标准差，计入得分最高的{share}行",
    },
    "scenarios.param.review": {"en": "Review", "zh": "核查对象"},
    "scenarios.param.labs": {"en": "Unreliable labs", "zh": "不可信的检测机构"},
    "scenarios.param.consultants": {"en": "Unreliable consultants", "zh": "不可信的咨询机构"},
    "scenarios.param.verifiers": {"en": "Unreliable verifiers", "zh": "不可信的核查机构"},
    "scenarios.col.province": {"en": "Province", "zh": "省份"},
    "scenarios.col.enterprises": {"en": "Enterprises", "zh": "企业数"},
    "scenarios.col.changed": {"en": "Enterprises affected", "zh": "受影响企业"},
    "scenarios.col.replaced_months": {"en": "Unit-months replaced", "zh": "被替代机组·月"},
    "scenarios.col.fallback_years": {"en": "Verified years recomputed", "zh": "改按公式计算的核查年度"},
    "scenarios.col.emissions_before": {"en": "Emissions before ({unit})", "zh": "推演前排放量（{unit}）"},
    "scenarios.col.emissions_after": {"en": "Emissions after ({unit})", "zh": "推演后排放量（{unit}）"},
    "scenarios.col.emissions_change": {"en": "Change ({unit})", "zh": "变化（{unit}）"},
    "scenarios.col.shortfall_before": {"en": "Shortfall before ({unit})", "zh": "推演前缺口（{unit}）"},
    "scenarios.col.shortfall_after": {"en": "Shortfall after ({unit})", "zh": "推演后缺口（{unit}）"},
    "scenarios.col.penalty_low": {"en": "Penalty from ({unit})", "zh": "罚款下限（{unit}）"},
    "scenarios.col.penalty_high": {"en": "Penalty to ({unit})", "zh": "罚款上限（{unit}）"},
    "scenarios.col.fine_low": {"en": "Fine if proven, from ({unit})", "zh": "造假罚款下限（{unit}）"},
    "scenarios.col.fine_high": {"en": "Fine if proven, to ({unit})", "zh": "造假罚款上限（{unit}）"},
    "scenarios.col.assessed": {"en": "Assessed", "zh": "已评估企业"},
    "scenarios.col.rank_changed": {"en": "Rank changed", "zh": "排名变化"},
    "scenarios.col.reviewed_before": {"en": "Reviewed before", "zh": "推演前核查"},
    "scenarios.col.reviewed_after": {"en": "Reviewed after", "zh": "推演后核查"},
    "scenarios.col.known_cases": {"en": "Known cases", "zh": "已知案件"},
    "scenarios.col.caught_before": {"en": "Caught before", "zh": "推演前命中"},
    "scenarios.col.caught_after": {"en": "Caught after", "zh": "推演后命中"},
    "scenarios.col.score_before": {"en": "Risk before", "zh": "推演前风险分"},
    "scenarios.col.score_after": {"en": "Risk after", "zh": "推演后风险分"},
    "scenarios.col.band_after": {"en": "Band after", "zh": "推演后风险等级"},
    "scenarios.col.rank_before": {"en": "Rank before", "zh": "推演前排名"},
    "scenarios.col.rank_after": {"en": "Rank after", "zh": "推演后排名"},
    "scenarios.col.rank_change": {"en": "Places moved up", "zh": "排名上升位数"},
    "scenarios.col.confirmed": {"en": "Known case", "zh": "已知案件"},
    "scenarios.col.client": {"en": "Client of a distrusted agency", "zh": "不可信机构的客户"},
    "scenarios.col.name": {"en": "Name", "zh": "名称"},
    "scenarios.col.kind": {"en": "What-if", "zh": "情景类型"},
    "scenarios.col.saved_at": {"en": "Saved", "zh": "保存时间"},
    "scenarios.col.filters": {"en": "Filters", "zh": "筛选条件"},
    "scenarios.col.link": {"en": "Open", "zh": "打开"},
    "scenarios.col.k": {"en": "Enterprises reviewed (k)", "zh": "核查企业数（k）"},
    "scenarios.col.year": {"en": "Emission year", "zh": "排放年度"},
    "scenarios.col.price_month": {"en": "Month before the deadline", "zh": "截止日前一个月"},
    "scenarios.col.priced_month": {"en": "Price month used", "zh": "采用价格的月份"},
    "scenarios.col.price": {"en": "Price (CNY/t)", "zh": "价格（元/吨）"},
    "scenarios.yes": {"en": "yes", "zh": "是"},
    "scenarios.no": {"en": "no", "zh": "否"},
    # (the briefing export's keys follow)
    "briefing.title": {"en": "Carbon market supervision briefing", "zh": "碳排放数据监管简报"},
    "briefing.data_as_of": {"en": "Data as of {date}", "zh": "数据截至{date}"},
    "briefing.generated": {"en": "Generated {when}", "zh": "生成时间：{when}"},
    "briefing.footer": {"en": "{scope} · {filters} · Data as of {date}", "zh": "{scope} · {filters} · 数据截至{date}"},
    "briefing.page": {"en": "{n} / {total}", "zh": "第{n}页／共{total}页"},
    "briefing.no_data": {"en": "No data for this scope and these filters.", "zh": "当前数据范围和筛选条件下无数据。"},
    "briefing.total": {"en": "Total", "zh": "合计"},
    "briefing.slide.headline": {"en": "Headline figures", "zh": "核心指标"},
    "briefing.slide.provinces": {"en": "Risk by province", "zh": "分省风险分布"},
    "briefing.slide.top_risks": {"en": "Highest-risk enterprises", "zh": "风险最高的企业"},
    "briefing.slide.intermediaries": {"en": "Intermediaries: verifiers, labs and consultants",
                                      "zh": "中介机构：核查、检测与咨询机构"},
    "briefing.slide.market": {"en": "Carbon market: price and volume", "zh": "碳市场：价格与成交量"},
    "briefing.slide.method": {"en": "Method and caveats", "zh": "方法与说明"},
    "briefing.shown": {"en": "Top {shown} of {total}; the Excel export lists all.",
                       "zh": "显示前{shown}项（共{total}项），完整名单见 Excel 导出。"},
    "briefing.legend.title": {"en": "Band of the province's highest-risk enterprise",
                              "zh": "省内风险最高企业的风险等级"},
    "briefing.legend.no_data": {"en": "No data", "zh": "无数据"},
    "briefing.legend.label": {"en": "Tile figures: flagged (critical + high) / enterprises",
                              "zh": "方块数字：高风险企业数（严重＋高）／企业总数"},
    "briefing.base_rate": {"en": "Base rate, share of all enterprises flagged critical or high: {rates}.",
                           "zh": "基准比例（全部企业中严重或高风险企业的占比）：{rates}。"},
    "briefing.market.totals": {
        "en": "Over the period: volume {volume}, turnover {turnover}, volume-weighted average price {price}.",
        "zh": "期间合计：成交量{volume}，成交额{turnover}，成交均价{price}。",
    },
    "briefing.chart.emissions": {"en": "Emissions by year ({unit})", "zh": "历年排放量（{unit}）"},
    "briefing.chart.risk": {"en": "Risk score (0–100)", "zh": "风险分（0–100）"},
    "briefing.chart.flagged_share": {"en": "Flagged share of clients", "zh": "高风险客户占比"},
    "briefing.chart.base_rate": {"en": "Base rate (all enterprises)", "zh": "基准比例（全部企业）"},
    "briefing.chart.vwap": {"en": "Monthly VWAP (CNY/t)", "zh": "月度成交均价（元/吨）"},
    "briefing.chart.volume": {"en": "Monthly volume ({unit})", "zh": "月度成交量（{unit}）"},
    "briefing.col.indicator": {"en": "Indicator", "zh": "指标"},
    "briefing.col.value": {"en": "Value", "zh": "数值"},
    "briefing.col.previous": {"en": "Previous", "zh": "上期"},
    "briefing.col.change": {"en": "Change", "zh": "变化"},
    "briefing.col.change_rel": {"en": "Change (%)", "zh": "变化率（%）"},
    "briefing.col.unit": {"en": "Unit", "zh": "单位"},
    "briefing.col.note": {"en": "Note", "zh": "说明"},
    "briefing.col.year": {"en": "Year", "zh": "年份"},
    "briefing.col.emissions_t": {"en": "Emissions (t)", "zh": "排放量（吨）"},
    "briefing.col.emissions": {"en": "Emissions", "zh": "排放量"},
    "briefing.col.flagged_enterprises": {"en": "Flagged enterprises (critical + high)",
                                         "zh": "高风险企业数（严重＋高）"},
    "briefing.col.province_code": {"en": "Province code", "zh": "省级行政区代码"},
    "briefing.col.province": {"en": "Province", "zh": "省份"},
    "briefing.col.enterprises": {"en": "Enterprises", "zh": "企业数"},
    "briefing.col.max_risk": {"en": "Highest risk score (0–100)", "zh": "最高风险分（0–100）"},
    "briefing.col.band": {"en": "Band", "zh": "风险等级"},
    "briefing.col.rank": {"en": "Rank", "zh": "排名"},
    "briefing.col.enterprise_id": {"en": "Enterprise ID", "zh": "企业代码"},
    "briefing.col.enterprise": {"en": "Enterprise", "zh": "企业"},
    "briefing.col.risk_score": {"en": "Risk score (0–100)", "zh": "风险分（0–100）"},
    "briefing.col.reason": {"en": "Main reason", "zh": "主要原因"},
    "briefing.col.kind": {"en": "Type", "zh": "类型"},
    "briefing.col.agency_id": {"en": "Agency ID", "zh": "机构代码"},
    "briefing.col.agency": {"en": "Agency", "zh": "机构"},
    "briefing.col.clients": {"en": "Clients", "zh": "客户数"},
    "briefing.col.flagged_clients": {"en": "Flagged clients", "zh": "高风险客户数"},
    "briefing.col.flagged_share": {"en": "Flagged share of clients (%)", "zh": "高风险客户占比（%）"},
    "briefing.col.base_rate": {"en": "Base rate, all enterprises (%)", "zh": "全部企业基准比例（%）"},
    "briefing.col.month": {"en": "Month", "zh": "月份"},
    "briefing.col.vwap": {"en": "VWAP (CNY/t)", "zh": "成交均价（元/吨）"},
    "briefing.col.volume_t": {"en": "Volume (t)", "zh": "成交量（吨）"},
    "briefing.col.turnover_cny": {"en": "Turnover (CNY)", "zh": "成交额（元）"},
    "briefing.unit.tonnes": {"en": "t", "zh": "吨"},
    "briefing.unit.cny": {"en": "CNY", "zh": "元"},
    "briefing.unit.pct": {"en": "%", "zh": "百分比"},
    "briefing.unit.int": {"en": "count", "zh": "个"},
    "briefing.unit.price": {"en": "CNY/t", "zh": "元/吨"},
    "briefing.about.generated": {"en": "Generated at", "zh": "生成时间"},
    "briefing.about.data_as_of": {"en": "Data as of", "zh": "数据截至"},
    "briefing.about.scope": {"en": "Scope", "zh": "数据范围"},
    "briefing.about.filters": {"en": "Filters", "zh": "筛选条件"},
    "briefing.about.summary": {"en": "Summary", "zh": "摘要"},
    "briefing.sheet.about": {"en": "About", "zh": "说明"},
    "briefing.sheet.headline": {"en": "Headline", "zh": "核心指标"},
    "briefing.sheet.trend": {"en": "Trend", "zh": "历年趋势"},
    "briefing.sheet.provinces": {"en": "Provinces", "zh": "分省"},
    "briefing.sheet.top_risks": {"en": "Top risks", "zh": "高风险企业"},
    "briefing.sheet.intermediaries": {"en": "Intermediaries", "zh": "中介机构"},
    "briefing.sheet.market": {"en": "Market", "zh": "碳市场"},
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
