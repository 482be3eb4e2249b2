"""A CSV saved with the separator of a European spreadsheet (issue 25, item 11).

A spreadsheet set to a language whose decimal mark is a comma saves "CSV" with ';' between cells (some save
tabs): the header is then one cell, and a contributor shown "incorrect label" or the two headers side by side
does not see why. Here the header line is split on ';' and on tab; when one of them gives the expected column
names, the problem says which separator it found and how to save the file comma-separated. Used by
`rhil7 validate` on tables/*.csv (csv_reading.header_problems) and by `rhil7 ingest` on a sheet.
"""

from __future__ import annotations

import csv

SEPARATORS = {";": "';' (semicolon)", "\t": "tab"}
CODE = "separator-not-comma"
HOW_TO_SAVE = (
    'Save it as comma-separated CSV: in LibreOffice, File > Save As > "Text CSV (.csv)", tick "Edit '
    'filter settings", Field delimiter ","; in Excel, File > Save As > "CSV UTF-8 (Comma delimited)".'
)


def separator_found(labels: list[str], expected: list[str]) -> str | None:
    """The separator (';' or tab) that splits the header's ``labels`` (read with ',') into the ``expected``
    column names, when the header was not comma-separated; else None. At least two names must come out, and
    half of the expected ones (a sheet with a column renamed still says its separator)."""
    if len(labels) >= len(expected) or len(expected) < 2:
        return None
    line = ",".join(labels)
    for separator in SEPARATORS:
        cells = [c.strip() for c in next(csv.reader([line], delimiter=separator), [])]
        if len(cells) > len(labels) and sum(c in expected for c in cells) >= max(2, len(expected) // 2):
            return separator
    return None


def first_label(labels: list[str]) -> str:
    """The header's first column name, whichever of ',', ';' or tab separates it (to tell which sheet it is)."""
    first = labels[0] if labels else ""
    for separator in SEPARATORS:
        first = first.split(separator, 1)[0]
    return first


def separator_message(separator: str, what: str) -> str:
    """The sentence a contributor reads: which separator ``what`` (the file or sheet) has, and how to fix it."""
    return (
        f"The separator of {what} is {SEPARATORS[separator]}, not a comma: a spreadsheet saved it with its "
        f"language's list separator. {HOW_TO_SAVE}"
    )
