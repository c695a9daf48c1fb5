"""The loader: one way in, all or nothing, every problem located and explained.

A small but complete valid folder is built by `write_valid_folder`; each defect
case is a small mutation of it, loaded on top of a database that already holds
the valid data, and must be rejected with the right file, row, column and rule
while leaving every table exactly as it was.
"""
from __future__ import annotations

import csv
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from core.store import ddl, loader
from core.contract import schema
from core.store.loader import LoadRejected, Problem

# ---------------------------------------------------------------------------- fixture data

VALID: dict[str, list[dict]] = {
    "agencies": [
        {"agency_id": "AG-CONS-1", "name": "Qilu Carbon Consulting", "kind": "consultant", "province_code": "37",
         "accreditation": ""},
        {"agency_id": "AG-LAB-1", "name": "Jinan Coal Testing Centre", "kind": "lab", "province_code": "370000",
         "accreditation": "CMA+CNAS"},
        {"agency_id": "AG-VER-1", "name": "China Quality Certification Centre", "kind": "verifier",
         "province_code": "11", "accreditation": ""},
    ],
    "enterprises": [
        {"enterprise_id": "91370000MA3C00001X", "name": "Huaneng Jining Power", "province_code": "37",
         "city": "Jining", "sector": "power", "group_name": "China Huaneng Group", "latitude": "35.41",
         "longitude": "116.59", "consultant_id": "AG-CONS-1"},
        {"enterprise_id": "91320000MA1M00002Y", "name": "Guodian Taizhou Power", "province_code": "320000",
         "city": "Taizhou", "sector": "power", "group_name": "China Energy Investment", "latitude": "32.46",
         "longitude": "119.92", "consultant_id": ""},
        {"enterprise_id": "91660000MA7600003Z", "name": "XPCC Tianfu Thermal Power", "province_code": "66",
         "city": "Shihezi", "sector": "power", "group_name": "", "latitude": "44.30", "longitude": "86.05",
         "consultant_id": ""},
    ],
    "units": [
        {"unit_id": "U-SD-1", "enterprise_id": "91370000MA3C00001X", "unit_class": "coal_above_300mw",
         "capacity_mw": "600", "commissioning_year": "2006", "cooling": "water", "chp": "false"},
        {"unit_id": "U-SD-2", "enterprise_id": "91370000MA3C00001X", "unit_class": "coal_300mw_below",
         "capacity_mw": "300", "commissioning_year": "1998", "cooling": "water", "chp": "true"},
        {"unit_id": "U-JS-1", "enterprise_id": "91320000MA1M00002Y", "unit_class": "gas",
         "capacity_mw": "400", "commissioning_year": "2015", "cooling": "", "chp": "no"},
        {"unit_id": "U-JS-2", "enterprise_id": "91320000MA1M00002Y", "unit_class": "coal_above_300mw",
         "capacity_mw": "1000", "commissioning_year": "2010", "cooling": "water", "chp": "0"},
        {"unit_id": "U-XJ-1", "enterprise_id": "91660000MA7600003Z", "unit_class": "coal_unconventional",
         "capacity_mw": "135", "commissioning_year": "2012", "cooling": "air", "chp": "yes"},
    ],
    "monthly_reports": [
        # row 1: the coal row most defects mutate (February: 672 hours in the month)
        {"unit_id": "U-SD-1", "period": "2023-02", "fuel_type": "coal", "fuel_consumed": "150000", "ncv": "21.5",
         "carbon_content": "0.0265", "carbon_content_source": "measured", "carbon_ar_pct": "55.2",
         "total_moisture_pct": "12.5", "moisture_ad_pct": "3.1", "hydrogen_pct": "3.4", "sulfur_pct": "0.8",
         "oxidation_rate": "0.99", "generation_mwh": "400000", "supply_mwh": "380000", "heat_supply_gj": "0",
         "operating_hours": "600", "load_factor": "0.83", "lab_id": "AG-LAB-1", "lab_report_no": "JN-2023-0211",
         "sample_date": "2023-02-05", "test_date": "2023-02-08", "report_date": "2023-02-12",
         "submitted_at": "2023-03-20 10:00:00", "reported_emissions_t": ""},
        {"unit_id": "U-SD-1", "period": "2023-01", "fuel_type": "coal", "fuel_consumed": "162000", "ncv": "21.2",
         "carbon_content": "0.0263", "carbon_content_source": "measured", "carbon_ar_pct": "54.8",
         "total_moisture_pct": "13.0", "moisture_ad_pct": "3.3", "hydrogen_pct": "3.5", "sulfur_pct": "0.7",
         "oxidation_rate": "0.99", "generation_mwh": "430000", "supply_mwh": "408000", "heat_supply_gj": "0",
         "operating_hours": "700", "load_factor": "0.81", "lab_id": "AG-LAB-1", "lab_report_no": "JN-2023-0107",
         "sample_date": "2023-01-05", "test_date": "2023-01-09", "report_date": "2023-01-12",
         "submitted_at": "2023-02-20 10:00:00", "reported_emissions_t": "337050.5"},
        {"unit_id": "U-SD-2", "period": "2023-02", "fuel_type": "coal", "fuel_consumed": "85000", "ncv": "20.9",
         "carbon_content": "0.0268", "carbon_content_source": "default", "carbon_ar_pct": "",
         "total_moisture_pct": "", "moisture_ad_pct": "", "hydrogen_pct": "", "sulfur_pct": "",
         "oxidation_rate": "0.99", "generation_mwh": "190000", "supply_mwh": "176000", "heat_supply_gj": "250000",
         "operating_hours": "640", "load_factor": "0.95", "lab_id": "", "lab_report_no": "",
         "sample_date": "", "test_date": "", "report_date": "", "submitted_at": "2023-03-18T16:30:00",
         "reported_emissions_t": ""},
        {"unit_id": "U-JS-1", "period": "2023-02", "fuel_type": "gas", "fuel_consumed": "3000", "ncv": "389.31",
         "carbon_content": "0.01532", "carbon_content_source": "default", "carbon_ar_pct": "",
         "total_moisture_pct": "", "moisture_ad_pct": "", "hydrogen_pct": "", "sulfur_pct": "",
         "oxidation_rate": "0.99", "generation_mwh": "160000", "supply_mwh": "156000", "heat_supply_gj": "",
         "operating_hours": "450", "load_factor": "0.6", "lab_id": "", "lab_report_no": "",
         "sample_date": "", "test_date": "", "report_date": "", "submitted_at": "2023-03-15 09:00:00",
         "reported_emissions_t": ""},
        {"unit_id": "U-XJ-1", "period": "2023-02", "fuel_type": "coal", "fuel_consumed": "40000", "ncv": "18.7",
         "carbon_content": "0.0271", "carbon_content_source": "measured", "carbon_ar_pct": "50.1",
         "total_moisture_pct": "15.0", "moisture_ad_pct": "4.0", "hydrogen_pct": "", "sulfur_pct": "",
         "oxidation_rate": "", "generation_mwh": "70000", "supply_mwh": "64000", "heat_supply_gj": "",
         "operating_hours": "610", "load_factor": "0.85", "lab_id": "AG-LAB-1", "lab_report_no": "JN-2023-0299",
         "sample_date": "2023-02-10", "test_date": "2023-02-12", "report_date": "2023-02-15",
         "submitted_at": "2023-03-22 11:45:00", "reported_emissions_t": ""},
    ],
    "verifications": [
        {"enterprise_id": "91370000MA3C00001X", "year": "2023", "reported_t": "6650000", "verified_t": "6712000",
         "verifier_id": "AG-VER-1", "conclusion": "pass", "verified_at": "2024-03-15"},
        {"enterprise_id": "91320000MA1M00002Y", "year": "2023", "reported_t": "5100000", "verified_t": "5100000",
         "verifier_id": "AG-VER-1", "conclusion": "pass", "verified_at": "2024-03-28"},
    ],
    "allocations": [
        {"enterprise_id": "91370000MA3C00001X", "year": "2023", "allocated_t": "6500000"},
        {"enterprise_id": "91320000MA1M00002Y", "year": "2023", "allocated_t": "5200000"},
        {"enterprise_id": "91660000MA7600003Z", "year": "2023", "allocated_t": "800000"},
    ],
    "compliance": [
        {"enterprise_id": "91370000MA3C00001X", "year": "2023", "surrendered_t": "6712000",
         "due_date": "2024-12-31", "surrendered_at": "2024-12-20"},
        {"enterprise_id": "91320000MA1M00002Y", "year": "2023", "surrendered_t": "",
         "due_date": "2024-12-31", "surrendered_at": ""},
    ],
    "accounts": [
        {"account_id": "ACC-SD", "enterprise_id": "91370000MA3C00001X", "holder_name": "Huaneng Jining Power",
         "kind": "entity", "opened_at": "2021-06-01"},
        {"account_id": "ACC-JS", "enterprise_id": "91320000MA1M00002Y", "holder_name": "Guodian Taizhou Power",
         "kind": "entity", "opened_at": "2021-06-03"},
        {"account_id": "ACC-INST", "enterprise_id": "", "holder_name": "Hubei Carbon Asset Co",
         "kind": "institution", "opened_at": "2024-10-15"},
    ],
    "trades": [
        {"trade_id": "T-1", "ts": "2023-06-01 10:15:00", "method": "listing", "buyer_account": "ACC-SD",
         "seller_account": "ACC-JS", "volume_t": "5000", "price_cny": "58.5", "vintage": "CEA2022"},
        {"trade_id": "T-2", "ts": "2023-06-01 14:02:30", "method": "block", "buyer_account": "ACC-JS",
         "seller_account": "ACC-SD", "volume_t": "150000", "price_cny": "55", "vintage": "CEA2022"},
        {"trade_id": "T-3", "ts": "2024-11-20 09:30:00", "method": "auction", "buyer_account": "ACC-INST",
         "seller_account": "ACC-JS", "volume_t": "20000", "price_cny": "101.2", "vintage": ""},
    ],
    "market_daily": [
        {"date": "2023-06-01", "open": "57.5", "high": "59", "low": "57.1", "close": "58.5",
         "volume_t": "155000", "amount_cny": "8542500"},
        {"date": "2023-06-02", "open": "58.5", "high": "58.9", "low": "58.0", "close": "58.2",
         "volume_t": "12000", "amount_cny": "698400"},
    ],
    "case_labels": [
        {"enterprise_id": "91370000MA3C00001X", "period": "2023-02", "pattern": "carbon content below peers",
         "outcome": "confirmed"},
        {"enterprise_id": "91320000MA1M00002Y", "period": "2023", "pattern": "late deposit", "outcome": "dismissed"},
    ],
}


def write_csv(path: Path, rows: list[dict], encoding: str = "utf-8", header: list[str] | None = None) -> Path:
    header = header or list(rows[0])
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(h, "") for h in header])
    return path


def write_valid_folder(folder: Path) -> Path:
    """The complete valid fixture: one CSV per contract table."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in VALID.items():
        write_csv(folder / f"{table}.csv", rows)
    return folder


def read_rows(folder: Path, table: str) -> list[dict]:
    with open(folder / f"{table}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def rewrite(folder: Path, table: str, fn) -> None:
    """Apply fn(rows) -> rows to a table's CSV."""
    rows = fn(read_rows(folder, table))
    write_csv(folder / f"{table}.csv", rows)


def set_cell(folder: Path, table: str, row: int, column: str, value: str) -> None:
    def fn(rows):
        rows[row - 1][column] = value
        return rows

    rewrite(folder, table, fn)


def dump(con) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    out = {}
    for t in ["provinces", "load_log", *[t.name for t in schema.TABLES]]:
        out[t] = sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
    return out


@pytest.fixture
def con():
    c = duckdb.connect()
    ddl.create(c)
    yield c
    c.close()


@pytest.fixture
def valid(tmp_path) -> Path:
    return write_valid_folder(tmp_path / "valid")


@pytest.fixture(scope="module")
def base_db(tmp_path_factory) -> Path:
    """A database file holding the valid folder, built once and copied per test."""
    d = tmp_path_factory.mktemp("base")
    path = d / "base.duckdb"
    c = duckdb.connect(str(path))
    ddl.create(c)
    loader.load_folder(c, write_valid_folder(d / "valid"), source="fixture")
    c.close()
    return path


@pytest.fixture
def loaded(base_db, tmp_path):
    """A database holding the valid folder, and a fresh copy of that folder to mutate."""
    path = tmp_path / "db.duckdb"
    shutil.copy(base_db, path)
    c = duckdb.connect(str(path))
    yield c, write_valid_folder(tmp_path / "bad")
    c.close()


def rejected(con, folder: Path) -> LoadRejected:
    with pytest.raises(LoadRejected) as ei:
        loader.load_folder(con, folder)
    return ei.value


def find(err: LoadRejected, file: str, rule: str) -> list[Problem]:
    return [p for p in err.problems if p.file == file and p.rule == rule]


# ---------------------------------------------------------------------------- the happy path


def test_valid_folder_loads_and_reload_updates(con, valid):
    report = loader.load_folder(con, valid, source="unit test")
    expected = {t: (len(rows), 0) for t, rows in VALID.items()}
    assert report.tables == expected
    assert list(report.tables) == [t.name for t in schema.TABLES]  # load order = dependency order
    assert report.warnings == []
    log = con.execute("SELECT table_name, file_name, inserted, updated, source FROM load_log ORDER BY load_id").fetchall()
    assert log == [(t, f"{t}.csv", n, 0, "unit test") for t, (n, _) in expected.items()]

    # stored typed and normalised
    assert con.execute("SELECT province_code FROM enterprises ORDER BY enterprise_id").fetchall() == [
        ("32",), ("37",), ("66",)]
    row = con.execute("SELECT period, submitted_at, ncv, oxidation_rate FROM monthly_reports "
                      "WHERE unit_id = 'U-SD-1' AND period = DATE '2023-02-01'").fetchone()
    assert row == (datetime(2023, 2, 1).date(), datetime(2023, 3, 20, 10, 0), 21.5, 0.99)
    assert con.execute("SELECT submitted_at FROM monthly_reports WHERE unit_id = 'U-SD-2'").fetchone()[0] == \
        datetime(2023, 3, 18, 16, 30)
    assert con.execute("SELECT unit_id, chp FROM units ORDER BY unit_id").fetchall() == [
        ("U-JS-1", False), ("U-JS-2", False), ("U-SD-1", False), ("U-SD-2", True), ("U-XJ-1", True)]
    assert con.execute("SELECT enterprise_id FROM accounts WHERE account_id = 'ACC-INST'").fetchone() == (None,)

    # reloading the same folder: every row updated, none inserted
    before = dump(con)
    again = loader.load_folder(con, valid, source="again")
    assert again.tables == {t: (0, len(rows)) for t, rows in VALID.items()}
    after = dump(con)
    assert {t: v for t, v in after.items() if t != "load_log"} == {t: v for t, v in before.items() if t != "load_log"}
    assert len(after["load_log"]) == 2 * len(VALID)

    # changing one value and reloading updates exactly that value
    set_cell(valid, "units", 1, "capacity_mw", "660")
    third = loader.load_folder(con, valid, source="third")
    assert third.tables["units"] == (0, 5)
    assert con.execute("SELECT capacity_mw FROM units WHERE unit_id = 'U-SD-1'").fetchone() == (660.0,)
    assert con.execute("SELECT count(*) FROM units WHERE capacity_mw = 660").fetchone() == (1,)


def test_new_keys_are_counted_as_inserted(loaded):
    con, folder = loaded
    rewrite(folder, "units", lambda rows: rows + [dict(rows[0], unit_id="U-SD-3")])
    report = loader.load_folder(con, folder)
    assert report.tables["units"] == (1, 5)
    assert con.execute("SELECT count(*) FROM units").fetchone() == (6,)


def test_folder_updating_one_table_of_an_existing_database(loaded, tmp_path):
    con, _ = loaded
    only = tmp_path / "only_verifications"
    only.mkdir()
    rows = [dict(r) for r in VALID["verifications"]]
    rows[0]["verified_t"] = "6720000"
    write_csv(only / "verifications.csv", rows)
    report = loader.load_folder(con, only)
    assert report.tables == {"verifications": (0, 2)}
    assert con.execute("SELECT verified_t FROM verifications WHERE year = 2023 ORDER BY verified_t DESC "
                       "LIMIT 1").fetchone() == (6720000.0,)


def test_core_tables_required_for_an_empty_database(con, tmp_path):
    only = tmp_path / "only_verifications"
    only.mkdir()
    write_csv(only / "verifications.csv", VALID["verifications"])
    err = rejected(con, only)
    missing = {p.message.split()[1] for p in err.problems if p.rule == "missing_file"}
    assert missing == {"enterprises", "units", "monthly_reports"}
    assert all(p.hint for p in err.problems)
    assert con.execute("SELECT count(*) FROM load_log").fetchone() == (0,)


def test_gb18030_csv_with_chinese_headers_and_names(loaded):
    con, folder = loaded
    zh = {"enterprise_id": "统一社会信用代码", "name": "排放单位名称", "province_code": "省份代码", "city": "城市",
          "sector": "行业", "group_name": "所属集团"}
    rows = [dict(r) for r in VALID["enterprises"]]
    rows[0].update(name="华能济宁发电有限公司", city="济宁市", group_name="中国华能集团有限公司")
    rows[2].update(name="新疆生产建设兵团天富热电", city="石河子市")
    header = [zh.get(h, h) for h in rows[0]]
    zh_rows = [{zh.get(k, k): v for k, v in r.items()} for r in rows]
    write_csv(folder / "enterprises.csv", zh_rows, encoding="gb18030", header=header)
    raw = (folder / "enterprises.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the file really is GB18030, not UTF-8

    report = loader.load_folder(con, folder)
    assert report.tables["enterprises"] == (0, 3)
    assert report.warnings == []
    got = dict(con.execute("SELECT enterprise_id, name FROM enterprises").fetchall())
    assert got["91370000MA3C00001X"] == "华能济宁发电有限公司"
    assert got["91660000MA7600003Z"] == "新疆生产建设兵团天富热电"
    assert con.execute("SELECT city, group_name FROM enterprises WHERE province_code = '37'").fetchone() == (
        "济宁市", "中国华能集团有限公司")


def test_utf8_bom_and_header_case_and_spaces(loaded):
    con, folder = loaded
    rows = VALID["allocations"]
    header = [" Enterprise_ID ", "YEAR", "Allocated_t"]
    renamed = [dict(zip(header, r.values())) for r in rows]
    write_csv(folder / "allocations.csv", renamed, encoding="utf-8-sig", header=header)
    assert (folder / "allocations.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    report = loader.load_folder(con, folder)
    assert report.tables["allocations"] == (0, 3)


def test_unknown_column_and_unknown_file_are_warnings(loaded):
    con, folder = loaded
    rewrite(folder, "units", lambda rows: [dict(r, remarks="checked") for r in rows])
    (folder / "notes.txt").write_text("not a table")
    report = loader.load_folder(con, folder)
    assert report.tables["units"] == (0, 5)
    assert any("units.csv" in w and "'remarks'" in w for w in report.warnings)
    assert any("notes.txt" in w for w in report.warnings)


def _to_parquet(folder: Path, out: Path) -> None:
    """Typed Parquet (numbers, dates, timestamps as native types), as a real producer writes it."""
    out.mkdir()
    c = duckdb.connect()
    for f in folder.glob("*.csv"):
        c.execute(f"COPY (SELECT * FROM read_csv(?, header = true)) TO '{out / (f.stem + '.parquet')}' "
                  "(FORMAT parquet)", [str(f)])
    c.close()


def test_parquet_folder_loads_like_csv(con, valid, tmp_path):
    pq = tmp_path / "pq"
    _to_parquet(valid, pq)
    report = loader.load_folder(con, pq, source="parquet")
    assert report.tables == {t: (len(rows), 0) for t, rows in VALID.items()}
    csv_con = duckdb.connect()
    ddl.create(csv_con)
    loader.load_folder(csv_con, valid)
    strip = lambda d: {t: v for t, v in d.items() if t != "load_log"}  # noqa: E731
    assert strip(dump(con)) == strip(dump(csv_con))


def test_xlsx_first_sheet_loads(loaded, tmp_path):
    import openpyxl

    con, folder = loaded
    rows = VALID["monthly_reports"][:2]
    wb = openpyxl.Workbook()
    ws = wb.active
    header = list(rows[0])
    ws.append(header)
    for r in rows:
        out = []
        for h in header:
            v = r[h]
            if h in ("sample_date", "test_date", "report_date") and v:
                v = datetime.strptime(v, "%Y-%m-%d")
            elif h == "submitted_at":
                v = datetime.strptime(v, "%Y-%m-%d %H:%M:%S")
            elif h not in ("unit_id", "period", "fuel_type", "carbon_content_source", "lab_id", "lab_report_no"):
                v = float(v) if v else None
            out.append(v if v != "" else None)
        ws.append(out)
    # a month typed into Excel becomes a date; its yyyy-mm display format says it is a period
    ws.cell(row=3, column=2, value=datetime(2023, 1, 1)).number_format = "yyyy-mm"
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, datetime) and cell.column != 2:
                cell.number_format = "yyyy-mm-dd hh:mm:ss" if cell.value.hour else "yyyy-mm-dd"
    wb.create_sheet("notes").append(["ignored"])
    (folder / "monthly_reports.csv").unlink()
    wb.save(folder / "monthly_reports.xlsx")

    raw = loader.read_file(folder / "monthly_reports.xlsx")
    assert raw.n_rows == 2 and raw.headers == header
    report = loader.load_folder(con, folder)
    assert report.tables["monthly_reports"] == (0, 2)
    assert con.execute("SELECT submitted_at, sample_date FROM monthly_reports WHERE unit_id = 'U-SD-1' "
                       "AND period = DATE '2023-01-01'").fetchone() == (
        datetime(2023, 2, 20, 10, 0), datetime(2023, 1, 5).date())


def test_xlsx_problem_rows_match_sheet_rows(loaded):
    import openpyxl

    con, folder = loaded
    rows = VALID["allocations"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(rows[0]))
    ws.append(list(rows[0].values()))
    ws.append([None, None, None])  # an empty row in the middle keeps its number
    ws.append([rows[1]["enterprise_id"], 2023, "1,234.5"])
    (folder / "allocations.csv").unlink()
    wb.save(folder / "allocations.xlsx")
    err = rejected(con, folder)
    (p,) = err.problems
    assert (p.file, p.row, p.column, p.rule, p.value) == ("allocations.xlsx", 3, "allocated_t", "type", "1,234.5")
    assert "(sheet row 4)" in p.render()


def test_load_files_maps_tables_to_uploaded_files(loaded, tmp_path):
    con, _ = loaded
    up = tmp_path / "upload"
    up.mkdir()
    f = write_csv(up / "tmp_8f3a.csv", VALID["trades"])
    report = loader.load_files(con, {"trades": f}, source="upload by tester")
    assert report.tables == {"trades": (0, 3)}
    assert con.execute("SELECT source, file_name FROM load_log ORDER BY load_id DESC LIMIT 1").fetchone() == (
        "upload by tester", "tmp_8f3a.csv")
    with pytest.raises(LoadRejected) as ei:
        loader.load_files(con, {"trade": f}, source="x")
    assert ei.value.problems[0].rule == "unknown_table"


def test_commit_failure_rolls_back_everything(loaded, monkeypatch):
    con, folder = loaded
    rewrite(folder, "units", lambda rows: rows + [dict(rows[0], unit_id="U-NEW")])
    before = dump(con)
    real = loader._upsert

    def failing(cur, s):
        if s.table.name == "monthly_reports":  # after agencies..units were written in the transaction
            raise duckdb.ConstraintException("simulated failure")
        return real(cur, s)

    monkeypatch.setattr(loader, "_upsert", failing)
    err = rejected(con, folder)
    assert err.problems[0].rule == "commit_failed" and "simulated failure" in err.problems[0].message
    assert dump(con) == before
    monkeypatch.undo()
    assert loader.load_folder(con, folder).tables["units"] == (1, 5)  # the cursor is usable again


# ---------------------------------------------------------------------------- defects


def _drop_column(table, column):
    return lambda f: rewrite(f, table, lambda rows: [{k: v for k, v in r.items() if k != column} for r in rows])


def _set(table, row, column, value):
    return lambda f: set_cell(f, table, row, column, value)


def _dup_units(f):
    rewrite(f, "units", lambda rows: rows + [dict(rows[1])])


def _empty_file(f):
    (f / "units.csv").write_bytes(b"")


def _header_only(f):
    (f / "allocations.csv").write_text("enterprise_id,year,allocated_t\n")


def _ragged(f):
    with open(f / "allocations.csv", "a") as g:
        g.write("91370000MA3C00001X,2024,100,extra\n")


def _garbage_parquet(f):
    (f / "agencies.csv").unlink()
    (f / "agencies.parquet").write_bytes(b"this is not parquet at all")


def _two_files(f):
    shutil.copy(f / "units.csv", f / "units.parquet")


# (id, mutation, file, row, column, rule): the problem that must be reported
DEFECTS = [
    ("unknown_province", _set("enterprises", 2, "province_code", "99"),
     "enterprises.csv", 2, "province_code", "unknown_province"),
    ("city_code_as_province", _set("enterprises", 1, "province_code", "370800"),
     "enterprises.csv", 1, "province_code", "type"),
    ("missing_required_column", _drop_column("enterprises", "sector"),
     "enterprises.csv", None, "sector", "missing_column"),
    ("null_required", _set("units", 3, "capacity_mw", ""), "units.csv", 3, "capacity_mw", "required"),
    ("non_numeric", _set("monthly_reports", 2, "fuel_consumed", "n/a"),
     "monthly_reports.csv", 2, "fuel_consumed", "type"),
    ("thousands_separator", _set("monthly_reports", 1, "generation_mwh", "1,234.5"),
     "monthly_reports.csv", 1, "generation_mwh", "type"),
    ("period_month_13", _set("monthly_reports", 3, "period", "2023-13"), "monthly_reports.csv", 3, "period", "type"),
    ("period_slash", _set("monthly_reports", 4, "period", "2023/04"), "monthly_reports.csv", 4, "period", "type"),
    ("bad_date", _set("verifications", 2, "verified_at", "2024-02-30"),
     "verifications.csv", 2, "verified_at", "type"),
    ("bad_timestamp", _set("monthly_reports", 1, "submitted_at", "20/03/2023 10:00"),
     "monthly_reports.csv", 1, "submitted_at", "type"),
    ("bad_bool", _set("units", 2, "chp", "maybe"), "units.csv", 2, "chp", "type"),
    ("bad_int", _set("allocations", 1, "year", "2023.5"), "allocations.csv", 1, "year", "type"),
    ("enum_case", _set("monthly_reports", 1, "fuel_type", "Coal"), "monthly_reports.csv", 1, "fuel_type", "enum"),
    ("enum_typo", _set("trades", 1, "method", "listed"), "trades.csv", 1, "method", "enum"),
    ("ncv_kcal_per_kg", _set("monthly_reports", 1, "ncv", "5000"), "monthly_reports.csv", 1, "ncv", "ncv_coal_unit"),
    ("gas_ncv_mj_per_nm3", _set("monthly_reports", 4, "ncv", "38.9"), "monthly_reports.csv", 4, "ncv", "ncv_gas_unit"),
    ("carbon_content_kgc", _set("monthly_reports", 1, "carbon_content", "26.5"),
     "monthly_reports.csv", 1, "carbon_content", "carbon_content_unit"),
    ("oxidation_percent", _set("monthly_reports", 3, "oxidation_rate", "99"),
     "monthly_reports.csv", 3, "oxidation_rate", "range"),
    ("hours_over_february", _set("monthly_reports", 1, "operating_hours", "700"),
     "monthly_reports.csv", 1, "operating_hours", "hours_in_month"),
    ("hours_over_744", _set("monthly_reports", 1, "operating_hours", "800"),
     "monthly_reports.csv", 1, "operating_hours", "range"),
    ("supply_over_generation", _set("monthly_reports", 5, "supply_mwh", "75000"),
     "monthly_reports.csv", 5, "supply_mwh", "supply_le_generation"),
    ("moisture_swapped", _set("monthly_reports", 1, "moisture_ad_pct", "14"),
     "monthly_reports.csv", 1, "moisture_ad_pct", "moisture_order"),
    ("measured_without_lab", _set("monthly_reports", 5, "lab_report_no", ""),
     "monthly_reports.csv", 5, "lab_id", "measured_has_lab"),
    ("duplicate_key", _dup_units, "units.csv", 6, "unit_id", "duplicate_key"),
    ("fk_unknown_enterprise", _set("units", 4, "enterprise_id", "91320000MA1M0000XX"),
     "units.csv", 4, "enterprise_id", "foreign_key"),
    ("fk_unknown_unit", _set("monthly_reports", 3, "unit_id", "U-SD-9"),
     "monthly_reports.csv", 3, "unit_id", "foreign_key"),
    ("fk_unknown_account", _set("trades", 2, "seller_account", "ACC-XX"),
     "trades.csv", 2, "seller_account", "foreign_key"),
    ("fk_unknown_lab", _set("monthly_reports", 1, "lab_id", "AG-LAB-9"), "monthly_reports.csv", 1, "lab_id",
     "foreign_key"),
    ("lab_is_a_verifier", _set("monthly_reports", 1, "lab_id", "AG-VER-1"), "monthly_reports.csv", 1, "lab_id",
     "agency_kind"),
    ("consultant_is_a_lab", _set("enterprises", 1, "consultant_id", "AG-LAB-1"), "enterprises.csv", 1,
     "consultant_id", "agency_kind"),
    ("self_trade", _set("trades", 1, "seller_account", "ACC-SD"), "trades.csv", 1, "seller_account", "self_trade"),
    ("negative_volume", _set("trades", 3, "volume_t", "-20000"), "trades.csv", 3, "volume_t", "range"),
    ("price_in_fen", _set("trades", 1, "price_cny", "5850"), "trades.csv", 1, "price_cny", "price_unit"),
    ("entity_without_enterprise", _set("accounts", 2, "enterprise_id", ""),
     "accounts.csv", 2, "enterprise_id", "entity_has_enterprise"),
    ("high_below_low", _set("market_daily", 2, "high", "57"), "market_daily.csv", 2, "high", "high_low"),
    ("label_period", _set("case_labels", 1, "period", "2023-2"), "case_labels.csv", 1, "period", "label_period"),
    ("empty_file", _empty_file, "units.csv", None, None, "empty_file"),
    ("header_only", _header_only, "allocations.csv", None, None, "no_rows"),
    ("ragged_csv", _ragged, "allocations.csv", 4, None, "csv_syntax"),
    ("not_parquet", _garbage_parquet, "agencies.parquet", None, None, "unreadable"),
    ("two_files_for_a_table", _two_files, "units.parquet", None, None, "duplicate_file"),
]


@pytest.mark.parametrize("mutate,file,row,column,rule", [d[1:] for d in DEFECTS], ids=[d[0] for d in DEFECTS])
def test_defect_is_rejected_and_database_unchanged(loaded, mutate, file, row, column, rule):
    con, folder = loaded
    before = dump(con)
    mutate(folder)
    err = rejected(con, folder)
    hits = [p for p in err.problems if (p.file, p.row, p.column, p.rule) == (file, row, column, rule)]
    assert hits, f"expected {(file, row, column, rule)} in:\n{err.render()}"
    assert all(p.hint and p.message for p in err.problems)
    assert dump(con) == before


def test_defect_corpus_is_broad():
    assert len({d[0] for d in DEFECTS}) >= 15
    assert len({d[5] for d in DEFECTS}) >= 15  # distinct rules, not one rule fifteen times


def test_problem_details_and_hints(loaded):
    con, folder = loaded
    set_cell(folder, "monthly_reports", 1, "generation_mwh", "1,234.5")
    set_cell(folder, "monthly_reports", 2, "fuel_type", "Coal")
    set_cell(folder, "monthly_reports", 3, "oxidation_rate", "99")
    set_cell(folder, "enterprises", 2, "province_code", "99")
    err = rejected(con, folder)
    (sep,) = find(err, "monthly_reports.csv", "type")
    assert sep.value == "1,234.5" and "thousands" in sep.hint and "1234.5" in sep.hint
    (enum,) = find(err, "monthly_reports.csv", "enum")
    assert "'coal'" in enum.hint and "gas" in enum.hint
    (ox,) = find(err, "monthly_reports.csv", "range")
    assert "percentage" in ox.hint
    (prov,) = find(err, "enterprises.csv", "unknown_province")
    assert prov.render().startswith("enterprises.csv row 2 (line 3), column province_code, value '99': "
                                    "unknown province code — fix: ")
    assert err.total == 4 and "4 problems" in err.render()


def test_duplicate_key_reports_both_rows(loaded):
    con, folder = loaded
    rewrite(folder, "monthly_reports", lambda rows: rows + [dict(rows[2], fuel_consumed="1")])
    err = rejected(con, folder)
    dups = find(err, "monthly_reports.csv", "duplicate_key")
    assert [(p.row, p.column, p.value) for p in dups] == [
        (3, "unit_id, period", "U-SD-2, 2023-02"), (6, "unit_id, period", "U-SD-2, 2023-02")]
    assert "row 6" in dups[0].message and "row 3" in dups[1].message


def test_foreign_key_sees_rows_of_the_same_folder(loaded):
    con, folder = loaded
    # a new enterprise and its unit arrive together: valid although the database has neither
    rewrite(folder, "enterprises", lambda rows: rows + [dict(rows[0], enterprise_id="91370000NEW0000001")])
    rewrite(folder, "units", lambda rows: rows + [dict(rows[0], unit_id="U-NEW", enterprise_id="91370000NEW0000001")])
    report = loader.load_folder(con, folder)
    assert report.tables["enterprises"] == (1, 3) and report.tables["units"] == (1, 5)


def test_reference_columns_can_change_where_nothing_points_at_the_row(loaded):
    con, folder = loaded
    new_agencies = [dict(VALID["agencies"][1], agency_id="AG-LAB-2", name="Jiangsu Coal Lab", province_code="32"),
                    dict(VALID["agencies"][0], agency_id="AG-CONS-2", name="New Consulting", province_code="37")]
    rewrite(folder, "agencies", lambda rows: rows + new_agencies)
    set_cell(folder, "monthly_reports", 1, "lab_id", "AG-LAB-2")  # reports are referenced by nothing
    report = loader.load_folder(con, folder)
    assert report.tables["agencies"] == (2, 3) and report.tables["monthly_reports"] == (0, 5)
    assert con.execute("SELECT lab_id FROM monthly_reports WHERE unit_id = 'U-SD-1' ORDER BY period").fetchall() == [
        ("AG-LAB-1",), ("AG-LAB-2",)]
    set_cell(folder, "agencies", 5, "province_code", "320000")  # AG-CONS-2: nobody refers to it
    loader.load_folder(con, folder)
    assert con.execute("SELECT province_code FROM agencies WHERE agency_id = 'AG-CONS-2'").fetchone() == ("32",)


def test_corrected_references_of_referenced_rows_reload(loaded):
    """Regulators correct master data: a unit's owner, an enterprise's consultant or province."""
    con, folder = loaded
    set_cell(folder, "units", 1, "enterprise_id", "91320000MA1M00002Y")  # U-SD-1 already has monthly reports
    set_cell(folder, "enterprises", 2, "consultant_id", "AG-CONS-1")
    set_cell(folder, "enterprises", 3, "province_code", "65")
    report = loader.load_folder(con, folder)
    assert report.tables["units"] == (0, 5) and report.tables["enterprises"] == (0, 3)
    assert con.execute("SELECT enterprise_id FROM units WHERE unit_id = 'U-SD-1'").fetchone() == ("91320000MA1M00002Y",)
    assert con.execute("SELECT consultant_id FROM enterprises WHERE enterprise_id = '91320000MA1M00002Y'"
                       ).fetchone() == ("AG-CONS-1",)
    assert con.execute("SELECT province_code FROM enterprises WHERE enterprise_id = '91660000MA7600003Z'"
                       ).fetchone() == ("65",)
    # the monthly reports stay attached to the unit
    assert con.execute("SELECT count(*) FROM monthly_reports WHERE unit_id = 'U-SD-1'").fetchone()[0] > 0


def test_fact_tables_keep_database_enforced_references(loaded):
    con, _ = loaded
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO trades VALUES ('T-X', TIMESTAMP '2024-01-02 10:00:00', 'listing', 'NOPE', "
                    "'ACC-SD', 10, 90, NULL)")


def test_missing_or_empty_folder(con, tmp_path):
    err = rejected(con, tmp_path / "nope")
    assert [p.rule for p in err.problems] == ["no_folder"]
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.md").write_text("hello")
    err = rejected(con, tmp_path / "empty")
    assert [p.rule for p in err.problems] == ["no_files"]


def test_many_problems_across_files_reported_in_one_run(loaded):
    con, folder = loaded
    before = dump(con)
    set_cell(folder, "enterprises", 1, "province_code", "99")
    set_cell(folder, "units", 2, "capacity_mw", "-5")
    set_cell(folder, "monthly_reports", 4, "period", "2023/02")
    set_cell(folder, "trades", 3, "seller_account", "ACC-INST")
    _drop_column("allocations", "allocated_t")(folder)
    err = rejected(con, folder)
    got = {(p.file, p.rule) for p in err.problems}
    assert {("enterprises.csv", "unknown_province"), ("units.csv", "range"), ("monthly_reports.csv", "type"),
            ("trades.csv", "self_trade"), ("allocations.csv", "missing_column")} <= got
    assert err.total == len(err.problems) == 5
    assert dump(con) == before


def test_problems_are_capped_but_all_counted(con, tmp_path):
    folder = write_valid_folder(tmp_path / "many")
    base = VALID["market_daily"][0]
    rows = [dict(base, date=f"2023-{m:02d}-{d:02d}", volume_t="1,000") for m in range(1, 13) for d in range(1, 29)]
    write_csv(folder / "market_daily.csv", rows)
    err = rejected(con, folder)
    listed = find(err, "market_daily.csv", "type")
    assert len(listed) == loader.CAP_PER_RULE
    assert [p.row for p in listed] == list(range(1, loader.CAP_PER_RULE + 1))
    assert err.total == len(rows) > len(err.problems)
    assert f"and {len(rows) - len(err.problems)} more" in err.render()


def test_empty_lines_do_not_shift_row_numbers(loaded):
    con, folder = loaded
    text = (folder / "allocations.csv").read_text().splitlines()
    text.insert(2, "")  # an empty line after the first data row
    text[3] = text[3].replace("5200000", '"5,200,000"')  # the second data row, now on line 4
    (folder / "allocations.csv").write_text("\n".join(text) + "\n")
    err = rejected(con, folder)
    (p,) = err.problems
    assert (p.row, p.value) == (3, "5,200,000")


def test_header_never_reaches_sql(loaded):
    con, folder = loaded
    nasty = 'x"; DROP TABLE units; --'
    rewrite(folder, "allocations", lambda rows: [dict(r, **{nasty: "1"}) for r in rows])
    report = loader.load_folder(con, folder)
    assert report.tables["allocations"] == (0, 3)
    assert con.execute("SELECT count(*) FROM units").fetchone() == (5,)
    assert any(nasty in w for w in report.warnings)


def test_read_file_returns_text_with_row_numbers(valid):
    raw = loader.read_file(valid / "units.csv")
    assert raw.headers == list(VALID["units"][0])
    assert raw.n_rows == 5
    assert raw.data.column("__row").to_pylist() == [1, 2, 3, 4, 5]
    assert raw.preview(2)["capacity_mw"].tolist() == ["600", "300"]
