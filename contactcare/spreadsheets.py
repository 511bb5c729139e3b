"""Cells for spreadsheets every app writes (report downloads, import reports): no formula runs on opening."""

# What Excel, LibreOffice and Sheets read as the start of a formula (OWASP: CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """`value` for a spreadsheet cell: text starting like a formula gets a leading `'`; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_row(values) -> list:
    return [safe_cell(value) for value in values]
