"""Exports: the briefing deck and workbook."""
