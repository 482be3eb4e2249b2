"""README.md of a release archive, written for someone who has only the zip.

What the data is and is not (with today's facts counted from the tables), where each file is, one working
recipe per tool (pandas, base R, R frictionless, DuckDB CLI and Python, a spreadsheet; the marked ones are run
by tests/test_release.py from an unzipped archive), how to check the checksums, how to cite, the licences.
"""

from __future__ import annotations

from rhil7.core.sinks import markdown

RECIPES = {
    "pandas": (
        "python",
        """import pandas as pd

read = dict(keep_default_na=False, na_values=[""], encoding="utf-8")  # empty cell = missing; "NA" stays text
studies = pd.read_csv("tables/studies.csv", **read)
coverage = pd.read_csv("tables/coverage.csv", **read)
print(studies[["study_id", "condition", "n_randomized"]])
print(coverage.pivot_table(index="study_id", columns="status", values="outcome", aggfunc="count", fill_value=0))
# the same tables, typed, as Parquet (needs pyarrow); nullable dtypes keep integers with gaps as integers
print(pd.read_parquet("parquet/arms.parquet", dtype_backend="numpy_nullable").dtypes)""",
    ),
    "base-r": (
        "r",
        """# Every column is text unless the Table Schema types it; an empty cell is NA
# (never a guess: an all-empty column stays text, not logical).
read <- function(name, types = c()) {
  path <- file.path("tables", paste0(name, ".csv"))
  header <- names(read.csv(path, nrows = 0, check.names = FALSE, fileEncoding = "UTF-8"))
  classes <- setNames(rep("character", length(header)), header)
  classes[names(types)] <- types
  read.csv(path, na.strings = "", colClasses = classes, fileEncoding = "UTF-8", check.names = FALSE)
}
studies <- read("studies", STUDIES_TYPES)
coverage <- read("coverage", COVERAGE_TYPES)
print(studies[, c("study_id", "condition", "n_randomized")])
print(table(coverage$study_id, coverage$status))""",
    ),
    "r-frictionless": (
        "r",
        """# install.packages("frictionless")
library(frictionless)
package <- read_package("datapackage.json")
coverage <- read_resource(package, "coverage")  # typed by the Table Schema
print(table(coverage$study_id, coverage$status))""",
    ),
    "duckdb-cli": (
        "sh",
        '''duckdb rhil7.duckdb < create_database.sql   # once: builds rhil7.duckdb from tables/*.csv
duckdb -readonly rhil7.duckdb -c "SELECT study_id, outcome, timepoint, status FROM coverage ORDER BY ALL"
duckdb -readonly rhil7.duckdb -c "SELECT question_id, status FROM open_questions"''',
    ),
    "duckdb-python": (
        "python",
        """import duckdb
from pathlib import Path

con = duckdb.connect()  # in memory; duckdb.connect("rhil7.duckdb") keeps the database in a file
con.execute(Path("create_database.sql").read_text(encoding="utf-8"))
print(con.sql("SELECT study_id, outcome, timepoint, status FROM coverage ORDER BY ALL LIMIT 5"))
print(con.sql("SELECT subgroup, model, k, estimate, ci_low, ci_high FROM pooled ORDER BY ALL"))
print(con.sql("SELECT * FROM read_parquet('parquet/studies.parquet')").fetchall()[:1])""",
    ),
}


OPTIONAL_FILES = {
    "docs/data-dictionary.md": "every field of every table",
    "CHANGELOG.md": "what changed in each version",
    "CITATION.cff": "how to cite (Citation File Format)",
    "LICENSE": "the licence of the code (MIT)",
}


R_CLASSES = {"integer": "integer", "year": "integer", "number": "numeric", "boolean": "logical", "date": "Date"}


def r_types(descriptor: dict, table: str) -> str:
    """``c(field = "integer", ...)``: base R's colClasses of a table's typed fields, from its Table Schema."""
    resource = next(r for r in descriptor["resources"] if r["name"] == table)
    typed = [
        (f["name"], R_CLASSES[f.get("type", "string")])
        for f in resource["schema"]["fields"]
        if f.get("type", "string") in R_CLASSES
    ]
    return "c(" + ", ".join(f'{name} = "{cls}"' for name, cls in typed) + ")"


def _recipe(name: str, descriptor: dict | None = None) -> list[str]:
    language, code = RECIPES[name]
    if descriptor is not None:
        code = code.replace("STUDIES_TYPES", r_types(descriptor, "studies"))
        code = code.replace("COVERAGE_TYPES", r_types(descriptor, "coverage"))
    return [f"<!-- recipe: {name} -->", f"```{language}", code, "```"]


def _snapshot_notice(version: str, snapshot_of: str | None) -> list[str]:
    cite = f"cite the latest release ({snapshot_of})" if snapshot_of else "cite a release"
    return [
        f"> **Snapshot, not a release.** Version `{version}` is a development pre-release of the data as it "
        "stood when this archive was built: `.dev0` marks it, and the part after `+` is the hash of its content. "
        f"It is not recorded in `releases.json`, the next release may differ, and it should not be cited: {cite}.",
        "",
    ]


def _where_it_lives(repository: str | None, tag: str | None) -> list[str]:
    if repository is None:
        return [
            "This archive was built outside the release workflow, so it names no web address; the copy of the "
            "data you got it from says where releases and error reports live."
        ]
    return [
        f"- Every release, with its checksums: <{repository}/releases>",
        f"- Report an error in the data, or ask a question: <{repository}/issues>",
        f"- Source, extraction logs and how to contribute: <{repository}>",
        "- Compare two versions (rows added, removed and changed; how each pooled estimate moved) with the "
        f'project\'s tool: `pip install "rhil7 @ git+{repository}{"@" + tag if tag else ""}"`, then '
        "`rhil7 diff OLD_FOLDER NEW_FOLDER` on two unzipped releases.",
    ]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _facts(tables) -> list[str]:
    """Today's contents, counted from the tables (never written by hand, so never stale)."""
    studies, coverage = tables["studies"], tables["coverage"]
    outcome_rows = len(tables["outcomes_continuous"]) + len(tables["outcomes_dichotomous"])
    lines = [
        f"- **{_plural(len(studies), 'trial')}**: "
        + "; ".join(f"{markdown(s.short_citation)} ({markdown(s.condition)})" for s in studies.itertuples(index=False))
        + "."
    ]
    counts = coverage["status"].value_counts()
    lines.append(
        f"- **Coverage** (`tables/coverage.csv`, one row per trial x outcome x time point the meta-analysis "
        f"pooled; picture: `report/coverage.png`): {len(coverage)} cells, "
        + ", ".join(
            f"{int(counts.get(s, 0))} {s.replace('_', ' ')}" for s in ("extracted", "not_reported", "not_reachable")
        )
        + "."
    )
    lines.append(
        f"- **Arm-level outcome rows**: {outcome_rows} (`tables/outcomes_continuous.csv`, "
        "`tables/outcomes_dichotomous.csv`); every pooled figure whose inputs are missing is "
        "`not_computable` in `report/report.md`, with the missing inputs named."
    )
    questions = tables["open_questions"]
    still_open = questions[questions["status"] == "open"]
    for q in still_open.itertuples(index=False):
        lines.append(
            f"- **Open question {markdown(q.question_id, code=True)}** (`tables/open_questions.csv`): "
            f"{markdown(q.question)}"
        )
    if still_open.empty:
        lines.append("- No open question is recorded (`tables/open_questions.csv`).")
    return lines


def _citation(cff: bytes | None, descriptor: dict) -> list[str]:
    import yaml  # deferred: pyyaml is optional (the test extra), needed only for a CITATION.cff

    if not cff:
        return [
            f"Cite: {markdown(descriptor.get('title', ''))}, version {markdown(descriptor.get('version', ''))}, "
            "CC-BY-4.0."
        ]
    meta = yaml.safe_load(cff.decode("utf-8"))
    authors = ", ".join(
        a.get("name") or " ".join(filter(None, [a.get("given-names"), a.get("family-names")]))
        for a in meta.get("authors", [])
    )
    reference = (
        f"{markdown(authors)}. *{markdown(' '.join(str(meta.get('title', '')).split()))}*. "
        f"Version {markdown(meta.get('version'))}, {markdown(meta.get('date-released'))}. "
        f"{markdown(meta.get('license', ''))}."
    )
    return [
        reference,
        "",
        markdown(" ".join(str(meta.get("message", "")).split())),
        "`CITATION.cff` holds the same in the Citation File Format (reference managers and GitHub read it).",
    ]


def archive_readme(
    version: str,
    members,
    descriptor: dict,
    tables,
    extras: dict[str, bytes | None],
    top: str | None = None,
    snapshot_of: str | None = None,
    repository: str | None = None,
    snapshot: bool | None = None,
) -> bytes:
    """The README; ``snapshot`` (or a ``.dev`` version) marks a pre-release, ``snapshot_of`` names the release to
    cite instead; ``repository`` is the web address the release workflow runs in."""
    top = top or f"rhil7-lymphopenia-{version}"
    snapshot = ".dev" in version if snapshot is None else snapshot
    shipped = {m.path for m in members}
    lines = [
        f"# {markdown(descriptor.get('title', top))}",
        "",
        *(_snapshot_notice(version, snapshot_of) if snapshot else []),
        f"Version {version} of the data package, as a {'snapshot' if snapshot else 'release'} archive "
        f"(`{top}.zip`). Everything below works from this folder alone, with no other download.",
        "",
        "## What the data is",
        "",
        markdown(" ".join(str(descriptor.get("description", "")).split())),
        "",
        "Every number comes from a primary source someone read (trial publication or registry record), with its "
        "source, location and a verbatim snippet; values are stored as reported, missing values stay missing "
        "with the reason, and nothing is back-solved from the meta-analysis's pooled figures.",
        "",
        f"### What is in version {version}",
        "",
        *_facts(tables),
        "",
        "### What it is not",
        "",
        "- Not the meta-analysis's own data set: the trials and their numbers were found and read "
        "independently in the primary sources; what could not be found is said (coverage, open questions).",
        "- Not individual patient data: arm-level summaries only, as the trials published them.",
        "- Not a clinical recommendation.",
        "",
        "## What is where",
        "",
        "| path | what |",
        "|---|---|",
        "| `datapackage.json` | Frictionless descriptor: the Table Schemas (field names, types, constraints, "
        "keys); "
        "every resource carries `bytes` and `hash` (`sha256:...`) of its CSV file |",
        "| `tables/*.csv` | the tables (UTF-8, comma-separated, header row; an empty cell is a missing value) |",
        "| `spreadsheet/*.csv` | the same tables for spreadsheets: a text cell that a spreadsheet would read "
        "as a formula (starting with `=`, `+`, `-` or `@`, as a verbatim snippet may) is prefixed with `'` |",
        "| `parquet/*.parquet` | the same tables as Parquet, typed (not resources of `datapackage.json`) |",
        "| `create_database.sql` | SQL that builds the DuckDB database from `tables/*.csv`: tables in schema "
        "`raw`, documented views (`studies`, `arms`, `coverage`, `outcomes_continuous`, `effect_sizes`, "
        "`pooled`, `open_questions`, `study_provenance`, ...) in `main` |",
        "| `report/` | reproduction of the published pooled figures (`report.md`, `reproduction.json`, forest "
        "plots) and the coverage figure `report/coverage.png` (`.svg`) |",
        *[f"| `{path}` | {what} |" for path, what in OPTIONAL_FILES.items() if path in shipped],
        "| `SHA256SUMS` | sha256 of every other file of this archive |",
        "",
        "![Coverage: trials x outcome and time point, coloured by status](report/coverage.png)",
        "",
        "## Use it",
        "",
        "Run every recipe from this folder. Read empty cells as missing and nothing else: a snippet may "
        "well contain the text `NA` or `None`.",
        "",
        "**pandas** (Python):",
        "",
        *_recipe("pandas"),
        "",
        "**Base R** (types from the Table Schemas, by `colClasses`):",
        "",
        *_recipe("base-r", descriptor),
        "",
        "**R, [frictionless](https://docs.ropensci.org/frictionless/)** (types from the Table Schemas):",
        "",
        *_recipe("r-frictionless"),
        "",
        "**DuckDB, command line** ([install the CLI](https://duckdb.org/docs/installation/), or "
        "`pip install duckdb-cli`):",
        "",
        *_recipe("duckdb-cli"),
        "",
        "**DuckDB, Python** (`pip install duckdb`):",
        "",
        *_recipe("duckdb-python"),
        "",
        "**A spreadsheet**: open `spreadsheet/<table>.csv` as UTF-8, comma-separated "
        "(Excel: *Data > From Text/CSV*, "
        "file origin *65001: Unicode (UTF-8)*; LibreOffice: character set *Unicode (UTF-8)*, separator *comma*). "
        "In these copies a text cell that starts with `=`, `+`, `-` or `@` is prefixed with `'`, so nothing is "
        "evaluated as a formula; `tables/` holds the cells exactly as published. Do not save the CSV "
        "back from a spreadsheet: it may reformat dates, numbers and quotes.",
        "",
        "## Check it",
        "",
        "```sh",
        "sha256sum -c SHA256SUMS                 # macOS: shasum -a 256 -c SHA256SUMS",
        "frictionless validate datapackage.json  # pip install frictionless; checks the tables, schemas, bytes "
        "and hashes",
        "```",
        "",
        "The archive is deterministic: the same commit always gives a byte-identical zip (entries sorted, dated "
        "1980-01-01, mode 0644). It holds no DuckDB database file, which DuckDB cannot write byte for byte twice; "
        "`create_database.sql` builds it.",
        "",
        "## Where it lives",
        "",
        *_where_it_lives(repository, None if snapshot else f"v{version}"),
        "",
        "## Cite it",
        "",
        *(["Do not cite this snapshot; the citation below is of the latest release.", ""] if snapshot else []),
        *_citation(extras.get("CITATION.cff"), descriptor),
        "",
        "Please also cite the meta-analysis and the trial publications (`tables/studies.csv`, column "
        "`short_citation`).",
        "",
        "## Licences",
        "",
        "- Data (`datapackage.json`, `tables/`, `parquet/`, `report/`, `docs/`): Creative Commons Attribution "
        "4.0 International (CC-BY-4.0), <https://creativecommons.org/licenses/by/4.0/>; the legal code is at "
        "<https://creativecommons.org/licenses/by/4.0/legalcode>. Attribute as under *Cite it*.",
        "- Code (`create_database.sql`, the SQL of the views): MIT, see `LICENSE`."
        if "LICENSE" in shipped
        else "- Code (`create_database.sql`, the SQL of the views): MIT.",
        "",
        "## Files",
        "",
        "| path | bytes | sha256 |",
        "|---|---:|---|",
    ]
    for m in sorted(members, key=lambda m: m.path):
        lines.append(f"| {markdown(m.path, code=True)} | {len(m.data)} | `{m.sha256}` |")
    lines += ["| `README.md` | | this file |", "", f"All paths are relative to the folder `{top}/`.", ""]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.encode("utf-8")
