// The SQL console: DuckDB-WASM in a Worker (single-threaded bundle, no SharedArrayBuffer needed), loaded only on
// this page. It registers the release's CSV files, runs the release's create_database.sql (the raw tables and
// every view, as `rhil7 build` creates them), then runs what is typed. Every file comes from this site; nothing else is asked.
const root = document.getElementById("console");
const statusLine = document.getElementById("status");
const form = document.getElementById("query-form");
const editor = document.getElementById("sql");
const runButton = document.getElementById("run");
const result = document.getElementById("result");
let connection = null;
let arrowType = null;

function say(text, isError = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle("error", isError);
}

function siteUrl(path) {
  return new URL(path, document.baseURI).href;
}

async function fetchOk(path) {
  const response = await fetch(siteUrl(path));
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response;
}

async function openDatabase() {
  const manifest = await (await fetchOk(root.dataset.manifest)).json();
  const duckdb = await import(siteUrl("vendor/duckdb/duckdb-browser.mjs"));
  arrowType = globalThis.Arrow.Type;
  const bundles = {
    mvp: { mainModule: siteUrl("vendor/duckdb/duckdb-mvp.wasm"),
           mainWorker: siteUrl("vendor/duckdb/duckdb-browser-mvp.worker.js") },
    eh: { mainModule: siteUrl("vendor/duckdb/duckdb-eh.wasm"),
          mainWorker: siteUrl("vendor/duckdb/duckdb-browser-eh.worker.js") },
  };
  const bundle = await duckdb.selectBundle(bundles);
  const worker = new Worker(bundle.mainWorker);
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(bundle.mainModule);
  await db.open({ query: { castDecimalToDouble: true } });
  for (const [name, path] of Object.entries(manifest.files)) {
    const bytes = new Uint8Array(await (await fetchOk(path)).arrayBuffer());
    await db.registerFileBuffer(name, bytes);
  }
  const con = await db.connect();
  // No extension is fetched from the network: everything the views need is built in.
  await con.query("SET autoinstall_known_extensions = false");
  await con.query("SET autoload_known_extensions = false");
  await con.query(await (await fetchOk(manifest.database)).text());
  // The tables are loaded: from here on a query reads no file and no address (as rhil7.core.database.safe_connect
  // does), so the console never makes a request of its own, whatever is typed.
  await con.query("SET enable_external_access = false");
  await con.query("SET lock_configuration = true");
  return con;
}

function text(value, type) {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return value.toString();
  if (type && arrowType && type.typeId === arrowType.Date) {
    return new Date(typeof value === "number" ? value : Number(value)).toISOString().slice(0, 10);
  }
  if (type && arrowType && type.typeId === arrowType.Timestamp) {
    return new Date(typeof value === "number" ? value : Number(value)).toISOString();
  }
  if (typeof value === "object") {
    const plain = typeof value.toJSON === "function" ? value.toJSON() : value;
    return JSON.stringify(plain, (key, v) => (typeof v === "bigint" ? v.toString() : v));
  }
  return String(value);
}

function show(table) {
  const fields = table.schema.fields;
  const rows = table.toArray();
  const element = document.createElement("table");
  const head = element.createTHead().insertRow();
  for (const field of fields) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = field.name;  // textContent: a value is never read as HTML
    head.appendChild(th);
  }
  const body = element.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const field of fields) {
      const td = tr.insertCell();
      const value = text(row[field.name], field.type);
      if (value === null) {
        td.textContent = "NULL";
        td.className = "null";
      } else {
        td.textContent = value;
      }
    }
  }
  result.replaceChildren(element);
  return rows.length;
}

async function run() {
  if (!connection) return;
  runButton.disabled = true;
  root.dataset.state = "running";
  say("Running…");
  try {
    const table = await connection.query(editor.value);
    const count = show(table);
    say(`${count} row${count === 1 ? "" : "s"}.`);
    root.dataset.state = "done";
  } catch (error) {
    result.replaceChildren();
    say(`Error: ${error.message || error}`, true);
    root.dataset.state = "error";
  } finally {
    runButton.disabled = false;
  }
}

function quoteIdentifier(name) {
  return '"' + name.replaceAll('"', '""') + '"';
}

form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
editor.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
});
for (const button of document.querySelectorAll("button.example")) {
  button.addEventListener("click", async () => {
    editor.value = await (await fetchOk(button.dataset.file)).text();
    run();
  });
}
for (const button of document.querySelectorAll("button.view")) {
  button.addEventListener("click", () => {
    editor.value = `SELECT * FROM ${quoteIdentifier(button.dataset.view)} LIMIT 100;`;
    run();
  });
}

root.dataset.state = "loading";
openDatabase().then((con) => {
  connection = con;
  runButton.disabled = false;
  root.dataset.state = "ready";
  say("DuckDB-WASM is ready: every table and view of the release can be queried.");
}).catch((error) => {
  root.dataset.state = "error";
  say(`The console could not start: ${error.message || error}`, true);
  console.error(error);
});
