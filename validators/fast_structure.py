"""Vectorized structural checks for large tables: the same problems frictionless reports, in whole columns.

frictionless reads a table row by row in Python (about 70 us a row), so a table of a million rows
takes over a minute. Above ``Limits.frictionless_max_rows`` lines a table is checked here instead:
record shape (blank rows, missing and extra cells), types, required, enum, pattern, minimum,
maximum, maxLength, unique, primary and foreign keys, with frictionless' codes, row numbers
(header = row 1) and fields, so the rest of the pipeline (deduplication, rendering) cannot tell
the two engines apart. tests/test_fast_structure.py runs both engines on the same faults.
"""
from __future__ import annotations

import csv
import functools
import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from .limits import DEFAULT_LIMITS
from .problems import Problem, omitted_problem
from .structure import _field_expectation
from .tables import PARALLEL_FROM_ROWS
from .untrusted import SafeResource

INTEGER = r"[+-]?\d+"
# each check lists at most as many rows as the report shows of one code, and counts the rest
MAX_REPORTS_PER_CHECK = DEFAULT_LIMITS.max_problems_per_code


def _rest(resource: SafeResource, code: str, failed) -> list[Problem]:
    """The failures of one check beyond those it lists, as one count."""
    count = int(np.count_nonzero(failed)) - MAX_REPORTS_PER_CHECK
    return [omitted_problem(resource.relpath, code, count, MAX_REPORTS_PER_CHECK)] if count > 0 else []


def _problem(resource: SafeResource, row, field, code, expected, found, message) -> Problem:
    return Problem(file=resource.relpath, row=int(row) if row is not None else None, field=field, code=code,
                   expected=expected, found=found if found != "" else "empty (no value)", message=message,
                   stage="structure")


def shape_problems(resource: SafeResource, text: str) -> list[Problem]:
    """Blank rows, missing and extra cells, from a C-speed CSV pass."""
    width = len(resource.descriptor.get("schema", {}).get("fields", []))
    problems = []
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)  # the header is frictionless' (label) business
    names = [f["name"] for f in resource.descriptor["schema"]["fields"]]
    for row, cells in enumerate(reader, start=2):
        n = len(cells)
        if not any(cells):  # an empty line, or only commas: frictionless' blank row
            problems.append(blank_row_problem(resource, row))
        elif n == width:
            continue
        elif n > width:
            problems.append(_problem(resource, row, None, "extra-cell", f"at most {width} cells, as in the header",
                                     f"a cell beyond the header: {cells[width]!r}",
                                     "Extra Cell: Row has more cells than the header"))
        else:
            problems += [_problem(resource, row, names[i], "missing-cell", f"{width} cells, as in the header",
                                  f"the row ends before {names[i]}", "Missing Cell: Row has fewer cells than the header")
                         for i in range(n, width)]
    return problems


def _matches(raw: pd.Series, pattern: str) -> np.ndarray:
    return raw.str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False)


def _true_where(condition: pd.Series) -> np.ndarray:
    return condition.to_numpy(dtype=bool, na_value=False)


def blank_row_problem(resource: SafeResource, row: int) -> Problem:
    return _problem(resource, row, None, "blank-row", "a record (no empty lines inside a table)",
                    "an empty line (or only commas)", "Blank Row: Row is completely blank")


def _bad_type(raw: pd.Series, typed: pd.Series, type_: str, present: np.ndarray) -> np.ndarray:
    if type_ == "integer":
        return present & ~_matches(raw, INTEGER)
    if type_ in ("number", "date"):
        return present & typed.isna().to_numpy(dtype=bool)
    return np.zeros(len(raw), dtype=bool)


def _constraint_failures(field: dict, raw: pd.Series, typed: pd.Series, bad_type: np.ndarray,
                         present: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """(constraint, rows failing it) for each constraint of the field; ``present``: the cell is not empty."""
    constraints = field.get("constraints") or {}
    valid = present & ~bad_type
    failures = []
    if constraints.get("required"):
        failures.append(("required", ~present))
    if "enum" in constraints:
        allowed = set(map(str, constraints["enum"])) if field.get("type", "string") == "string" else set(constraints["enum"])
        failures.append(("enum", valid & ~_true_where(typed.isin(allowed))))
    if "pattern" in constraints:
        failures.append(("pattern", valid & ~_matches(raw, constraints["pattern"])))
    if "minimum" in constraints:
        failures.append(("minimum", valid & _true_where(typed < constraints["minimum"])))
    if "maximum" in constraints:
        failures.append(("maximum", valid & _true_where(typed > constraints["maximum"])))
    if "maxLength" in constraints:
        failures.append(("maxLength", valid & _true_where(raw.str.len() > constraints["maxLength"])))
    return failures


def row_problems(resource: SafeResource, raw: pd.DataFrame, typed: pd.DataFrame) -> list[Problem]:
    """Everything frictionless checks within a table: cells (types, constraints, unique) and the primary key."""
    repeats: dict[str, pd.Series] = {}  # a field that is unique and the whole primary key is hashed once
    return cell_problems(resource, raw, typed, repeats) + primary_key_problems(resource, raw, repeats)


def _repeats(raw: pd.DataFrame, name: str, repeats: dict[str, pd.Series] | None) -> pd.Series:
    """Rows whose text in ``name`` an earlier row already has (the first occurrence is not a repeat)."""
    if repeats is None:
        return raw[name].duplicated(keep="first")
    if name not in repeats:
        repeats[name] = raw[name].duplicated(keep="first")
    return repeats[name]


def cell_problems(resource: SafeResource, raw: pd.DataFrame, typed: pd.DataFrame,
                  repeats: dict[str, pd.Series] | None = None) -> list[Problem]:
    """Type errors, constraint errors and unique errors, column by column."""
    fields = [f for f in resource.descriptor["schema"]["fields"] if f["name"] in raw]
    check = functools.partial(_field_problems, resource, raw, typed, repeats=repeats)
    if len(raw) >= PARALLEL_FROM_ROWS:
        # Arrow's kernels (regular expressions, hashing) release the GIL: two fields at once on two cores
        with ThreadPoolExecutor(max_workers=2) as pool:
            found = list(pool.map(check, fields))
    else:
        found = [check(f) for f in fields]
    return [p for problems in found for p in problems]


def _field_problems(resource: SafeResource, raw: pd.DataFrame, typed: pd.DataFrame, field: dict,
                    repeats: dict[str, pd.Series] | None) -> list[Problem]:
    schema = resource.descriptor["schema"]
    problems = []
    name, type_ = field["name"], field.get("type", "string")
    expected = _field_expectation(schema, name)
    present = _true_where(raw[name] != "")
    bad_type = _bad_type(raw[name], typed[name], type_, present)
    for row in raw.index[bad_type][:MAX_REPORTS_PER_CHECK]:
        problems.append(_problem(resource, row, name, "type-error", expected, raw.at[row, name],
                                 f"Type Error: type is \"{type_}\""))
    problems += _rest(resource, "type-error", bad_type)
    for constraint, failed in _constraint_failures(field, raw[name], typed[name], bad_type, present):
        value = (field.get("constraints") or {})[constraint]
        for row in raw.index[failed][:MAX_REPORTS_PER_CHECK]:
            problems.append(_problem(resource, row, name, "constraint-error", expected, raw.at[row, name],
                                     f"Constraint Error: constraint \"{constraint}\" is \"{value}\""))
        problems += _rest(resource, "constraint-error", failed)
    if (field.get("constraints") or {}).get("unique"):
        # the same text is the same value for every type but numbers ("1.0" and "1"): those are compared typed
        repeated = typed[name].duplicated(keep="first") if type_ in ("number", "integer") else _repeats(raw, name, repeats)
        duplicated = present & _true_where(repeated)
        for row in raw.index[duplicated][:MAX_REPORTS_PER_CHECK]:
            problems.append(_problem(resource, row, name, "unique-error", expected, raw.at[row, name],
                                     "Unique Error: the value is not unique"))
        problems += _rest(resource, "unique-error", duplicated)
    return problems


def primary_key_problems(resource: SafeResource, raw: pd.DataFrame,
                         repeats: dict[str, pd.Series] | None = None) -> list[Problem]:
    key = resource.descriptor["schema"].get("primaryKey")
    key = [key] if isinstance(key, str) else list(key or [])
    if not key or not set(key) <= set(raw.columns):
        return []
    repeated = _repeats(raw, key[0], repeats) if len(key) == 1 else raw.duplicated(subset=key, keep="first")
    duplicated = repeated & (raw[key] != "").all(axis=1)
    field = ",".join(key)
    return [_problem(resource, row, field, "primary-key", f"a primary key ({field}) that no other row has",
                     ", ".join(f"{k}={raw.at[row, k]}" for k in key) + " (the same values as an earlier row)",
                     "Primary Key Error: the same as in an earlier row")
            for row in raw.index[duplicated][:MAX_REPORTS_PER_CHECK]] + _rest(resource, "primary-key", duplicated)


def foreign_key_problems(resource: SafeResource, raw: pd.DataFrame, fk: dict, target: pd.DataFrame) -> list[Problem]:
    """Rows whose key (all parts present) is not among the referenced resource's key values."""
    fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
    reference = fk.get("reference") or {}
    ref_fields = reference.get("fields")
    ref_fields = ref_fields if isinstance(ref_fields, list) else [ref_fields]
    if not set(fields) <= set(raw.columns) or not set(ref_fields) <= set(target.columns):
        return []
    present = (raw[fields] != "").all(axis=1)
    wanted = pd.MultiIndex.from_frame(raw[fields].astype(str))
    known = pd.MultiIndex.from_frame(target[ref_fields].astype(str))
    orphan = present & ~pd.Series(wanted.isin(known), index=raw.index)
    name = ",".join(fields)
    where = f"{reference.get('resource') or 'this table'}.{','.join(ref_fields)}"
    return [_problem(resource, row, name, "foreign-key", f"a value that exists in {where}",
                     ",".join(raw.loc[row, fields].astype(str)), "Foreign Key Error: the key is not in the referenced table")
            for row in raw.index[orphan][:MAX_REPORTS_PER_CHECK]] + _rest(resource, "foreign-key", orphan)
