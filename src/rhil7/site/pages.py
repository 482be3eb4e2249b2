"""The site's pages, each a function from the release's contents to one HTML document (see ``markup``).

Every string from the package (titles, cells, snippets, notes, names) goes through ``markup.esc`` (the sinks'
Markdown/HTML function); addresses become links only when they are http(s) (``markup.external_link``).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from .markup import anchor, esc, external_link, is_missing, page, table
from .release_contents import ReleaseContents

RELEASE_DIR = "release"  # the release's files, inside the site, under their paths in the release folder
ARCHIVE_DIR = "archive"  # the release zip itself
MISSING_STATUSES = ("not_reachable", "not_reported")


def _rows(frame) -> list[dict]:
    return frame.astype(object).to_dict("records") if frame is not None else []


def _words(code) -> str:
    return esc(str(code).replace("_", " ")) if not is_missing(code) else ""


def _resource(contents: ReleaseContents, name: str) -> dict:
    return next((r for r in contents.descriptor["resources"] if r["name"] == name), {"schema": {"fields": []}})


def _sources(contents: ReleaseContents) -> dict[str, dict]:
    return {str(row["source_id"]): row for row in _rows(contents.tables.get("sources"))}


def source_reference(sources: dict[str, dict], source_id, location=None) -> str:
    """The source named by ``source_id``: its title linking to its entry on the trials page, its address."""
    if is_missing(source_id):
        return ""
    row = sources.get(str(source_id), {})
    title = row.get("title") if not is_missing(row.get("title")) else source_id
    where = f", {esc(location)}" if not is_missing(location) else ""
    address = f" ({external_link(row.get('url'), 'open')})" if not is_missing(row.get("url")) else ""
    return f'<a href="trials.html#{anchor("source", source_id)}">{esc(title)}</a>{where}{address}'


def with_snippet(value_html: str, sources: dict, source_id, location, snippet, note=None) -> str:
    """The value; one click (a disclosure) shows the verbatim snippet it was read from and its source."""
    if is_missing(snippet) and is_missing(source_id):
        return value_html
    shown = value_html or "<em>(no value)</em>"
    quote = f"<blockquote>{esc(snippet)}</blockquote>" if not is_missing(snippet) else ""
    extra = f'<p class="note">{esc(note)}</p>' if not is_missing(note) else ""
    return (
        f'<details class="cell"><summary>{shown}</summary>{quote}'
        f"<p>Source: {source_reference(sources, source_id, location)}</p>{extra}</details>"
    )


# --------------------------------------------------------------------------- home


def home_page(contents: ReleaseContents) -> str:
    d = contents.descriptor
    studies = _rows(contents.tables.get("studies"))
    coverage = _rows(contents.tables.get("coverage"))
    extracted = sum(1 for row in coverage if row.get("status") == "extracted")
    questions = [row for row in _rows(contents.tables.get("open_questions")) if row.get("status") == "open"]
    trials = "".join(
        f'<li><a href="trials.html#{anchor("study", s["study_id"])}">{esc(s.get("short_citation"))}</a>'
        f" ({_words(s.get('condition'))}, {esc(s.get('n_randomized'))} randomized)</li>"
        for s in studies
    )
    open_items = "".join(f"<li>{esc(q.get('question'))}</li>" for q in questions)
    body = f"""<p class="lead">{esc(d.get("description"))}</p>
<ul class="facts">
<li>Version <strong>{esc(d.get("version"))}</strong>, data licence {
        esc(", ".join(str(x.get("name", "")) for x in d.get("licenses", []) if isinstance(x, dict)))
    }</li>
<li><strong>{len(studies)}</strong> trial(s); <strong>{extracted}</strong> of <strong>{len(coverage)}</strong>
trial × outcome × time point cells extracted (<a href="coverage.html">coverage</a>)</li>
<li><strong>{len(questions)}</strong> open question(s)</li>
</ul>
<h2>Trials</h2>
<ul>{trials}</ul>
<h2>Open questions</h2>
<ul>{open_items or "<li>None.</li>"}</ul>
<h2>Use the data</h2>
<ul>
<li><a href="console.html">SQL console</a>: query every table and view in this browser (DuckDB-WASM; nothing to
install, nothing sent anywhere).</li>
<li><a href="downloads.html">Downloads</a>: CSV, Parquet, the SQL that builds the database, the report, with
SHA-256 checksums.</li>
<li><a href="dictionary.html">Data dictionary</a>: every table and field.</li>
<li><a href="results.html">Reproduction</a>: every pooled figure of the meta-analysis, recomputed from the data
(or why it cannot be yet), and the forest plots.</li>
</ul>"""
    return page("index.html", str(d.get("title") or "Data package"), body, d.get("version", ""))


# --------------------------------------------------------------------------- trials


def _field_titles(resource: dict) -> "OrderedDict[str, str]":
    return OrderedDict((f["name"], f.get("title") or f["name"].replace("_", " ")) for f in resource["schema"]["fields"])


def trials_page(contents: ReleaseContents) -> str:
    sources = _sources(contents)
    provenance: dict[tuple[str, str], list[dict]] = {}
    for row in _rows(contents.tables.get("study_provenance")):
        provenance.setdefault((str(row["study_id"]), str(row["field"])), []).append(row)
    arms = _rows(contents.tables.get("arms"))
    outcomes = _rows(contents.tables.get("outcomes_continuous")) + _rows(contents.tables.get("outcomes_dichotomous"))
    fields = _field_titles(_resource(contents, "studies"))
    sections = []
    for study in _rows(contents.tables.get("studies")):
        sid = str(study["study_id"])
        items = []
        for name, title in fields.items():
            value = esc(study.get(name))
            rows = provenance.get((sid, name), [])
            if rows:
                value = "".join(
                    with_snippet(value, sources, r.get("source_id"), r.get("location"), r.get("snippet"), r.get("note"))
                    for r in rows
                )
            elif name == "source_id":
                value = source_reference(sources, study.get(name))
            items.append(f"<dt>{esc(title)}</dt><dd>{value or '<span class=missing>not recorded</span>'}</dd>")
        arm_rows = [
            [
                esc(a.get("arm_id")),
                _words(a.get("arm_role")),
                with_snippet(
                    esc(a.get("label")), sources, a.get("source_id"), a.get("location"), a.get("snippet"), a.get("note")
                ),
                esc(a.get("n_randomized")),
                esc(a.get("n_analysed")),
            ]
            for a in arms
            if str(a.get("study_id")) == sid
        ]
        outcome_rows = [
            [
                esc(o.get("arm_id")),
                _words(o.get("outcome")),
                esc(o.get("timepoint")),
                with_snippet(
                    _outcome_value(o), sources, o.get("source_id"), o.get("location"), o.get("snippet"), o.get("note")
                ),
            ]
            for o in outcomes
            if str(o.get("study_id")) == sid
        ]
        sections.append(
            f'<section aria-labelledby="{anchor("study", sid)}"><h2 id="{anchor("study", sid)}">'
            f'{esc(study.get("short_citation") or sid)}</h2><p class="title">{esc(study.get("title"))}</p>'
            f'<dl class="characteristics">{"".join(items)}</dl>'
            f"<h3>Arms</h3>{table(['arm', 'role', 'label (snippet)', 'randomized', 'analysed'], arm_rows)}"
            f"<h3>Outcome values</h3>"
            + (
                table(["arm", "outcome", "time point", "value (snippet)"], outcome_rows)
                if outcome_rows
                else '<p>None extracted yet: see <a href="coverage.html">coverage</a> for what is missing and how to '
                "contribute it.</p>"
            )
            + "</section>"
        )
    source_items = "".join(
        f'<li id="{anchor("source", sid)}"><strong>{esc(s.get("title"))}</strong> ({_words(s.get("kind"))}'
        f"{', trial ' + esc(s.get('study_id')) if not is_missing(s.get('study_id')) else ''}). "
        f"{external_link(s.get('url'))}{' · doi ' + esc(s.get('doi')) if not is_missing(s.get('doi')) else ''}"
        f"{' · accessed ' + esc(s.get('accessed')) if not is_missing(s.get('accessed')) else ''}"
        f'<br><span class="note">{esc(s.get("note"))}</span></li>'
        for sid, s in sources.items()
    )
    body = (
        "<p>Each trial's characteristics as recorded. A value with a triangle opens, in one click (or Enter), "
        "the verbatim snippet it was read from and its source.</p>"
        + "\n".join(sections)
        + f'<section aria-labelledby="sources"><h2 id="sources">Sources</h2><ul class="sources">{source_items}'
        "</ul></section>"
    )
    return page("trials.html", "Trials and their characteristics", body, contents.descriptor.get("version", ""))


def _outcome_value(row: dict) -> str:
    if "events" in row:
        return f"{esc(row.get('events'))} / {esc(row.get('total'))}"
    parts = [
        f"{name} {esc(row.get(name))}"
        for name in ("n", "mean", "sd", "se", "median", "q1", "q3", "min", "max")
        if not is_missing(row.get(name))
    ]
    unit = f" {esc(row.get('unit'))}" if not is_missing(row.get("unit")) else ""
    return esc(row.get("statistic")) + ": " + ", ".join(parts) + unit


# --------------------------------------------------------------------------- coverage and contributing


def _coverage_cells(contents: ReleaseContents):
    rows = _rows(contents.tables.get("coverage"))
    studies = list(OrderedDict.fromkeys(str(r["study_id"]) for r in rows))
    outcomes = list(OrderedDict.fromkeys(str(r["outcome"]) for r in rows))
    columns = list(OrderedDict.fromkeys((str(r["outcome"]), str(r["timepoint"])) for r in rows))
    columns.sort(key=lambda column: outcomes.index(column[0]))  # an outcome's time points side by side
    cells = {(str(r["study_id"]), str(r["outcome"]), str(r["timepoint"])): r for r in rows}
    return studies, columns, cells


def coverage_page(contents: ReleaseContents) -> str:
    studies, columns, cells = _coverage_cells(contents)
    files = contents.files()
    figure = (
        '<figure><img src="release/report/coverage.svg" alt="Coverage figure: which trial, outcome and time '
        'point have numbers in the package. The table below holds the same cells as text and links." '
        'width="900"><figcaption>The coverage figure of the reproduction report.</figcaption></figure>'
        if "report/coverage.svg" in files
        else ""
    )
    head = "".join(f'<th scope="col">{_words(o)}<br><span class="tp">{esc(t)}</span></th>' for o, t in columns)
    body_rows = []
    for sid in studies:
        tds = []
        for outcome, timepoint in columns:
            cell = cells.get((sid, outcome, timepoint))
            if cell is None:
                tds.append('<td class="none">—</td>')
            elif cell.get("status") in MISSING_STATUSES:
                tds.append(
                    f'<td class="missing"><a href="contribute.html#{anchor("cell", sid, outcome, timepoint)}"'
                    f'>{_words(cell.get("status"))}<span class="sr"> — how to contribute it</span></a></td>'
                )
            else:
                tds.append(f'<td class="ok">{_words(cell.get("status"))}</td>')
        body_rows.append(f'<tr><th scope="row">{esc(sid)}</th>{"".join(tds)}</tr>')
    grid = (
        f'<div class="scroll" tabindex="0" role="region" aria-label="coverage table"><table class="coverage">'
        f"<caption>One cell per trial, outcome and time point; a missing cell links to how to contribute it."
        f'</caption><thead><tr><th scope="col">trial</th>{head}</tr></thead><tbody>{"".join(body_rows)}'
        "</tbody></table></div>"
    )
    body = (
        figure + grid + "<p>Every cell marked <em>not reachable</em> or <em>not reported</em> is a contribution "
        'waiting: <a href="contribute.html">how to contribute</a>.</p>'
    )
    return page("coverage.html", "Coverage", body, contents.descriptor.get("version", ""))


def contribute_page(contents: ReleaseContents, contributing: bytes | None) -> str:
    studies, columns, cells = _coverage_cells(contents)
    items = []
    for (sid, outcome, timepoint), cell in cells.items():
        if cell.get("status") not in MISSING_STATUSES:
            continue
        items.append(
            f'<section aria-labelledby="{anchor("cell", sid, outcome, timepoint)}">'
            f'<h3 id="{anchor("cell", sid, outcome, timepoint)}">{esc(sid)}: {_words(outcome)}, {esc(timepoint)}</h3>'
            f"<p>Status: <strong>{_words(cell.get('status'))}</strong>. {esc(cell.get('detail'))}</p>"
            + (
                f"<p>Wanted source: {esc(cell.get('wanted_source'))}</p>"
                if not is_missing(cell.get("wanted_source"))
                else ""
            )
            + f"<pre><code>.venv/bin/rhil7 template {esc(sid)} --out {esc(sid)}-sheet.csv\n"
            f"# fill in the rows of {_words(outcome)} at {esc(timepoint)}, with snippet and source, then\n"
            f".venv/bin/rhil7 ingest {esc(sid)}-sheet.csv</code></pre></section>"
        )
    guide = (
        f'<h2 id="guide">The contributing guide (CONTRIBUTING.md)</h2><pre class="document">'
        f"{_preformatted(contributing)}</pre>"
        if contributing
        else ""
    )
    body = (
        "<p>Numbers are added by pull request to the repository, through the trial's extraction sheet: "
        "<code>rhil7 template</code> writes it, <code>rhil7 ingest</code> checks it and writes it into "
        "<code>tables/</code>. The guide below says how, step by step.</p>"
        f'<h2 id="missing">Missing cells ({len(items)})</h2>' + "".join(items) + guide
    )
    return page("contribute.html", "How to contribute", body, contents.descriptor.get("version", ""))


def _preformatted(data: bytes) -> str:
    """A document shown as it is written, line by line, each line through the sink."""
    return "\n".join(esc(line) for line in data.decode("utf-8", "replace").splitlines())


# --------------------------------------------------------------------------- reproduction


def _interval(estimate, low, high) -> str:
    if is_missing(estimate):
        return ""
    bounds = f" [{esc(_number(low))}, {esc(_number(high))}]" if not is_missing(low) else ""
    return f'<span class="figure">{esc(_number(estimate))}{bounds}</span>'


def _number(value):
    return f"{value:.3g}" if isinstance(value, float) else value


def _long_text(value, shown: int = 100) -> str:
    """A long note folded after its first words (one click opens it); a short one as it is."""
    if is_missing(value) or len(str(value)) <= shown:
        return esc(value)
    return f'<details class="cell"><summary>{esc(str(value)[:shown])}…</summary>{esc(value)}</details>'


def results_page(contents: ReleaseContents) -> str:
    rows = [
        [
            esc(r.get("target_id")),
            _words(r.get("subgroup")),
            _words(r.get("outcome")),
            esc(r.get("timepoint")),
            esc(r.get("measure")),
            _interval(r.get("published_estimate"), r.get("published_ci_low"), r.get("published_ci_high")),
            _interval(r.get("estimate"), r.get("ci_low"), r.get("ci_high")),
            esc(r.get("k")),
            esc(r.get("model")),
            _words(r.get("status")),
            _long_text(r.get("note")),
        ]
        for r in contents.reproduction
    ]
    files = contents.files()
    plots = sorted(p for p in files if p.startswith("report/forest/") and p.endswith(".svg"))
    figures = "".join(
        f'<figure><img src="{RELEASE_DIR}/{esc(p)}" alt="Forest plot of {esc(p[14:-4])}" '
        f'loading="lazy" width="800"><figcaption>{esc(p[14:-4])}</figcaption></figure>'
        for p in plots
    )
    published = (
        f'<h2>The published figures</h2><figure><img src="{RELEASE_DIR}/report/published_figures.svg" '
        'alt="The pooled figures as the meta-analysis published them" loading="lazy" width="800"></figure>'
        if "report/published_figures.svg" in files
        else ""
    )
    body = (
        "<p>Each pooled figure of the meta-analysis's abstract, as published and as recomputed from the tables "
        f'(the full report: <a href="{RELEASE_DIR}/report/report.md">report.md</a>, '
        f'<a href="{RELEASE_DIR}/report/reproduction.json">reproduction.json</a>).</p>'
        + table(
            [
                "target",
                "subgroup",
                "outcome",
                "time point",
                "measure",
                "published [95% CI]",
                "reproduced [95% CI]",
                "k",
                "model",
                "status",
                "note",
            ],
            rows,
            "Reproduction of the pooled figures",
            "results",
        )
        + "<h2>Forest plots</h2>"
        + (figures or "<p>None yet: no target has the study data it needs.</p>")
        + published
    )
    return page("results.html", "Reproduction and forest plots", body, contents.descriptor.get("version", ""))


# --------------------------------------------------------------------------- dictionary and downloads


def _constraints(field: dict) -> str:
    found = field.get("constraints") or {}
    parts = []
    for key, value in found.items():
        if key == "enum":
            parts.append("one of " + ", ".join(f"<code>{esc(v)}</code>" for v in value))
        elif value is True:
            parts.append(esc(key))
        else:
            parts.append(f"{esc(key)} <code>{esc(value)}</code>")
    return "; ".join(parts)


def dictionary_page(contents: ReleaseContents) -> str:
    sections = []
    for resource in contents.descriptor["resources"]:
        key = resource["schema"].get("primaryKey")
        key = [key] if isinstance(key, str) else (key or [])
        rows = [
            [
                f"<code>{esc(f['name'])}</code>",
                esc(f.get("type", "string")),
                esc(f.get("unit")),
                _constraints(f),
                esc(f.get("description")),
            ]
            for f in resource["schema"]["fields"]
        ]
        name = resource["name"]
        sections.append(
            f'<section aria-labelledby="{anchor("table", name)}"><h2 id="{anchor("table", name)}">{esc(name)}</h2>'
            f"<p>{esc(resource.get('title'))}. {esc(resource.get('description'))}</p>"
            f"<p>File <code>{esc(resource.get('path'))}</code>"
            + (f"; primary key {', '.join(f'<code>{esc(k)}</code>' for k in key)}" if key else "")
            + ".</p>"
            + table(["field", "type", "unit", "constraints", "description"], rows, f"Fields of {name}")
            + "</section>"
        )
    toc = "".join(
        f'<li><a href="#{anchor("table", r["name"])}">{esc(r["name"])}</a></li>'
        for r in contents.descriptor["resources"]
    )
    body = (
        f"<p>Generated from the Table Schemas of <code>datapackage.json</code>. The SQL views are in the "
        f'<a href="console.html">console</a>.</p><ul class="toc">{toc}</ul>' + "".join(sections)
    )
    return page("dictionary.html", "Data dictionary", body, contents.descriptor.get("version", ""))


def downloads_page(contents: ReleaseContents) -> str:
    rows = [
        [
            f'<a href="{RELEASE_DIR}/{esc(m.path)}">{esc(m.path)}</a>',
            esc(m.what),
            f"{len(m.data):,}",
            f'<code class="hash">{m.sha256}</code>',
        ]
        for m in contents.members
    ]
    zip_link = f"{ARCHIVE_DIR}/{esc(contents.archive_name)}"
    body = (
        f'<p>The whole release in one file: <a href="{zip_link}">{esc(contents.archive_name)}</a> '
        f'({len(contents.archive):,} bytes, SHA-256 <code class="hash">'
        f"{hashlib.sha256(contents.archive).hexdigest()}</code>).</p>"
        f"<p>Every file of release {esc(contents.descriptor.get('version'))}, one by one, with its SHA-256 "
        "checksum. "
        f'Check a whole download with <a href="{RELEASE_DIR}/SHA256SUMS">SHA256SUMS</a>: '
        "<code>sha256sum -c SHA256SUMS</code> in the folder that holds the files.</p>"
        + table(["file", "what", "bytes", "SHA-256"], rows, "Files of the release", "downloads")
    )
    return page("downloads.html", "Downloads", body, contents.descriptor.get("version", ""))


# --------------------------------------------------------------------------- SQL console


def console_page(contents: ReleaseContents, examples: dict[str, str], views: list[str]) -> str:
    """The console; ``examples``: file name -> first comment line. DuckDB-WASM loads only on this page."""
    buttons = "".join(
        f'<li><button type="button" class="example" data-file="queries/examples/{esc(name)}">{esc(name[:-4])}'
        f'</button> <span class="note">{esc(about)}</span></li>'
        for name, about in examples.items()
    )
    view_buttons = "".join(
        f'<li><button type="button" class="view" data-view="{esc(v)}">{esc(v)}</button></li>' for v in views
    )
    body = f"""<p>SQL over the release's tables, in this browser (DuckDB-WASM): the tables (schema <code>raw</code>) and
every documented view, created by the release's own <a href="release/create_database.sql">create_database.sql</a>,
the SQL of <code>rhil7 build</code>, so a query answers here as <code>rhil7 query</code> does. Nothing is sent
anywhere.</p>
<div id="console" data-manifest="console/manifest.json">
<p id="status" role="status" aria-live="polite">Loading DuckDB-WASM (about 8 MB compressed, once)…</p>
<form id="query-form">
<label for="sql">SQL (Ctrl+Enter runs it)</label>
<textarea id="sql" name="sql" rows="8" spellcheck="false" autocapitalize="off">SELECT * FROM studies;</textarea>
<p><button type="submit" id="run" disabled>Run</button></p>
</form>
<section aria-labelledby="result-heading"><h2 id="result-heading">Result</h2>
<div id="result" class="scroll" tabindex="0" role="region" aria-label="query result"></div></section>
<div class="panes">
<section aria-labelledby="examples-heading"><h2 id="examples-heading">Example queries</h2><ul class="examples">{buttons}
</ul></section>
<section aria-labelledby="views-heading"><h2 id="views-heading">Views</h2>
<ul class="views">{view_buttons}</ul></section>
</div>
</div>
<noscript><p>The console needs JavaScript; the <a href="downloads.html">downloads</a> work without it.</p></noscript>"""
    head = (
        '<script src="vendor/apache-arrow/Arrow.es2015.min.js" defer></script>\n'
        '<script type="importmap">{"imports": {"apache-arrow": "./vendor/apache-arrow/arrow-module.mjs"}}'
        "</script>\n"
        '<script type="module" src="static/console.js"></script>\n'
    )
    return page("console.html", "SQL console", body, contents.descriptor.get("version", ""), head)
