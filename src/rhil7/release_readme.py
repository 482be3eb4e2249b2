"""README.md of a release archive, written for someone who has only the zip.

What the data is and is not (with today's facts counted from the tables), where each file is, one working
recipe per tool (pandas, base R, R frictionless, DuckDB CLI and Python, a spreadsheet; the marked ones are run
by tests/test_release.py from an unzipped archive), how to check the checksums, how to cite, the licences.
"""
from __future__ import annotations

RECIPES = {
    "pandas": ("python", '''import pandas as pd

read = dict(keep_default_na=False, na_values=[""], encoding="utf-8")  # empty cell = missing; "NA" stays text
studies = pd.read_csv("tables/studies.csv", **read)
coverage = pd.read_csv("tables/coverage.csv", **read)
print(studies[["study_id", "condition", "n_randomized"]])
print(coverage.pivot_table(index="study_id", columns="status", values="outcome", aggfunc="count", fill_value=0))
print(pd.read_parquet("parquet/arms.parquet").dtypes)  # the same tables, typed, as Parquet (needs pyarrow)'''),
    "base-r": ("r", '''read <- function(name) {
  read.csv(file.path("tables", paste0(name, ".csv")), na.strings = "", stringsAsFactors = FALSE,
           fileEncoding = "UTF-8", check.names = FALSE)
}
studies <- read("studies")
coverage <- read("coverage")
print(studies[, c("study_id", "condition", "n_randomized")])
print(table(coverage$study_id, coverage$status))'''),
    "r-frictionless": ("r", '''# install.packages("frictionless")
library(frictionless)
package <- read_package("datapackage.json")
coverage <- read_resource(package, "coverage")  # typed by the Table Schema
print(table(coverage$study_id, coverage$status))'''),
    "duckdb-cli": ("sh", '''duckdb rhil7.duckdb < create_database.sql   # once: builds rhil7.duckdb from tables/*.csv
duckdb -readonly rhil7.duckdb -c "SELECT study_id, outcome, timepoint, status FROM coverage ORDER BY ALL"
duckdb -readonly rhil7.duckdb -c "SELECT question_id, status FROM open_questions"'''),
    "duckdb-python": ("python", '''import duckdb
from pathlib import Path

con = duckdb.connect()  # in memory; duckdb.connect("rhil7.duckdb") keeps the database in a file
con.execute(Path("create_database.sql").read_text(encoding="utf-8"))
print(con.sql("SELECT study_id, outcome, timepoint, status FROM coverage ORDER BY ALL LIMIT 5"))
print(con.sql("SELECT subgroup, model, k, estimate, ci_low, ci_high FROM pooled ORDER BY ALL"))
print(con.sql("SELECT * FROM read_parquet('parquet/studies.parquet')").fetchall()[:1])'''),
}


OPTIONAL_FILES = {"docs/data-dictionary.md": "every field of every table", "CHANGELOG.md": "what changed in each version",
                  "CITATION.cff": "how to cite (Citation File Format)", "LICENSE": "the licence of the code (MIT)"}


def _recipe(name: str) -> list[str]:
    language, code = RECIPES[name]
    return [f"<!-- recipe: {name} -->", f"```{language}", code, "```"]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _facts(tables) -> list[str]:
    """Today's contents, counted from the tables (never written by hand, so never stale)."""
    studies, coverage = tables["studies"], tables["coverage"]
    outcome_rows = len(tables["outcomes_continuous"]) + len(tables["outcomes_dichotomous"])
    lines = [f"- **{_plural(len(studies), 'trial')}**: "
             + "; ".join(f"{s.short_citation} ({s.condition})" for s in studies.itertuples(index=False)) + "."]
    counts = coverage["status"].value_counts()
    lines.append(f"- **Coverage** (`tables/coverage.csv`, one row per trial x outcome x time point the meta-analysis "
                 f"pooled; picture: `report/coverage.png`): {len(coverage)} cells, "
                 + ", ".join(f"{int(counts.get(s, 0))} {s.replace('_', ' ')}"
                             for s in ("extracted", "not_reported", "not_reachable")) + ".")
    lines.append(f"- **Arm-level outcome rows**: {outcome_rows} (`tables/outcomes_continuous.csv`, "
                 "`tables/outcomes_dichotomous.csv`); every pooled figure whose inputs are missing is "
                 "`not_computable` in `report/report.md`, with the missing inputs named.")
    questions = tables["open_questions"]
    still_open = questions[questions["status"] == "open"]
    for q in still_open.itertuples(index=False):
        lines.append(f"- **Open question `{q.question_id}`** (`tables/open_questions.csv`): {q.question}")
    if still_open.empty:
        lines.append("- No open question is recorded (`tables/open_questions.csv`).")
    return lines


def _citation(cff: bytes | None, descriptor: dict) -> list[str]:
    import yaml

    if not cff:
        return [f"Cite: {descriptor.get('title', '')}, version {descriptor.get('version', '')}, CC-BY-4.0."]
    meta = yaml.safe_load(cff.decode("utf-8"))
    authors = ", ".join(a.get("name") or " ".join(filter(None, [a.get("given-names"), a.get("family-names")]))
                        for a in meta.get("authors", []))
    reference = (f"{authors}. *{' '.join(str(meta.get('title', '')).split())}*. Version {meta.get('version')}, "
                 f"{meta.get('date-released')}. {meta.get('license', '')}.")
    return [reference, "", " ".join(str(meta.get("message", "")).split()),
            "`CITATION.cff` holds the same in the Citation File Format (reference managers and GitHub read it)."]


def archive_readme(version: str, members, descriptor: dict, tables, extras: dict[str, bytes | None]) -> bytes:
    top = f"rhil7-lymphopenia-{version}"
    shipped = {m.path for m in members}
    lines = [f"# {descriptor.get('title', top)}", "",
             f"Version {version} of the data package, as a release archive (`{top}.zip`). "
             "Everything below works from this folder alone, with no other download.", "",
             "## What the data is", "",
             " ".join(str(descriptor.get("description", "")).split()), "",
             "Every number comes from a primary source someone read (trial publication or registry record), with its "
             "source, location and a verbatim snippet; values are stored as reported, missing values stay missing "
             "with the reason, and nothing is back-solved from the meta-analysis's pooled figures.", "",
             f"### What is in version {version}", "", *_facts(tables), "",
             "### What it is not", "",
             "- Not the meta-analysis's own data set: the trials and their numbers were found and read "
             "independently in the primary sources; what could not be found is said (coverage, open questions).",
             "- Not individual patient data: arm-level summaries only, as the trials published them.",
             "- Not a clinical recommendation.", "",
             "## What is where", "",
             "| path | what |", "|---|---|",
             "| `datapackage.json` | Frictionless descriptor: the Table Schemas (field names, types, constraints, keys); "
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
             "| `SHA256SUMS` | sha256 of every other file of this archive |", "",
             "![Coverage: trials x outcome and time point, coloured by status](report/coverage.png)", "",
             "## Use it", "",
             "Run every recipe from this folder. Read empty cells as missing and nothing else: a snippet may "
             "well contain the text `NA` or `None`.", "",
             "**pandas** (Python):", "", *_recipe("pandas"), "",
             "**Base R**:", "", *_recipe("base-r"), "",
             "**R, [frictionless](https://docs.ropensci.org/frictionless/)** (types from the Table Schemas):", "",
             *_recipe("r-frictionless"), "",
             "**DuckDB, command line** ([install the CLI](https://duckdb.org/docs/installation/), or "
             "`pip install duckdb-cli`):", "", *_recipe("duckdb-cli"), "",
             "**DuckDB, Python** (`pip install duckdb`):", "", *_recipe("duckdb-python"), "",
             "**A spreadsheet**: open `spreadsheet/<table>.csv` as UTF-8, comma-separated (Excel: *Data > From Text/CSV*, "
             "file origin *65001: Unicode (UTF-8)*; LibreOffice: character set *Unicode (UTF-8)*, separator *comma*). "
             "In these copies a text cell that starts with `=`, `+`, `-` or `@` is prefixed with `'`, so nothing is "
             "evaluated as a formula; `tables/` holds the cells exactly as published. Do not save the CSV "
             "back from a spreadsheet: it may reformat dates, numbers and quotes.", "",
             "## Check it", "",
             "```sh",
             "sha256sum -c SHA256SUMS                 # macOS: shasum -a 256 -c SHA256SUMS",
             "frictionless validate datapackage.json  # pip install frictionless; checks the tables, schemas, bytes "
             "and hashes",
             "```", "",
             "The archive is deterministic: the same commit always gives a byte-identical zip (entries sorted, dated "
             "1980-01-01, mode 0644). It holds no DuckDB database file, which DuckDB cannot write byte for byte twice; "
             "`create_database.sql` builds it.", "",
             "## Cite it", "", *_citation(extras.get("CITATION.cff"), descriptor), "",
             "Please also cite the meta-analysis and the trial publications (`tables/studies.csv`, column "
             "`short_citation`).", "",
             "## Licences", "",
             "- Data (`datapackage.json`, `tables/`, `parquet/`, `report/`, `docs/`): Creative Commons Attribution "
             "4.0 International (CC-BY-4.0), <https://creativecommons.org/licenses/by/4.0/>; the legal code is at "
             "<https://creativecommons.org/licenses/by/4.0/legalcode>. Attribute as under *Cite it*.",
             "- Code (`create_database.sql`, the SQL of the views): MIT, see `LICENSE`." if "LICENSE" in shipped else
             "- Code (`create_database.sql`, the SQL of the views): MIT.", "",
             "## Files", "", "| path | bytes | sha256 |", "|---|---:|---|"]
    for m in sorted(members, key=lambda m: m.path):
        lines.append(f"| `{m.path}` | {len(m.data)} | `{m.sha256}` |")
    lines += ["| `README.md` | | this file |", "", f"All paths are relative to the folder `{top}/`.", ""]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.encode("utf-8")
