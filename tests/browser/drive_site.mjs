// Drives Debian's chromium (headless, through playwright-core) over a built site served on localhost, and prints
// one JSON object: for each page its console errors, page errors and failed requests; every URL requested; the
// rows the SQL console shows for each query; the bytes each page loaded; and, with "screenshots", PNG files.
// Usage: node tests/browser/drive_site.mjs PLAN.json   (written by tests/test_site.py or docs/site.md's recipe)
// PLAN: {"base": "http://127.0.0.1:PORT/", "pages": ["index.html", ...], "queries": {"name": "SQL", ...},
//        "screenshots": "docs/screenshots" or null, "chromium": "/usr/bin/chromium"}
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const plan = JSON.parse(readFileSync(process.argv[2], "utf-8"));
const profile = mkdtempSync(join(tmpdir(), "rhil7-chromium-"));
// The flags the machine notes give: no sandbox (root), no GPU, and none of Chromium's own background traffic.
const args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];
const context = await chromium.launchPersistentContext(profile, {
  executablePath: plan.chromium || "/usr/bin/chromium", headless: true, args,
  viewport: { width: 1200, height: 900 },
});
const out = { pages: {}, requests: [], queries: {}, weights: {}, screenshots: [] };

function watch(page, record) {
  page.on("console", (message) => { if (message.type() === "error") record.errors.push(message.text()); });
  page.on("pageerror", (error) => record.errors.push(String(error)));
  // a dialog is what an injected alert() would open: never expected
  page.on("dialog", (dialog) => { record.errors.push(`dialog: ${dialog.message()}`); dialog.dismiss(); });
  page.on("requestfailed", (request) => record.errors.push(`request failed: ${request.url()}`));
  page.on("request", (request) => out.requests.push(request.url()));
  page.on("response", async (response) => {
    try { record.bytes += (await response.body()).length; } catch { /* a redirect has no body */ }
  });
  page.on("response", (response) => {
    if (response.status() >= 400) record.errors.push(`HTTP ${response.status()}: ${response.url()}`);
  });
}

async function consoleRows(page, sql) {
  await page.fill("#sql", sql);
  await page.$eval("#console", (el) => { el.dataset.state = "asked"; });  // so the wait below sees this run end
  await page.click("#run");
  await page.waitForFunction(() => ["done", "error"].includes(document.getElementById("console").dataset.state));
  const state = await page.$eval("#console", (el) => el.dataset.state);
  if (state === "error") return { error: await page.textContent("#status") };
  return page.$eval("#result table", (table) => ({
    columns: [...table.tHead.rows[0].cells].map((c) => c.textContent),
    rows: [...table.tBodies[0].rows].map((r) => [...r.cells].map((c) => (c.className === "null" ? null : c.textContent))),
  }));
}

try {
  for (const name of plan.pages) {
    const page = await context.newPage();
    const record = { errors: [], bytes: 0, title: "" };
    watch(page, record);
    await page.goto(plan.base + name, { waitUntil: "load" });
    if (name === "console.html") {
      await page.waitForFunction(() => ["ready", "error"].includes(document.getElementById("console").dataset.state),
                                 null, { timeout: 120000 });
      record.state = await page.$eval("#console", (el) => el.dataset.state);
      record.status = await page.textContent("#status");
      if (record.state === "ready") {
        for (const [key, sql] of Object.entries(plan.queries || {})) out.queries[key] = await consoleRows(page, sql);
        if (plan.screenshots) {
          const example = (await page.$('button.example[data-file$="trial_characteristics.sql"]'))
            || (await page.$("button.example"));
          await page.$eval("#console", (el) => { el.dataset.state = "asked"; });
          await example.click();
          await page.waitForFunction(() => document.getElementById("console").dataset.state === "done");
          const file = join(plan.screenshots, "console.png");
          await page.screenshot({ path: file, fullPage: true });
          out.screenshots.push(file);
        }
      }
    } else {
      await page.waitForLoadState("networkidle");
      if (plan.screenshots && name === "index.html") {
        const file = join(plan.screenshots, "home.png");
        await page.screenshot({ path: file, fullPage: false });
        out.screenshots.push(file);
      }
    }
    // Keyboard: the first Tab reaches the skip link, and following it puts the focus on the main content.
    await page.keyboard.press("Tab");
    record.firstTab = await page.evaluate(() => document.activeElement && document.activeElement.className);
    await page.keyboard.press("Enter");
    record.afterSkip = await page.evaluate(() => document.activeElement && document.activeElement.id);
    // A phone: nothing wider than the screen but the tables' own scrolling regions.
    await page.setViewportSize({ width: 390, height: 844 });
    record.phoneOverflow = await page.evaluate(() => document.documentElement.scrollWidth
                                                     - document.documentElement.clientWidth);
    record.title = await page.title();
    record.text = await page.innerText("main");
    record.h1 = await page.$$eval("h1", (els) => els.length);
    out.pages[name] = record;
    out.weights[name] = record.bytes;
    await page.close();
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(out) + "\n");
