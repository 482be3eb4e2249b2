"""rhil7 diff OLD NEW: what changed between two versions of the package, and how the pooled estimates moved.

OLD and NEW are each a package directory or a git revision of this repository (any name ``git rev-parse``
understands: a tag, a branch, HEAD~2, a commit id). A revision is read with ``git show REV:path`` into a
temporary directory; only the local repository is read, never a remote.

For every table, rows are matched by the Table Schema's primary key: rows added, rows removed and rows
changed (each changed field with its old and new value); fields and tables added or removed are reported
too. Then the pooled estimates of both versions are recomputed and compared:

- the reproduction of the published figures (``rhil7.analysis.reproduction.reproduce_all``): status,
  number of studies, estimate and 95% CI of every target;
- the SQL ``pooled`` view (FE, DerSimonian-Laird and, for risk ratios, Mantel-Haenszel over every study with data):
  pooled rows that appeared, disappeared or moved.

Both versions are analysed with the installed code and analysis plan, so a difference is a difference in
the data. Nothing is written outside a temporary directory.

Every line of the text output goes through the terminal's escaping (rhil7.core.sinks.terminal), the GitHub format's
through ``github_line`` (a contributed cell cannot become a workflow command), and the Markdown format is the text
in a fenced block (``markdown_block``): key values, resource names and warnings are contributed text.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import tempfile
import warnings as python_warnings
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from rhil7.analysis.reproduction import reproduce_all
from rhil7.core.limits import DEFAULT_LIMITS
from rhil7.core.safe_reader import UnreadableInput, parse_descriptor
from rhil7.core.sinks import github_line, markdown_block, terminal

from .core.database import connect_in_memory
from .core.paths import PackageNotFound, find_package_dir
from .loading import read_descriptor, read_resource

TOLERANCE = 1e-9  # relative; pooled figures closer than this are "unchanged"
POOLED_KEY = ("outcome", "timepoint", "measure", "subgroup", "model")
REPRO_FIELDS = ("status", "model", "k", "studies", "estimate", "ci_low", "ci_high")


class DiffError(Exception):
    """OLD or NEW cannot be read as a package (exit code 2). Its text is escaped for the terminal: it may quote a
    contributed name."""

    def __str__(self) -> str:
        return terminal(super().__str__())


@dataclass
class Side:
    spec: str
    kind: str  # "directory" or "git"
    label: str
    package_dir: Path
    commit: str | None = None


@dataclass
class TableDiff:
    name: str
    key: list[str]
    status: str = "present"  # present, added (only in NEW), removed (only in OLD), unreadable
    fields_added: list[str] = field(default_factory=list)
    fields_removed: list[str] = field(default_factory=list)
    added: list[dict] = field(default_factory=list)  # {"key": {...}, "row": {...}}
    removed: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)  # {"key": {...}, "fields": {f: {"old", "new"}}}

    @property
    def is_unchanged(self) -> bool:
        return self.status == "present" and not (
            self.fields_added or self.fields_removed or self.added or self.removed or self.changed
        )


@dataclass
class DiffResult:
    old: Side
    new: Side
    tables: list[TableDiff]
    reproduction: list[dict]
    pooled: list[dict]
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "rows_added": sum(len(t.added) for t in self.tables),
            "rows_removed": sum(len(t.removed) for t in self.tables),
            "rows_changed": sum(len(t.changed) for t in self.tables),
            "tables_changed": [t.name for t in self.tables if not t.is_unchanged],
            "targets_changed": len(self.reproduction),
            "pooled_appeared": sum(p["change"] == "appeared" for p in self.pooled),
            "pooled_moved": sum(p["change"] == "moved" for p in self.pooled),
            "pooled_disappeared": sum(p["change"] == "disappeared" for p in self.pooled),
        }

    def to_dict(self) -> dict:
        def side(s: Side) -> dict:
            return {"spec": s.spec, "kind": s.kind, "label": s.label, "commit": s.commit}

        return {
            "old": side(self.old),
            "new": side(self.new),
            "summary": self.summary(),
            "tables": {t.name: {k: v for k, v in asdict(t).items() if k != "name"} for t in self.tables},
            "reproduction": self.reproduction,
            "pooled": self.pooled,
            "warnings": self.warnings,
        }


# --------------------------------------------------------------------------- resolving OLD and NEW


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    try:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, env=env, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiffError(f"git is not usable here: {exc}") from None


def _this_repository() -> tuple[Path, str]:
    """The git work tree holding this package, and the package's folder inside it ('' or 'sub/dir/')."""

    try:
        start = find_package_dir()
    except PackageNotFound:
        start = Path.cwd()
    start = Path(start).resolve()
    top = _git(start, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise DiffError(f"{start} is not inside a git repository, so a revision cannot be read")
    root = Path(top.stdout.decode().strip()).resolve()
    prefix = start.relative_to(root).as_posix() if start != root else ""
    return root, (prefix + "/" if prefix else "")


def _safe_relpath(path) -> str | None:
    if (
        not isinstance(path, str)
        or not path
        or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", path)
        or path.startswith(("/", "\\"))
        or re.match(r"^[a-zA-Z]:", path)
    ):
        return None
    parts = PurePosixPath(path.replace("\\", "/")).parts
    if ".." in parts:
        return None
    return "/".join(parts)


def _export_revision(spec: str, target: Path) -> Side:
    if spec.startswith("-"):
        raise DiffError(f"{spec!r} is not a package directory or a git revision")
    root, prefix = _this_repository()
    found = _git(root, "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}")
    if found.returncode != 0:
        raise DiffError(f"{spec!r} is neither a package directory nor a git revision of {root}")
    commit = found.stdout.decode().strip()
    shown = _blob(root, f"{commit}:{prefix}datapackage.json", DEFAULT_LIMITS.max_descriptor_bytes)
    if shown is None:
        raise DiffError(f"revision {spec} ({commit[:12]}) has no {prefix}datapackage.json")
    try:  # the reader's parser: duplicate keys refused, nesting bounded (no RecursionError on a deep descriptor)
        descriptor = parse_descriptor(shown.stdout, f"revision {spec}: datapackage.json")
    except UnreadableInput as exc:
        raise DiffError(str(exc)) from None
    target.mkdir(parents=True, exist_ok=True)
    (target / "datapackage.json").write_bytes(shown.stdout)
    resources = descriptor.get("resources", []) if isinstance(descriptor, dict) else []
    if len(resources) > DEFAULT_LIMITS.max_resources:
        raise DiffError(f"revision {spec}: {len(resources)} resources, more than {DEFAULT_LIMITS.max_resources}")
    budget = DEFAULT_LIMITS.max_table_bytes  # all the tables of a revision together, counted before expanding
    for resource in resources:
        rel = _safe_relpath(resource.get("path")) if isinstance(resource, dict) else None
        if rel is None:
            continue
        blob = _blob(root, f"{commit}:{prefix}{rel}", budget)
        if blob is not None:
            budget -= len(blob.stdout)
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            (target / rel).write_bytes(blob.stdout)
    return Side(spec, "git", f"{spec} (commit {commit[:12]})", target, commit)


def _blob(root: Path, name: str, limit: int) -> subprocess.CompletedProcess | None:
    """The blob ``name`` (None when the revision lacks it), its size asked of git before it is expanded: a small
    commit can hold a blob that expands to gigabytes. Raises DiffError over ``limit`` bytes."""
    size = _git(root, "cat-file", "-s", name)
    if size.returncode != 0:
        return None
    if int(size.stdout.decode().strip() or 0) > limit:
        raise DiffError(
            f"{name.split(':', 1)[-1]}: {size.stdout.decode().strip()} bytes in the revision, more than "
            f"the {limit} bytes a package's files may take; it is not expanded"
        )
    blob = _git(root, "cat-file", "blob", name)
    return blob if blob.returncode == 0 else None


def resolve(spec: str, scratch: Path) -> Side:
    path = Path(spec)
    if path.is_file() and path.name == "datapackage.json":
        path = path.parent
    if path.is_dir():
        if not (path / "datapackage.json").is_file():
            raise DiffError(f"{spec}: no datapackage.json in this directory")
        return Side(spec, "directory", str(path), path)
    if path.exists():
        raise DiffError(f"{spec}: not a package directory")
    return _export_revision(spec, scratch)


# --------------------------------------------------------------------------- tables


def _plain(value):
    """A JSON-able, comparable form of a cell (missing -> None)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    columns = list(frame.columns)
    return [
        {c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in frame.itertuples(index=False, name=None)
    ]


def _sort_key(key: tuple) -> tuple:
    return tuple("" if v is None else str(v) for v in key)


def _named_resources(descriptor: dict) -> dict[str, dict]:
    """The resources by name; one whose name is not a string (a list: unhashable) is left out (validate names it)."""
    return {r["name"]: r for r in descriptor["resources"] if isinstance(r, dict) and isinstance(r.get("name"), str)}


def _primary_key(resource: dict | None) -> list[str]:
    """The key's field names; none when the descriptor says it some other way (an invalid package is diffed too)."""
    schema = resource.get("schema") if isinstance(resource, dict) else None
    pk = schema.get("primaryKey") if isinstance(schema, dict) else None
    pk = [pk] if isinstance(pk, str) else pk
    return list(pk) if isinstance(pk, list) and all(isinstance(k, str) for k in pk) else []


def diff_table(
    name: str,
    old: pd.DataFrame | None,
    new: pd.DataFrame | None,
    old_resource: dict | None,
    new_resource: dict | None,
    warnings: list[str],
) -> TableDiff:
    key = _primary_key(new_resource) or _primary_key(old_resource)
    result = TableDiff(name, key)
    if old is None and new is None:
        result.status = "unreadable"
        return result
    old_fields = list(old.columns) if old is not None else []
    new_fields = list(new.columns) if new is not None else []
    if old is None:
        result.status = "added"
    elif new is None:
        result.status = "removed"
    else:
        result.fields_added = [f for f in new_fields if f not in old_fields]
        result.fields_removed = [f for f in old_fields if f not in new_fields]
    common = (
        [f for f in new_fields if f in old_fields]
        if old is not None and new is not None
        else (new_fields or old_fields)
    )
    if not key or any(k not in common for k in key):
        if key:
            warnings.append(f"{name}: primary key {key} is not in both versions; rows are matched on all common fields")
        key = list(common)
        result.key = key

    def index(frame, side):
        rows = {}
        for record in _records(frame):
            k = tuple(record.get(f) for f in key)
            if k in rows:
                warnings.append(f"{name} ({side}): duplicate key {'/'.join(map(str, k))}; the first row is compared")
                continue
            rows[k] = record
        return rows

    old_rows = index(old, "OLD") if old is not None else {}
    new_rows = index(new, "NEW") if new is not None else {}
    for k in sorted(new_rows.keys() - old_rows.keys(), key=_sort_key):
        result.added.append({"key": dict(zip(key, k, strict=True)), "row": new_rows[k]})
    for k in sorted(old_rows.keys() - new_rows.keys(), key=_sort_key):
        result.removed.append({"key": dict(zip(key, k, strict=True)), "row": old_rows[k]})
    for k in sorted(old_rows.keys() & new_rows.keys(), key=_sort_key):
        before, after = old_rows[k], new_rows[k]
        fields = {
            f: {"old": before.get(f), "new": after.get(f)}
            for f in common
            if f not in key and not _same(before.get(f), after.get(f))
        }
        if fields:
            result.changed.append({"key": dict(zip(key, k, strict=True)), "fields": fields})
    return result


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)
    return a == b


def _read_side(side: Side, warnings: list[str]) -> tuple[dict, dict[str, pd.DataFrame]]:
    """Descriptor and tables through the same safe loader as every other command; unreadable tables are warnings."""

    try:
        descriptor = read_descriptor(side.package_dir)
    except (OSError, UnreadableInput) as exc:
        raise DiffError(f"{side.label}: cannot read datapackage.json ({exc})") from None
    tables = {}
    for resource in descriptor["resources"]:
        if not isinstance(resource, dict) or not isinstance(resource.get("name"), str):
            continue
        try:
            tables[resource["name"]] = read_resource(side.package_dir, resource)
        except UnreadableInput as exc:
            warnings.append(f"{side.label}: table {resource['name']} is not read ({exc})")
        except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
            warnings.append(f"{side.label}: table {resource['name']} cannot be parsed ({str(exc).splitlines()[0]})")
        except (TypeError, KeyError, AttributeError) as exc:  # a field name or type that is not a string
            warnings.append(
                f"{side.label}: table {resource['name']} is not read: its Table Schema is malformed "
                f"({type(exc).__name__}: {exc}; `rhil7 validate` names it)"
            )
    return descriptor, tables


# --------------------------------------------------------------------------- pooled estimates


def _number(value):
    value = _plain(value)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _moved(a, b) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return not math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=1e-12)


@contextmanager
def _numeric_warnings(label: str, step: str, warnings: list[str]):
    """Numeric warnings (numpy's "invalid value in sqrt" on a negative variance, ...) of one version's analysis,
    kept off standard error and said once as a diff warning: invalid data is for ``rhil7 validate`` to explain."""
    with python_warnings.catch_warnings(record=True) as seen, np.errstate(all="warn"):
        python_warnings.simplefilter("always")
        yield
    messages = sorted({str(w.message).splitlines()[0] for w in seen if issubclass(w.category, RuntimeWarning)})
    if messages:
        warnings.append(
            f"{label}: {step} met invalid numbers ({'; '.join(messages[:3])}); run `rhil7 validate` on this version"
        )


def reproduction_rows(tables: dict[str, pd.DataFrame], label: str, warnings: list[str]) -> dict[str, dict] | None:
    try:
        with _numeric_warnings(label, "the reproduction", warnings):
            rows, _ = reproduce_all(tables)
    except Exception as exc:  # an old or broken version: say so, keep diffing the tables
        warnings.append(f"{label}: the reproduction could not run ({type(exc).__name__}: {exc})")
        return None
    out = {}
    for row in rows:
        out[str(row["target_id"])] = {
            "outcome": row.get("outcome"),
            "subgroup": row.get("subgroup"),
            "timepoint": row.get("timepoint"),
            "measure": row.get("measure"),
            "status": row.get("status"),
            "model": row.get("model"),
            "k": int(row.get("k") or 0),
            "studies": sorted(row.get("studies") or []),
            "estimate": _number(row.get("estimate")),
            "ci_low": _number(row.get("ci_low")),
            "ci_high": _number(row.get("ci_high")),
            "note": row.get("note") or "",
        }
    return out


def diff_reproduction(old: dict | None, new: dict | None) -> list[dict]:
    if old is None or new is None:
        return []
    out = []
    for target in sorted(old.keys() | new.keys()):
        before, after = old.get(target), new.get(target)
        if before is None or after is None:
            out.append(
                {"target_id": target, "change": "added" if before is None else "removed", "old": before, "new": after}
            )
            continue
        changed = [
            f
            for f in REPRO_FIELDS
            if (_moved(before[f], after[f]) if f in ("estimate", "ci_low", "ci_high") else before[f] != after[f])
        ]
        if changed:
            kind = (
                "moved"
                if any(f in changed for f in ("estimate", "ci_low", "ci_high"))
                and before["estimate"] is not None
                and after["estimate"] is not None
                else "appeared"
                if before["estimate"] is None and after["estimate"] is not None
                else "disappeared"
                if after["estimate"] is None and before["estimate"] is not None
                else "inputs"
            )
            out.append({"target_id": target, "change": kind, "fields": changed, "old": before, "new": after})
    return out


def pooled_rows(descriptor: dict, tables: dict[str, pd.DataFrame], label: str, warnings: list[str]) -> dict | None:
    try:
        con = connect_in_memory(tables, descriptor)
    except Exception as exc:  # a version whose tables do not fit the views
        warnings.append(f"{label}: the SQL views could not be built ({type(exc).__name__}: {str(exc).splitlines()[0]})")
        return None
    try:
        with _numeric_warnings(label, "the pooled view", warnings):
            frame = con.execute(
                "SELECT outcome, timepoint, measure, subgroup, model, k, estimate, ci_low, ci_high, "
                "tau2, i2 FROM pooled"
            ).fetchdf()
    except Exception as exc:
        warnings.append(
            f"{label}: the pooled view could not be read ({type(exc).__name__}: {str(exc).splitlines()[0]})"
        )
        return None
    finally:
        con.close()
    out = {}
    for record in _records(frame):
        key = tuple(record[k] for k in POOLED_KEY)
        out[key] = {
            "k": int(record["k"]),
            "estimate": _number(record["estimate"]),
            "ci_low": _number(record["ci_low"]),
            "ci_high": _number(record["ci_high"]),
            "tau2": _number(record["tau2"]),
            "i2": _number(record["i2"]),
        }
    return out


def diff_pooled(old: dict | None, new: dict | None) -> list[dict]:
    if old is None or new is None:
        return []
    out = []
    for key in sorted(old.keys() | new.keys(), key=_sort_key):
        before, after = old.get(key), new.get(key)
        entry = dict(zip(POOLED_KEY, key, strict=True))
        if before is None:
            entry.update(change="appeared", old=None, new=after)
        elif after is None:
            entry.update(change="disappeared", old=before, new=None)
        elif before["k"] != after["k"] or any(_moved(before[f], after[f]) for f in ("estimate", "ci_low", "ci_high")):
            entry.update(change="moved", old=before, new=after)
        else:
            continue
        out.append(entry)
    return out


# --------------------------------------------------------------------------- entry points


def _same_version(old: Side, new: Side) -> str | None:
    """A warning when OLD and NEW are one version (the same commit, or the same directory): 0 changes then says
    nothing about the data, and a pull request's check that compares a commit with itself should say so."""
    if old.commit is not None and old.commit == new.commit:
        return f"OLD and NEW are the same commit ({old.commit[:12]}): nothing can differ"
    if old.kind == new.kind == "directory" and Path(old.package_dir).resolve() == Path(new.package_dir).resolve():
        return f"OLD and NEW are the same directory ({old.package_dir}): nothing can differ"
    return None


def diff_packages(old: str, new: str) -> DiffResult:
    """Compare two package versions (directories or git revisions of this repository)."""
    with tempfile.TemporaryDirectory(prefix="rhil7-diff-") as scratch:
        scratch = Path(scratch)
        old_side = resolve(str(old), scratch / "old")
        new_side = resolve(str(new), scratch / "new")
        warnings: list[str] = [_same_version(old_side, new_side)] if _same_version(old_side, new_side) else []
        old_descriptor, old_tables = _read_side(old_side, warnings)
        new_descriptor, new_tables = _read_side(new_side, warnings)
        old_resources = _named_resources(old_descriptor)
        new_resources = _named_resources(new_descriptor)
        names = list(new_resources) + [n for n in old_resources if n not in new_resources]
        tables = [
            diff_table(n, old_tables.get(n), new_tables.get(n), old_resources.get(n), new_resources.get(n), warnings)
            for n in names
        ]
        for t in tables:
            if t.status == "present" and (t.name in old_resources) != (t.name in new_resources):
                t.status = "added" if t.name not in old_resources else "removed"
        reproduction = diff_reproduction(
            reproduction_rows(old_tables, "OLD", warnings), reproduction_rows(new_tables, "NEW", warnings)
        )
        pooled = diff_pooled(
            pooled_rows(old_descriptor, old_tables, "OLD", warnings),
            pooled_rows(new_descriptor, new_tables, "NEW", warnings),
        )
        return DiffResult(old_side, new_side, tables, reproduction, pooled, warnings)


def _show(value, limit: int = 100) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, str):
        text = " ".join(value.split())
        return json.dumps(text if len(text) <= limit else text[: limit - 3] + "...", ensure_ascii=False)
    return str(value)


def _key_text(key: dict) -> str:
    return " / ".join(_show(v) if not isinstance(v, str) else v for v in key.values())


def _figure(entry: dict | None, measure: str | None = None) -> str:
    if entry is None or entry.get("estimate") is None:
        return "no estimate"
    return f"{entry['estimate']:.3f} [{entry['ci_low']:.3f}, {entry['ci_high']:.3f}]"


def render_text(result: DiffResult) -> str:
    s = result.summary()
    lines = [
        f"rhil7 diff  OLD {result.old.label}  ->  NEW {result.new.label}",
        f"rows: {s['rows_added']} added, {s['rows_removed']} removed, {s['rows_changed']} changed; "
        f"published targets changed: {s['targets_changed']}; pooled rows: {s['pooled_appeared']} appeared, "
        f"{s['pooled_moved']} moved, {s['pooled_disappeared']} disappeared",
        "",
        "Tables (rows matched by primary key)",
    ]
    unchanged = []
    for t in result.tables:
        if t.is_unchanged:
            unchanged.append(t.name)
            continue
        head = f"  {t.name} [{', '.join(t.key)}]"
        if t.status in ("added", "removed", "unreadable"):
            head += f": table {t.status}"
        head += f": {len(t.added)} added, {len(t.removed)} removed, {len(t.changed)} changed"
        lines.append(head)
        if t.fields_added:
            lines.append(f"    fields added: {', '.join(t.fields_added)}")
        if t.fields_removed:
            lines.append(f"    fields removed: {', '.join(t.fields_removed)}")
        lines += [f"    + {_key_text(r['key'])}" for r in t.added]
        lines += [f"    - {_key_text(r['key'])}" for r in t.removed]
        for c in t.changed:
            lines.append(f"    ~ {_key_text(c['key'])}")
            lines += [f"        {f}: {_show(v['old'])} -> {_show(v['new'])}" for f, v in c["fields"].items()]
    lines.append(f"  unchanged: {', '.join(unchanged) if unchanged else '(none)'}")
    lines += ["", "Published figures (rhil7 reproduce: status, studies, estimate [95% CI])"]
    if not result.reproduction:
        lines.append("  no change")
    for r in result.reproduction:
        old, new = r.get("old"), r.get("new")
        if old is None or new is None:
            lines.append(f"  {r['target_id']}: target {r['change']}")
            continue
        parts = [f"{old['status']} -> {new['status']}" if old["status"] != new["status"] else new["status"]]
        if old["k"] != new["k"] or old["studies"] != new["studies"]:
            gained = sorted(set(new["studies"]) - set(old["studies"]))
            lost = sorted(set(old["studies"]) - set(new["studies"]))
            parts.append(
                f"k {old['k']} -> {new['k']}"
                + (f" (+ {', '.join(gained)})" if gained else "")
                + (f" (- {', '.join(lost)})" if lost else "")
            )
        if old["model"] != new["model"]:
            parts.append(f"model {old['model']} -> {new['model']}")
        if "estimate" in r["fields"] or "ci_low" in r["fields"] or "ci_high" in r["fields"]:
            parts.append(f"{new['measure']} {_figure(old)} -> {_figure(new)}")
        lines.append(f"  {r['target_id']} ({r['change']}): " + "; ".join(parts))
    lines += ["", "Pooled view (SQL `pooled`: FE and DL over every study with data)"]
    if not result.pooled:
        lines.append("  no change")
    for p in result.pooled:
        where = f"{p['outcome']} {p['timepoint']} {p['subgroup']} {p['model']} ({p['measure']})"
        old, new = p["old"], p["new"]
        if p["change"] == "appeared":
            lines.append(f"  + {where}: k = {new['k']}, {_figure(new)}")
        elif p["change"] == "disappeared":
            lines.append(f"  - {where}: was k = {old['k']}, {_figure(old)}")
        else:
            lines.append(f"  ~ {where}: k {old['k']} -> {new['k']}, {_figure(old)} -> {_figure(new)}")
    if result.warnings:
        lines += ["", "Warnings"] + [f"  {w}" for w in result.warnings]
    # every line escaped as one: a value's CR, LF, ESC or bidi character is shown, never obeyed
    return "\n".join(terminal(line) for line in lines) + "\n"


def render_json(result: DiffResult) -> str:
    """JSON, all ASCII: the values are kept whole (a reader decodes \\u escapes), and none can drive a terminal."""
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=True, default=str) + "\n"


def render_github(result: DiffResult) -> str:
    """The text for a GitHub Actions log: no line can be read as a workflow command."""
    return "\n".join(github_line(line) for line in render_text(result).splitlines()) + "\n"


def render_markdown(result: DiffResult) -> str:
    """The text for a job summary or a comment: shown literally in a fenced block (no HTML, link or image)."""
    return markdown_block(render_text(result).rstrip("\n")) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "github": render_github, "markdown": render_markdown}


def render_diff(result: DiffResult, fmt: str = "text") -> str:
    if fmt not in RENDERERS:
        raise DiffError(f"unknown format {fmt!r} ({', '.join(RENDERERS)})")
    return RENDERERS[fmt](result)
