"""XLSX files with xlsxwriter in constant-memory mode: typed cells, written row by row."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from services.clients.exports.columns import Column

Writer = Callable[[int, int, Any], Any]
MAX_ROWS = 1_048_575  # Excel's limit, less the header row


class XlsxSheet:
    """One worksheet: headers first, then rows; strings are never formulas, so nothing can run."""

    def __init__(self, path: Path, columns: Sequence[Column], *, work_dir: Path) -> None:
        # work_dir holds xlsxwriter's row files until close(); the caller removes it.
        self.book = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "tmpdir": str(work_dir),
            },
        )
        self.sheet = self.book.add_worksheet("Export")
        self.columns = columns
        self.rows = 0
        header = self.book.add_format({"bold": True})
        for n, column in enumerate(columns):
            self.sheet.write_string(0, n, column.header, header)
            self.sheet.set_column(n, n, max(10, min(40, len(column.header) + 2)))
        self.sheet.freeze_panes(1, 0)
        self.writers = [self._writer(column) for column in columns]

    def _writer(self, column: Column) -> Writer:
        sheet = self.sheet
        match column.kind:
            case "integer":
                return sheet.write_number
            case "money":
                money = self.book.add_format({"num_format": "#,##0.00 [$€-40C]"})
                return lambda row, col, cents: sheet.write_number(row, col, cents / 100, money)
            case "date":
                day = self.book.add_format({"num_format": "dd/mm/yyyy"})
                return lambda row, col, value: sheet.write_datetime(row, col, value, day)
            case "flag":
                return lambda row, col, value: sheet.write_string(row, col, "Oui" if value else "Non")
        return sheet.write_string

    def add_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        """Append rows whose values are in column order; None leaves the cell empty."""
        writers = self.writers
        for values in rows:
            self.rows += 1
            if self.rows > MAX_ROWS:
                raise ValueError(f"an XLSX sheet holds at most {MAX_ROWS} rows; export as CSV instead")
            row = self.rows
            for col, value in enumerate(values):
                if value is not None:
                    writers[col](row, col, value)

    def close(self) -> None:
        """Finish the file (the ZIP container is written here)."""
        if self.rows:
            self.sheet.autofilter(0, 0, self.rows, len(self.columns) - 1)
        self.book.close()
