"""A Great Expectations data-quality report over the package tables (``rhil7 quality``).

A second, independent opinion, not the gate: ``rhil7 validate`` decides validity and never
imports this module (Great Expectations takes seconds to import and brings many
dependencies). The tables are the ones the gate read and typed (rhil7.gate.read_package: a table
the gate could not read whole, or whose descriptor it refused, is reported as not read). The
expectations are generated from the checks compiled from the Table Schemas the gate judges rows by
(compiled_checks: columns in order, not-null for required fields, value sets from enums, bounds, lengths,
unique and compound keys) and from the row rules that are one comparison (events <= total, n_analysed <=
n_randomized, q1 < q3, sd and se > 0): the same records the gate's SQL and the pandera models come from.
Patterns are run by RE2 (google-re2, the engine of DuckDB's regular expressions in the gate), never by
Python's ``re`` inside GX: a pattern RE2 cannot compile is refused by name, and none can run for ever.

Offline by construction: analytics are switched off twice (the GX_ANALYTICS_ENABLED
environment variable, set before the import, and the context's own setting), the context
is ephemeral (in memory: nothing is written under the package, no cloud), and the result is
written as JSON. Only files that pass the untrusted-input checks are read.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import re2

from rhil7.gate import read_package
from rhil7.validators.canonical import canonical_descriptor
from rhil7.validators.compiled_checks import Comparison, table_checks
from rhil7.validators.row_rules import ROW_RULES
from rhil7.core.sinks import terminal

SAMPLE = 10  # unexpected values and rows kept per expectation


@dataclass
class Outcome:
    table: str
    expectation: str
    columns: list[str]
    success: bool
    unexpected_count: int = 0
    unexpected_rows: list[int] = field(default_factory=list)  # CSV row numbers, header = 1
    unexpected_values: list = field(default_factory=list)
    code: str = ""  # the problem code the gate reports for the same failure (the compiled check's)


@dataclass
class QualityReport:
    package: str
    outcomes: list[Outcome]
    skipped: dict[str, str]  # table (or table.field for a pattern) -> why it was not checked

    @property
    def success(self) -> bool:
        return not self.skipped and all(o.success for o in self.outcomes)

    def text(self) -> str:
        failed = [o for o in self.outcomes if not o.success]
        lines = [
            f"{'PASSED' if self.success else 'FAILED'}: {len(self.outcomes) - len(failed)} of "
            f"{len(self.outcomes)} expectations met ({self.package})"
        ]
        for o in failed:
            rows = ", ".join(map(str, o.unexpected_rows)) or "-"
            lines.append(
                f"  {o.table}: {o.expectation} {','.join(o.columns)}: {o.unexpected_count} unexpected "
                f"(rows {rows}; values {o.unexpected_values})"
            )
        lines += [f"  {table}: not checked ({why})" for table, why in self.skipped.items()]
        return "\n".join(terminal(line) for line in lines) + "\n"  # (unexpected values are contributed text)


def _import_gx():
    # Before the import: GX reads the variable when it sets up its analytics client.
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    # deferred: Great Expectations is optional (the quality extra) and slow to import; only `rhil7 quality` needs it
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        store_backend_defaults=InMemoryStoreBackendDefaults(),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    return gx, context


def expectations_for(gx, resource: dict) -> list:
    """The expectations of one table, generated from its compiled checks (compiled_checks) and the row rules
    that are one comparison; patterns are not among them (``pattern_outcomes`` runs them under RE2)."""
    e = gx.expectations
    schema = resource["schema"]
    found = [e.ExpectTableColumnsToMatchOrderedList(column_list=[f["name"] for f in schema["fields"]])]
    for check in table_checks(resource):
        meta = {"code": check.code, "kind": check.kind}
        if check.kind == "required":
            found.append(e.ExpectColumnValuesToNotBeNull(column=check.field, meta=meta))
        elif check.kind == "enum":
            found.append(e.ExpectColumnValuesToBeInSet(column=check.field, value_set=check.parameter, meta=meta))
        elif check.kind in ("minimum", "maximum"):
            bound = "min_value" if check.kind == "minimum" else "max_value"
            found.append(e.ExpectColumnValuesToBeBetween(column=check.field, **{bound: check.parameter}, meta=meta))
        elif check.kind in ("minLength", "maxLength"):
            bound = "min_value" if check.kind == "minLength" else "max_value"
            found.append(
                e.ExpectColumnValueLengthsToBeBetween(column=check.field, **{bound: check.parameter}, meta=meta)
            )
        elif check.kind == "unique":
            found.append(e.ExpectColumnValuesToBeUnique(column=check.field, meta=meta))
    key = schema.get("primaryKey")
    if isinstance(key, list) and len(key) > 1:
        found.append(e.ExpectCompoundColumnsToBeUnique(column_list=key))
    for rule in ROW_RULES.get(resource["name"], []):
        if rule.compare is not None:
            found.append(_comparison(e, rule.compare, {"code": rule.code}))
    return found


def _comparison(e, rule: Comparison, meta: dict):
    """A row rule ``left op right`` as GX says it (rows with a side missing are not judged, as in the gate)."""
    if not isinstance(rule.right, str):
        strict, below = rule.op in ("<", ">"), rule.op in ("<", "<=")
        bound = (
            {"max_value": rule.right, "strict_max": strict}
            if below
            else {"min_value": rule.right, "strict_min": strict}
        )
        return e.ExpectColumnValuesToBeBetween(column=rule.left, **bound, meta=meta)
    greater, smaller = (rule.left, rule.right) if rule.op in (">", ">=") else (rule.right, rule.left)
    return e.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=greater, column_B=smaller, or_equal="=" in rule.op, ignore_row_if="either_value_is_missing", meta=meta
    )


def _readable_tables(package_dir: Path) -> tuple[dict[str, tuple[dict, object]], dict[str, str]]:
    """(the project's resource, the table the gate typed, indexed by CSV row number) by name, and why each other
    table was not read (the gate's first problem of its file or of its part of the descriptor)."""
    package = read_package(package_dir)
    tables, skipped = {}, {}
    for resource in canonical_descriptor()["resources"]:
        name = resource["name"]
        frame = package.tables.get(name)
        if frame is not None:
            tables[name] = (resource, frame.set_axis(package.records[name], axis=0))
            continue
        mine = [
            p
            for p in package.problems
            if p.file == resource["path"]
            or (p.pointer or "").startswith(
                tuple(
                    f"/resources/{j}/"
                    for j, r in enumerate(package.descriptor["resources"])
                    if isinstance(r, dict) and r.get("name") == name
                )
            )
        ]
        skipped[name] = min(mine, key=lambda p: p.sort_key()).code if mine else "not in the package"
    return tables, skipped


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # (a pattern RE2 refuses is reported here, not logged on stderr)


def pattern_outcomes(name: str, resource: dict, frame) -> tuple[list[Outcome], dict[str, str]]:
    """Each pattern of the table's fields run by RE2 on the column (a whole-value match, as the gate's
    regexp_full_match): an Outcome per pattern, and the patterns RE2 cannot compile, refused (bad-pattern)."""
    outcomes, refused = [], {}
    for check in (c for c in table_checks(resource) if c.kind == "pattern"):
        pattern = check.parameter
        try:
            compiled = re2.compile(pattern, _RE2_OPTIONS)
        except re2.error as exc:
            refused[f"{name}.{check.field}"] = f"bad-pattern: RE2 cannot run {pattern[:80]!r} ({exc})"
            continue
        cells = frame[check.field].dropna()
        failing = [(row, value) for row, value in cells.items() if compiled.fullmatch(str(value)) is None]
        outcomes.append(
            Outcome(
                table=name,
                expectation="expect_column_values_to_match_regex",
                columns=[check.field],
                success=not failing,
                unexpected_count=len(failing),
                unexpected_rows=[int(r) for r, _ in failing[:SAMPLE]],
                unexpected_values=[str(v) for _, v in failing[:SAMPLE]],
                code=check.code,
            )
        )
    return outcomes, refused


def _plain(value) -> str:
    """numpy scalars and pairs of them as a reader writes them: 6, not np.int64(6); (6, 7) for a pair."""
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_plain(v) for v in value) + ")"
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _outcome(table: str, result) -> Outcome:
    config = result.expectation_config
    kwargs = config.kwargs
    columns = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs] or list(
        kwargs.get("column_list", [])
    )
    detail = result.result or {}
    rows = detail.get("unexpected_index_list") or []
    rows = [r if isinstance(r, int) else next(iter(r.values())) for r in rows]  # plain or {index column: value}
    values = detail.get("partial_unexpected_list") or detail.get("unexpected_list") or []
    return Outcome(
        table=table,
        expectation=config.type,
        columns=[str(c) for c in columns],
        success=bool(result.success),
        unexpected_count=int(detail.get("unexpected_count") or 0),
        unexpected_rows=[int(r) for r in rows[:SAMPLE]],
        unexpected_values=[_plain(v) for v in values[:SAMPLE]],
        code=str((config.meta or {}).get("code", "")),
    )


def run_quality(package_dir: str | Path) -> tuple[QualityReport, dict]:
    """The report and the raw GX results (by table) of the package's tables."""
    package_dir = Path(package_dir)
    tables, skipped = _readable_tables(package_dir)
    gx, context = _import_gx()
    source = context.data_sources.add_pandas("package")
    outcomes, raw = [], {}
    for name, (resource, frame) in tables.items():
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("whole table")
        suite = context.suites.add(gx.ExpectationSuite(name=f"{name}_suite"))
        for expectation in expectations_for(gx, resource):
            suite.add_expectation(expectation)
        definition = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
        # COMPLETE: GX then reports the frame's index of each failing row, which read_table sets to the CSV row number
        with warnings.catch_warnings():
            # pandas warns that a pattern has groups (the schemas' alternations); GX only tests for a match
            warnings.filterwarnings("ignore", message="This pattern is interpreted as a regular expression")
            result = definition.run(
                batch_parameters={"dataframe": frame},
                result_format={"result_format": "COMPLETE", "partial_unexpected_count": SAMPLE},
            )
        raw[name] = result.describe_dict()
        outcomes += [_outcome(name, r) for r in result.results]
        patterns, refused = pattern_outcomes(name, resource, frame)
        outcomes += patterns
        skipped.update(refused)
    return QualityReport(str(package_dir), outcomes, skipped), raw


def write_quality_report(package_dir: str | Path, out_dir: Path) -> tuple[QualityReport, Path]:
    """Run the report and write ``quality.json`` (summary) and ``gx_results.json`` (GX's own) to ``out_dir``."""
    report, raw = run_quality(package_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = {
        "package": report.package,
        "success": report.success,
        "skipped": report.skipped,
        "expectations": [asdict(o) for o in report.outcomes],
    }
    path = out_dir / "quality.json"
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    (out_dir / "gx_results.json").write_text(
        json.dumps(raw, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    return report, path
