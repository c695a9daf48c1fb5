"""Reading contract files as text: CSV (UTF-8 or GB18030), Parquet and the first sheet of an XLSX.

Every file becomes a RawFile: its headers and an all-string Arrow table with one column per
header (named c0, c1, ... by position, so headers from a file never become SQL identifiers) and
the 1-based data row of each record. What cannot be read is a Problem with the file, the row
where known, and the fix. core.store.loader validates and loads what this module reads.
"""
from __future__ import annotations

import codecs
import csv
import tempfile
import threading
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

FORMATS = (".csv", ".parquet", ".xlsx")
_CHUNK = 1 << 22
_ROW = "__row"  # 1-based data row number (header excluded) carried through staging


# --------------------------------------------------------------------------- problems


@dataclass
class Problem:
    """One validation failure, located precisely enough to fix it."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    message: str
    hint: str

    def render(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
            suffix = Path(self.file).suffix.lower()
            if suffix == ".csv":
                where += f" (line {self.row + 1})"
            elif suffix == ".xlsx":
                where += f" (sheet row {self.row + 1})"
        if self.column:
            where += f", column {self.column}"
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            where += f", value {shown!r}"
        return f"{where}: {self.message}" + (f" — fix: {self.hint}" if self.hint else "")

    __str__ = render


class LoadRejected(Exception):
    """Nothing was loaded; `problems` lists what to fix (at most CAP_TOTAL of `total`)."""

    def __init__(self, problems: list[Problem], total: int | None = None):
        self.problems = list(problems)
        self.total = max(total if total is not None else 0, len(self.problems))
        super().__init__(self.render())

    def render(self) -> str:
        n = self.total
        head = f"load rejected, nothing was changed: {n} problem{'s' if n != 1 else ''} found"
        if n > len(self.problems):
            head += f" (the first {len(self.problems)} are listed)"
        lines = [head] + [f"  {p.render()}" for p in self.problems]
        if n > len(self.problems):
            lines.append(f"  ... and {n - len(self.problems)} more")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()



@dataclass
class RawFile:
    """A file as read, before validation: every cell a string or None.

    `data` has one column per header, named c0, c1, ... by position (so headers
    from the file never become SQL identifiers), plus `__row`, the 1-based data
    row number (the header is line 1, so data row r is line r + 1)."""

    path: Path
    headers: list[str]
    data: pa.Table

    @property
    def n_rows(self) -> int:
        return self.data.num_rows

    def preview(self, n: int = 20):
        """The first n rows as a pandas DataFrame with the file's own headers."""
        df = self.data.slice(0, n).drop_columns([_ROW]).to_pandas()
        df.columns = self.headers
        return df


def _file_problem(path: Path | str, rule: str, message: str, hint: str) -> LoadRejected:
    return LoadRejected([Problem(Path(path).name, None, None, None, rule, message, hint)])



# --------------------------------------------------------------------------- reading


def read_file(path: Path) -> RawFile:
    """Read a .csv (UTF-8 or GB18030/GBK), .parquet or .xlsx file as strings.

    Raises LoadRejected (one file-level problem) if the file is empty or not
    readable in its format. A header-only file is returned with zero rows."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise _file_problem(path, "unsupported_format", f"unsupported file type '{suffix}'",
                            "save the table as .csv (UTF-8 or GB18030), .parquet or .xlsx")
    if not path.is_file():
        raise _file_problem(path, "unreadable", "file not found", "check the file name and location")
    if path.stat().st_size == 0:
        raise _file_problem(path, "empty_file", "the file is empty",
                            "export the table with a header row followed by one row per record")
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".parquet":
        return _read_parquet(path)
    return _read_xlsx(path)


def _with_rows(path: Path, headers: list[str], table: pa.Table, rows=None) -> RawFile:
    table = table.rename_columns([f"c{i}" for i in range(table.num_columns)])
    if rows is None:
        rows = np.arange(1, table.num_rows + 1, dtype=np.int64)
    return RawFile(path, headers, table.append_column(_ROW, pa.array(rows, type=pa.int64())))


def _sniff_binary(head: bytes) -> str | None:
    if head.startswith(b"PAR1"):
        return "this looks like a Parquet file: name it .parquet"
    if head.startswith(b"PK\x03\x04"):
        return "this looks like an Excel workbook: name it .xlsx"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "the file is UTF-16 (Excel 'Unicode text'): save it as 'CSV UTF-8' instead"
    return None


def _scan_csv(path: Path) -> tuple[bool, bool]:
    """One streaming pass: (is valid UTF-8, has empty lines). Empty lines are
    skipped by DuckDB's reader, so their presence changes row numbering."""
    dec = codecs.getincrementaldecoder("utf-8")()
    utf8, blank, tail = True, False, b""
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            if utf8:
                try:
                    dec.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            if not blank:
                buf = tail + chunk
                blank = b"\n\n" in buf or b"\n\r\n" in buf
                tail = chunk[-2:]
            if not utf8 and blank:
                break
    if utf8:
        try:
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return utf8, blank


def _transcode_gb18030(path: Path, out: Path) -> bool:
    dec = codecs.getincrementaldecoder("gb18030")()
    try:
        with open(path, "rb") as f, open(out, "w", encoding="utf-8", newline="") as g:
            while chunk := f.read(_CHUNK):
                g.write(dec.decode(chunk))
            g.write(dec.decode(b"", final=True))
    except UnicodeDecodeError:
        return False
    return True


def _data_rows_after_blanks(path: Path, n: int) -> np.ndarray:
    """Row numbers (line - 1) of the n data records when some lines are empty."""
    blanks = []
    with open(path, "rb") as f:
        for i, line in enumerate(f, start=1):
            if i > 1 and line in (b"\n", b"\r\n", b"\r"):
                blanks.append(i)
    lines = np.arange(2, n + len(blanks) + 2, dtype=np.int64)
    lines = lines[~np.isin(lines, np.asarray(blanks, dtype=np.int64))][:n]
    return lines - 1


def _read_csv_python(path: Path, src: Path, width: int) -> tuple[pa.Table, np.ndarray]:
    """The slow, forgiving-in-layout but strict-in-content reader, used only when
    DuckDB's parser refuses a file: it reads mixed line endings and names the exact
    line of a malformed row."""
    columns: list[list] = [[] for _ in range(width)]
    rows = []
    with open(src, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, strict=True)
        try:
            next(reader, None)
            start = reader.line_num + 1
            for rec in reader:
                if rec and len(rec) != width:
                    raise LoadRejected([Problem(
                        path.name, start - 1, None, None, "csv_syntax",
                        f"not valid CSV at line {start}: {len(rec)} values but the header has {width} columns",
                        "every row needs exactly one value per header column, separated by commas; quote values "
                        "that contain commas with double quotes")])
                if rec:
                    for i, v in enumerate(rec):
                        columns[i].append(v if v != "" else None)
                    rows.append(start - 1)
                start = reader.line_num + 1
        except csv.Error as e:
            raise LoadRejected([Problem(
                path.name, start - 1 if start > 2 else None, None, None, "csv_syntax",
                f"not valid CSV at line {start}: {e}",
                "check the quoting: a value that starts with a double quote must end with one, and quotes "
                "inside a quoted value are written twice")]) from None
    table = pa.table({f"c{i}": pa.array(col, type=pa.string()) for i, col in enumerate(columns)})
    return table, np.asarray(rows, dtype=np.int64)


def _read_csv(path: Path) -> RawFile:
    with open(path, "rb") as f:
        head = f.read(8)
    if hint := _sniff_binary(head):
        raise _file_problem(path, "unreadable", "not a CSV text file", hint)
    utf8, blank = _scan_csv(path)
    with tempfile.TemporaryDirectory(prefix="carbonwatch-load-") as tmp:
        src = path
        if not utf8:
            src = Path(tmp) / "utf8.csv"
            if not _transcode_gb18030(path, src):
                raise _file_problem(path, "encoding", "the file is neither UTF-8 nor GB18030/GBK text",
                                    "save the CSV as UTF-8 (Excel: 'CSV UTF-8') or GB18030")
        with open(src, encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f), [])
        headers = [h.strip() for h in header]
        if not any(headers):
            raise _file_problem(path, "empty_file", "the first line is empty: no header row",
                                "the first line must name the columns, e.g. enterprise_id,name,...")
        cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(headers))) + "}"
        con = _reader_cursor()
        try:
            table = con.sql(
                "SELECT * FROM read_csv(?, header = true, auto_detect = false, delim = ',', quote = '\"', "
                f"escape = '\"', comment = '', columns = {cols})", params=[str(src)]).to_arrow_table()
            rows = _data_rows_after_blanks(src, table.num_rows) if blank else None
        except duckdb.Error:
            table, rows = _read_csv_python(path, src, len(headers))
        finally:
            con.close()
    return _with_rows(path, headers, table, rows)


_reader_lock = threading.Lock()
_reader: duckdb.DuckDBPyConnection | None = None


def _reader_cursor() -> duckdb.DuckDBPyConnection:
    """A cursor on a private in-memory database used only to parse files (opening
    a fresh connection per file costs ~15 ms; a cursor costs microseconds)."""
    global _reader
    with _reader_lock:
        if _reader is None:
            _reader = duckdb.connect(":memory:")
        return _reader.cursor()


def _q(name: str) -> str:
    """Quote an identifier (used for Parquet column names read from the file)."""
    return '"' + name.replace('"', '""') + '"'


def _read_parquet(path: Path) -> RawFile:
    con = _reader_cursor()
    try:
        try:
            desc = con.sql("DESCRIBE SELECT * FROM read_parquet(?)", params=[str(path)]).fetchall()
        except duckdb.Error as e:
            first = str(e).splitlines()[0]
            raise _file_problem(path, "unreadable", f"not a valid Parquet file ({first})",
                                "write the file with a Parquet writer (pandas to_parquet, DuckDB COPY ... "
                                "(FORMAT parquet)) or use CSV") from None
        exprs = []
        for name, typ, *_ in desc:
            col = _q(name)
            if typ.upper().startswith("TIMESTAMP WITH TIME ZONE"):
                # contract timestamps are China time without an offset
                exprs.append(f"strftime(timezone('Asia/Shanghai', {col}), '%Y-%m-%d %H:%M:%S')")
            else:
                exprs.append(f"CAST({col} AS VARCHAR)")
        sel = ", ".join(exprs) if exprs else "NULL"
        try:
            table = con.sql(f"SELECT {sel} FROM read_parquet(?)", params=[str(path)]).to_arrow_table()
        except duckdb.Error as e:
            raise _file_problem(path, "unreadable", f"Parquet file could not be read ({str(e).splitlines()[0]})",
                                "rewrite the file with plain column types (numbers, text, dates)") from None
    finally:
        con.close()
    return _with_rows(path, [d[0].strip() for d in desc], table)


def _xlsx_text(cell) -> str | None:
    """A cell as the text the contract expects (dates by their display format)."""
    v = cell.value
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, datetime):
        fmt = (cell.number_format or "").lower()
        if v.time() != time(0) or "h" in fmt:
            return v.strftime("%Y-%m-%d %H:%M:%S")
        if "d" not in fmt and "y" in fmt and v.day == 1:  # a month formatted as e.g. yyyy-mm
            return v.strftime("%Y-%m")
        return v.strftime("%Y-%m-%d")
    if isinstance(v, (date, time)):
        return v.isoformat()
    return str(v)


def _read_xlsx(path: Path) -> RawFile:
    import openpyxl  # only needed for Excel uploads

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds (zip, xml, key errors)
        raise _file_problem(path, "unreadable", f"not a readable .xlsx workbook ({type(e).__name__})",
                            "save the workbook as Excel .xlsx (not .xls or .et) or export the sheet as CSV") from None
    try:
        ws = wb.worksheets[0]
        it = ws.iter_rows()
        header_cells = next(it, None)
        headers = [("" if c.value is None else str(c.value)).strip() for c in (header_cells or ())]
        while headers and not headers[-1]:
            headers.pop()
        if not headers:
            raise _file_problem(path, "empty_file", "the first sheet has no header row",
                                "put the column names in row 1 of the first sheet")
        width = len(headers)
        columns: list[list] = [[] for _ in range(width)]
        rows = []
        for r, cells in enumerate(it, start=1):
            values = [_xlsx_text(c) for c in cells[:width]]
            if not any(v is not None and v.strip() for v in values):
                continue  # Excel keeps formatted but empty rows; skip them, keep numbering
            values += [None] * (width - len(values))
            for i, v in enumerate(values):
                columns[i].append(v)
            rows.append(r)
    finally:
        wb.close()
    table = pa.table({f"c{i}": pa.array(col, type=pa.string()) for i, col in enumerate(columns)})
    return _with_rows(path, headers, table, np.asarray(rows, dtype=np.int64))
