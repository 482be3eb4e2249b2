"""Every problem code the validator and the ingest check can report: its title, what it means, how to fix it.

A problem record (rhil7.core.problems.Problem) carries the code and the particulars (file, row, field, expected,
found); this catalogue carries what is true of every problem of that code, the way frictionless-py keeps one
class per error type (``frictionless/errors``). ``rhil7 explain CODE`` prints an entry; the tests require every
code that the code base can emit to be here, and every entry to be emitted somewhere.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProblemKind:
    code: str
    title: str
    meaning: str
    fix: str


def _kinds(*rows: tuple[str, str, str, str]) -> dict[str, ProblemKind]:
    return {code: ProblemKind(code, title, meaning, fix) for code, title, meaning, fix in rows}


# Grouped as a contributor meets them: files and paths, the descriptor, CSV shape, cell types and constraints,
# row rules, rules across tables, provenance, extraction sheets.
CATALOGUE: dict[str, ProblemKind] = _kinds(
    # --- files and paths (the safe reader)
    (
        "absolute-path",
        "Absolute path",
        "A resource's path starts at the file system's root.",
        "Give the path relative to the package, e.g. tables/arms.csv.",
    ),
    (
        "path-outside-package",
        "Path outside the package",
        "A path climbs out of the package (..) or is not plain.",
        "Keep every file inside the package and name it by its plain relative path.",
    ),
    (
        "path-changed",
        "Path changed",
        "A table's path is not the project's path for that table.",
        "Keep each table at the path datapackage.json of the project gives it (tables/NAME.csv).",
    ),
    (
        "remote-path",
        "Remote path",
        "A resource points at a URL; nothing is ever fetched.",
        "Commit the CSV file into tables/ and point the resource at it.",
    ),
    (
        "remote-reference",
        "Remote reference",
        "A schema, dialect or profile is given as a URL.",
        "Inline the schema and dialect in datapackage.json; use a standard profile name or none.",
    ),
    (
        "local-reference",
        "Local profile",
        "The descriptor names a local file as its profile; it is never opened.",
        "Use a standard profile name (tabular-data-package) or leave the profile out.",
    ),
    (
        "schema-not-inline",
        "Schema not inline",
        "A resource's schema is a path, not an inline Table Schema.",
        "Write the Table Schema inside datapackage.json, as the project's descriptor does.",
    ),
    (
        "dialect-not-inline",
        "Dialect not inline",
        "A resource's dialect is a path, not an inline object.",
        "Leave the dialect out (plain CSV) or write it inline.",
    ),
    (
        "inline-data",
        "Inline data",
        "A resource holds its rows inside datapackage.json.",
        "Put the rows in the table's CSV file.",
    ),
    (
        "bad-path",
        "Bad path",
        "A resource's path is not one relative path to a CSV file.",
        "Give exactly one relative path to a .csv file.",
    ),
    (
        "missing-file",
        "Missing file",
        "A file the descriptor names does not exist.",
        "Add the file, or fix the path in datapackage.json.",
    ),
    (
        "symbolic-link",
        "Symbolic link",
        "A file or folder on the path is a symbolic link; links are never followed.",
        "Commit the file itself, not a link to it.",
    ),
    (
        "hard-link",
        "Hard link",
        "A file has several names; it may be a file from outside the package.",
        "Commit a plain copy of the file (cp, not ln).",
    ),
    (
        "not-a-file",
        "Not a regular file",
        "The path names a FIFO, device, socket or folder; it is never opened.",
        "Commit a regular CSV or JSON file at that path.",
    ),
    (
        "file-too-large",
        "File too large",
        "A file is larger than the limit set for one table.",
        "Check that it is the right file; raise the limit with --max-bytes if the table really is that large.",
    ),
    (
        "too-many-rows",
        "Too many rows",
        "A table has more rows than the limit.",
        "Check for duplicated rows; raise the limit with --max-rows if the table really is that large.",
    ),
    (
        "empty-file",
        "Empty file",
        "A table file has no bytes at all.",
        "Write at least the header row (rhil7 template writes one).",
    ),
    (
        "encoding-error",
        "Not UTF-8",
        "A file's bytes are not UTF-8 text.",
        "Save the file as UTF-8 (in a spreadsheet: CSV UTF-8).",
    ),
    (
        "lone-cr",
        "Line ending CR alone",
        "A line ends with a bare carriage return; readers split such lines "
        "differently, so what is checked could differ from what is loaded.",
        "Save the file with LF or CR LF line endings.",
    ),
    (
        "mixed-line-endings",
        "Mixed line endings",
        "The file's lines end in more than one way (LF, CR LF, CR).",
        "Save the file again so that every line ends the same way.",
    ),
    (
        "byte-count",
        "Byte count differs",
        "The file's size differs from the descriptor's bytes property.",
        "Remove the bytes property or update it to the file's size.",
    ),
    (
        "hash-count",
        "Hash differs",
        "The file's hash differs from the descriptor's hash property.",
        "Remove the hash property or update it to the file's hash.",
    ),
    (
        "unsupported-format",
        "Unsupported format",
        "The resource is not a local, uncompressed UTF-8 CSV file.",
        "Save the table as a plain CSV file (not xlsx, zip or gzip).",
    ),
    (
        "unsupported-dialect",
        "Unsupported dialect",
        "The CSV dialect is not plain CSV (comma, double quotes, header).",
        "Save as comma-separated with double quotes and leave the dialect out.",
    ),
    (
        "separator-not-comma",
        "Separator is not a comma",
        "The header splits on ';' or a tab: the file was saved by a spreadsheet set to another separator.",
        "Save as comma-separated (LibreOffice: Text CSV, field delimiter ','; Excel: CSV UTF-8 (Comma delimited)).",
    ),
    # --- the descriptor (datapackage.json)
    (
        "descriptor-error",
        "Descriptor error",
        "datapackage.json does not follow the Data Package standard.",
        "Compare with the project's datapackage.json; the message quotes the standard's complaint.",
    ),
    (
        "descriptor-too-deep",
        "Descriptor nested too deeply",
        "The JSON is nested deeper than any real descriptor.",
        "Restore the project's datapackage.json.",
    ),
    (
        "bad-resource",
        "Bad resource",
        "An entry of resources is not a resource object.",
        "Each resource is an object with name, path and schema.",
    ),
    ("bad-schema", "Bad schema", "A resource has no inline Table Schema.", "Give the resource its schema object."),
    (
        "bad-field-type",
        "Bad field type",
        "A field's type is not one the Table Schema standard defines.",
        "Use one of the types the message lists.",
    ),
    (
        "bad-constraint",
        "Bad constraint",
        "A field's constraints are not an object of known constraints.",
        "Write constraints as an object (required, minimum, enum, pattern, ...).",
    ),
    (
        "bad-pattern",
        "Bad pattern",
        "A pattern constraint is not a regular expression RE2 can run.",
        "Write the pattern without look-around or back-references.",
    ),
    (
        "unsupported-property",
        "Unsupported property",
        "The Table Schema uses a property the validator does not "
        "implement (a format, decimalChar, groupChar, bareNumber, missingValues other than the empty cell, "
        "exclusiveMinimum, ...), so the rows would not be checked as it says.",
        "Remove the property; write the values plainly (a decimal point, no grouping, an empty cell for missing).",
    ),
    (
        "bad-primary-key",
        "Bad primary key",
        "The primary key names no field of the table.",
        "Name fields of this table in primaryKey.",
    ),
    (
        "bad-foreign-key",
        "Bad foreign key",
        "foreignKeys is not a list of foreign-key objects.",
        "Write each foreign key as {fields, reference: {resource, fields}}.",
    ),
    (
        "foreign-key-target-missing",
        "Foreign key to a missing table",
        "A foreign key points at no resource.",
        "Point it at a resource of the package.",
    ),
    ("duplicate-name", "Duplicate name", "Two resources share one name.", "Give each resource its own name."),
    (
        "unsafe-name",
        "Unsafe name",
        "A resource or field name is not lower-case letters, digits and _.",
        "Use the project's names; new names are lower_case_with_underscores.",
    ),
    (
        "too-many-fields",
        "Too many fields",
        "A schema lists more fields than the limit.",
        "Restore the project's schema.",
    ),
    (
        "missing-resource",
        "Missing resource",
        "A resource of the project is missing from the descriptor.",
        "Restore the resource (a contribution adds rows, never removes tables).",
    ),
    (
        "unexpected-resource",
        "Unexpected resource",
        "The descriptor has a resource the project does not.",
        "Propose a new table in an issue first; remove it from this pull request.",
    ),
    ("missing-field", "Missing field", "A field of the project's schema is missing.", "Restore the field."),
    (
        "unexpected-field",
        "Unexpected field",
        "A schema has a field the project's does not.",
        "Propose a new field in an issue first; remove it from this pull request.",
    ),
    (
        "field-order-changed",
        "Field order changed",
        "The schema lists the project's fields in another order.",
        "Keep the fields in the project's order.",
    ),
    (
        "field-type-changed",
        "Field type changed",
        "A field's type differs from the project's.",
        "Restore the field's type.",
    ),
    (
        "constraint-added",
        "Constraint added",
        "A field has a constraint the project's schema does not.",
        "Remove it, or propose it in an issue.",
    ),
    (
        "constraint-removed",
        "Constraint removed",
        "A constraint of the project's schema is missing.",
        "Restore the constraint.",
    ),
    (
        "constraint-changed",
        "Constraint changed",
        "A constraint differs from the project's (a widened enum too).",
        "Restore the project's value; propose a change in an issue.",
    ),
    (
        "primary-key-changed",
        "Primary key changed",
        "The table's primary key differs from the project's.",
        "Restore the project's primaryKey.",
    ),
    (
        "foreign-key-changed",
        "Foreign keys changed",
        "The table's foreign keys differ from the project's.",
        "Restore the project's foreignKeys.",
    ),
    (
        "missing-values-changed",
        "Missing values changed",
        "missingValues differs from the project's.",
        "Restore the project's missingValues (an empty cell is missing).",
    ),
    # --- the CSV's shape
    (
        "header-too-long",
        "Header too long",
        "The first line is longer than any header of the project.",
        "Check that the first line is the header; restore it from the project's table.",
    ),
    ("blank-label", "Blank label", "A header cell is empty.", "Write the field's name in the header."),
    ("duplicate-label", "Duplicate label", "Two header cells share one name.", "Name each column once."),
    (
        "incorrect-label",
        "Incorrect label",
        "A header cell differs from the schema's field at that place.",
        "Use the schema's field names, in its order (rhil7 template prints the header).",
    ),
    ("missing-label", "Missing label", "The header lacks a field of the schema.", "Add the column."),
    ("extra-label", "Extra label", "The header has more columns than the schema.", "Remove the extra column."),
    (
        "header-mismatch",
        "Header mismatch",
        "An extraction sheet's header is not the sheet's template header.",
        "Start from rhil7 template's sheet and keep its header.",
    ),
    ("blank-row", "Blank row", "A row has no value at all.", "Delete the empty line."),
    (
        "extra-cell",
        "Extra cell",
        "A row has more cells than the header.",
        "Quote cells that contain commas; remove stray separators.",
    ),
    (
        "missing-cell",
        "Missing cell",
        "A row has fewer cells than the header.",
        "Add the missing separators (an empty cell is written as nothing between two commas).",
    ),
    (
        "malformed-csv",
        "Malformed CSV",
        "The CSV cannot be parsed (a quote never closed, a stray quote).",
        "Quote a cell that contains quotes, commas or line breaks, and double every quote inside it.",
    ),
    # --- cells: types and Table Schema constraints
    (
        "type-error",
        "Type error",
        "A cell is not of its field's type (a word in a number field, a bad date).",
        "Write the value as the field's type says (numbers with a dot, dates as YYYY-MM-DD).",
    ),
    (
        "constraint-error",
        "Constraint error",
        "A cell breaks its field's constraint (required, enum, minimum, maximum, pattern, length).",
        "Use a value the constraint allows; the message names the constraint.",
    ),
    ("unique-error", "Unique error", "A value that must be unique appears twice.", "Give each row its own value."),
    (
        "primary-key",
        "Primary key repeated",
        "Two rows share the table's primary key, or a key cell is empty.",
        "Give each row its own key (row_id: study_arm_outcome_timepoint).",
    ),
    (
        "foreign-key",
        "Foreign key not found",
        "A cell refers to a row that does not exist in the other table.",
        "Add the row it refers to (a source, a study, an arm) or fix the identifier.",
    ),
    (
        "control-character",
        "Control character",
        "A cell holds a control, C1 or bidirectional-format character.",
        "Retype the text; paste as plain text.",
    ),
    (
        "formula-like-text",
        "Formula-like text",
        "A text cell starts like a spreadsheet formula (= + - @).",
        "Rephrase so that the cell does not begin with = + - or @.",
    ),
    # --- row rules
    (
        "statistic-fields",
        "Statistic and its values",
        "The value columns filled do not match the statistic "
        "(mean_sd needs mean and sd, median_iqr needs median, q1 and q3, ...).",
        "Fill exactly the columns of the statistic the source reports.",
    ),
    ("sd-not-positive", "SD not positive", "A standard deviation is zero or negative.", "Check the source's SD."),
    ("se-not-positive", "SE not positive", "A standard error is zero or negative.", "Check the source's SE."),
    ("iqr-width-not-positive", "IQR of width zero", "q3 is not above q1.", "Check the quartiles in the source."),
    (
        "quartiles-out-of-order",
        "Quartiles out of order",
        "The median is not between q1 and q3.",
        "Check the order of the numbers copied from the source.",
    ),
    (
        "range-out-of-order",
        "Range out of order",
        "min, quartiles, median and max are not in order.",
        "Check the order of the numbers copied from the source.",
    ),
    (
        "events-above-total",
        "Events above total",
        "More patients with the event than patients counted.",
        "Check events and total against the source.",
    ),
    (
        "analysed-above-randomized",
        "Analysed above randomized",
        "An arm analyses more patients than it randomized.",
        "Check n_analysed and n_randomized.",
    ),
    (
        "ci-excludes-estimate",
        "CI excludes the estimate",
        "A published estimate lies outside its own interval.",
        "Check the estimate and the interval against the abstract.",
    ),
    (
        "ci-incomplete",
        "CI incomplete",
        "Of estimate, lower and upper bound, some are given and some not.",
        "Give all three or none.",
    ),
    (
        "ratio-not-positive",
        "Ratio not positive",
        "A risk ratio or its interval is zero or negative.",
        "Check the published ratio.",
    ),
    (
        "unit-not-for-outcome",
        "Unit not for this outcome",
        "The unit cannot measure this outcome (days for a cell count).",
        "Use a unit of the outcome (cells/uL, 10^9/L, days, ...).",
    ),
    (
        "implausible-value",
        "Implausible value",
        "A value lies outside what the outcome can plausibly take in its unit (often a unit mix-up).",
        "Check the value and its unit against the source.",
    ),
    # --- rules across tables
    ("missing-arm", "Missing arm", "A study has no intervention or no control arm.", "Add the arm to arms.csv."),
    (
        "arms-do-not-add-up",
        "Arms do not add up",
        "The arms' randomized counts do not sum to the study's.",
        "Check n_randomized in studies.csv and arms.csv.",
    ),
    (
        "arms-above-randomized",
        "Arms above randomized",
        "An outcome counts more patients than were randomized.",
        "Check the totals against the source.",
    ),
    (
        "arm-of-other-study",
        "Arm of another study",
        "An outcome row's arm belongs to another study.",
        "Use an arm_id of the row's own study.",
    ),
    (
        "more-than-randomized",
        "More than randomized",
        "A row counts more patients than its arm randomized.",
        "Check n or total against the arm's size.",
    ),
    (
        "duplicate-outcome-row",
        "Duplicate outcome row",
        "Two rows give the same arm, outcome and time point.",
        "Keep one row per arm, outcome and time point.",
    ),
    (
        "timepoint-after-follow-up",
        "Time point after follow-up",
        "A time point lies after the study's follow-up.",
        "Check the time point and the study's follow-up.",
    ),
    (
        "missing-coverage",
        "Missing coverage",
        "Outcome rows exist for a cell that coverage.csv does not mark extracted.",
        "Set the coverage row of that trial, outcome and time point to extracted.",
    ),
    (
        "extracted-without-rows",
        "Extracted without rows",
        "coverage.csv says extracted but no outcome rows exist for both arms.",
        "Add the rows, or set the status back with the reason.",
    ),
    (
        "coverage-gap",
        "Coverage gap",
        "A published target has a trial with no coverage row.",
        "Add the coverage row (extracted, not_reported or not_reachable, with what was searched).",
    ),
    # --- provenance and snippets
    (
        "missing-provenance",
        "Missing provenance",
        "A filled study characteristic has no source, location and snippet.",
        "Add its row to study_provenance.csv.",
    ),
    (
        "number-not-in-snippet",
        "Number not in snippet",
        "A number of the row does not appear in its verbatim snippet (a transcription typo, or the wrong snippet).",
        "Copy the number exactly as the snippet gives it.",
    ),
    (
        "statistic-not-as-snippet",
        "Statistic not as the snippet says",
        "The snippet names a statistic (SE, SEM, IQR, range, CI, median) that is not the row's statistic.",
        "Set statistic to what the source reports (mean_se for SEM, median_range for a range, ...).",
    ),
    (
        "arm-took-other-arms-number",
        "Arm took the other arm's number",
        "Two arms share a snippet, and an arm's number is the one the snippet gives the other arm.",
        "Give each arm the number the snippet names for it.",
    ),
    # --- extraction sheets (rhil7 ingest)
    (
        "arm-role-mismatch",
        "Arm role mismatch",
        "A sheet row's arm_role differs from the arm's role in arms.csv.",
        "Use the arm_id of the arm you mean.",
    ),
    (
        "coverage-status-disagrees",
        "Coverage status disagrees",
        "Rows of one cell give different statuses.",
        "Give one status per trial, outcome and time point.",
    ),
    (
        "missing-reason",
        "Missing reason",
        "A not_reported row does not say why.",
        "Write what the source says, e.g. 'Table 2 reports no CD8 count'.",
    ),
    (
        "value-not-for-outcome",
        "Value not for this outcome",
        "A sheet row fills value columns of another table's outcome.",
        "Leave them empty; fill the columns of this outcome's table.",
    ),
    # --- the report itself
    (
        "problems-omitted",
        "Problems omitted",
        "More problems of one code than are listed; the rest are counted.",
        "Fix the listed ones (often one cause) and validate again.",
    ),
)


def explain(code: str) -> str:
    """The catalogue entry as text; KeyError for a code that is not catalogued."""
    kind = CATALOGUE[code]
    return f"{kind.code}: {kind.title}\n  what it means: {kind.meaning}\n  how to fix it: {kind.fix}\n"
