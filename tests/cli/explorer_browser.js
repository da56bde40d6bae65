// Drives the explorer (and the report's links into it) in headless Chromium
// through puppeteer-core (the DevTools protocol) for explorer_cli_test.cpp;
// exits non-zero with the reason on the first check that fails. One
// argument: a JSON file with
//   puppeteer: the module's folder; chromium: the browser;
//   one, two, chunked, sampled: explorer.html of one run, of run 1 vs run 2,
//     of run 1 with its cells in chunk files, and with the texts of one
//     question only;
//   out: where the screenshots go; mechanism, eps: the S3 column of the
//   pattern; expected: what explorer_expected.py computed from the exports.
"use strict";
const fs = require("fs");
const path = require("path");
const args = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const puppeteer = require(args.puppeteer);
const expected = args.expected;

function check(ok, what) {
  if (!ok) throw new Error("check failed: " + what);
}
const words = t => t.split(/\s+/).filter(w => w);
const key = t => t.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");

async function open(browser, file) {
  const page = await browser.newPage();
  await page.setViewport({width: 1400, height: 1000});
  const problems = [];
  page.on("console", m => { if (m.type() === "error" || m.type() === "warning") problems.push(m.text()); });
  page.on("pageerror", e => problems.push(e.message));
  await page.goto("file://" + file);
  await page.waitForSelector("body[data-ready]");
  page.problems = problems;
  return page;
}
const text = (page, sel) => page.$eval(sel, e => e.textContent);
const count = async page => Number(await text(page, "#count-n"));
async function shot(page, name) {
  await page.screenshot({path: path.join(args.out, name + ".png"), fullPage: false});
}
// The page's state is its hash; this sets it and renders at once.
async function firstPage(page) {
  await page.evaluate(() => {
    history.replaceState(null, "", location.hash.replace(/&?page=\d+/, ""));
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  });
}
async function rowIds(page) {
  // Every page of the table: the ids in the first column.
  const ids = [];
  await firstPage(page);
  for (;;) {
    ids.push(...await page.$$eval("#grid tbody th", ths => ths.map(t => t.textContent)));
    const next = await page.$("#next:not([disabled])");
    if (!next) return ids;
    await next.click();
  }
}

async function table(browser) {
  const page = await open(browser, args.one);
  check(await page.$("#simulated") !== null, "the SIMULATED banner is shown");
  check((await page.title()).startsWith("SIMULATED"), "the title starts with SIMULATED");
  check(await count(page) === expected.questions, "count " + await count(page) + " = " + expected.questions);
  const ids = await rowIds(page);
  check(ids.length === expected.questions && new Set(ids).size === ids.length,
        "one row per question: " + ids.length + " rows, " + new Set(ids).size + " distinct");
  await firstPage(page);
  await shot(page, "table");

  // The pattern through the form, as a person sets it.
  await page.select("#f-mechanism", args.mechanism);
  await page.select("#f-eps", String(args.eps));
  await page.select("#f-S2", "right");
  await page.select("#f-S3", "wrong");
  const n = await count(page);
  check(n === expected.pattern_ids.length, "S2 right, S3 wrong: " + n + " = " + expected.pattern_ids.length);
  const shown = (await rowIds(page)).sort();
  check(JSON.stringify(shown) === JSON.stringify(expected.pattern_ids), "the pattern's questions: " + shown);
  const headers = await page.$$eval("#grid thead th", ths => ths.map(t => t.textContent));
  check(headers.filter(h => h.startsWith("S3")).length === 1, "one S3 column: " + headers);
  await firstPage(page);
  await shot(page, "table_pattern");

  // Search narrows to the probe; the keyboard walks to its S3 cell and opens it.
  const probe = expected.probe;
  await page.type("#f-text", probe.id);
  check(await count(page) === 1, "searching the id leaves one question");
  await page.focus("#grid td.o[tabindex='0']");
  const s3col = headers.findIndex(h => h.startsWith("S3")) - 2;  // less the id and subject columns
  for (let i = 0; i < s3col; ++i) await page.keyboard.press("ArrowRight");
  const focused = await page.evaluate(() => document.activeElement.getAttribute("aria-label"));
  check(focused.startsWith("S3 " + args.mechanism) && focused.endsWith("wrong"), "focus on the S3 cell: " + focused);
  await page.keyboard.press("Enter");
  await page.waitForSelector(".card");
  check((await text(page, "#qtitle")).startsWith(probe.id), "the question view shows " + probe.id);
  const card = await page.evaluate(() => document.activeElement.id);
  check(card.startsWith("cell-0-"), "the opened cell has the focus: " + card);
  const sent = await text(page, "#" + card + " .sent");
  const orig = await text(page, "#" + card + " .orig");
  check(sent === probe.sanitized, "sent text = the export's sanitized: " + sent);
  check(orig === probe.text, "original = the question: " + orig);
  const marked = await page.$$eval("#" + card + " .orig mark.del", ms => ms.map(m => m.textContent));
  const kept = new Set(words(probe.sanitized).map(key));
  const changed = words(probe.text).filter(w => !kept.has(key(w)));
  check(changed.length > 0, "the mechanism changed some word");
  for (const w of changed) check(marked.includes(w), "changed word '" + w + "' is marked in " + marked);
  const inserted = await page.$$eval("#" + card + " .sent mark.ins", ms => ms.length);
  check(inserted > 0, "words the mechanism put in are marked");
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, "question");
  await page.keyboard.press("Escape");
  await page.waitForSelector("#grid");

  // The paired test S3 vs S2: its b opens the same questions.
  await page.click("#tabs button[data-view=paired]");
  await page.waitForSelector("table.tests");
  await shot(page, "paired");
  const link = await page.evaluateHandle((m, e) => {
    for (const tr of document.querySelectorAll("table.tests tr")) {
      const td = tr.querySelectorAll("td");
      if (td.length && td[0].textContent === "S3 " + m + " \u03b5=" + e && td[1].textContent === "S2")
        return td[5].querySelector("a");
    }
    return null;
  }, args.mechanism, args.eps);
  check(await link.evaluate(a => a !== null), "the paired tests list S3 vs S2");
  check(Number(await link.evaluate(a => a.textContent)) === expected.pattern_ids.length, "b of S3 vs S2");
  await link.click();
  await page.waitForSelector("#grid");
  check(await count(page) === expected.pattern_ids.length, "b's link shows its questions");
  check(page.problems.length === 0, "no console errors: " + page.problems);
  await page.close();
}

async function compare(browser) {
  const page = await open(browser, args.two);
  await page.click("#tabs button[data-view=compare]");
  await page.waitForSelector("#comparisons");
  await shot(page, "compare");
  for (const [scenario, want] of Object.entries(expected.compare)) {
    const cells = await page.evaluate(s => {
      for (const tr of document.querySelectorAll("#comparisons tr")) {
        const td = tr.querySelectorAll("td");
        if (td.length && td[1].textContent === s) return [td[5].textContent, td[6].textContent];
      }
      return null;
    }, scenario);
    check(cells && Number(cells[0]) === want.b && Number(cells[1]) === want.c,
          scenario + ": b, c = " + cells + ", expected " + want.b + ", " + want.c);
  }
  // S2's b opens the questions run 2 got wrong.
  await page.evaluate(() => {
    for (const tr of document.querySelectorAll("#comparisons tr")) {
      const td = tr.querySelectorAll("td");
      if (td.length && td[1].textContent === "S2") td[5].querySelector("a").click();
    }
  });
  await page.waitForSelector("#grid");
  check(await count(page) === expected.compare.S2.b, "S2's b link: " + await count(page));
  await shot(page, "compare_table");
  const first = await page.$("#grid td.o");
  await first.click();
  await page.waitForSelector(".card");
  check(await page.$$eval(".colrow", rows => rows.every(r => r.querySelectorAll(".card").length === 2)),
        "each column shows both runs' cells side by side");
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, "compare_question");
  check(page.problems.length === 0, "no console errors: " + page.problems);
  await page.close();
}

// report.html beside the explorer: a paired test's b (by the row's first two
// cells) opens the explorer on its questions.
async function fromReport(browser, explorer, row, want) {
  const page = await browser.newPage();
  await page.goto("file://" + path.join(path.dirname(explorer), "report.html"));
  const b = await page.evaluate(([first, second]) => {
    for (const tr of document.querySelectorAll("tr")) {
      const td = tr.querySelectorAll("td");
      if (td.length > 7 && td[0].textContent === first && td[1].textContent === second) {
        td[7].querySelector("a").click();
        return td[7].textContent;
      }
    }
    return null;
  }, row);
  check(b !== null, "report.html lists " + row);
  check(Number(b) === want, row + ": b = " + b + ", expected " + want);
  await page.waitForSelector("body[data-ready]");
  check(page.url().startsWith("file://" + explorer + "#"), "the link opens the explorer: " + page.url());
  check(await count(page) === want, row + ": the explorer shows " + await count(page) + " questions");
  await page.close();
}

async function chunked(browser) {
  const page = await open(browser, args.chunked);
  check(await page.$("#privqa-chunk-0") === null, "the cells are not in the page");
  await page.click("#grid td.o");
  await page.waitForSelector(".card");
  const cards = await page.$$eval(".card", cs => cs.length);
  check(cards === expected.cells_per_question, "the chunk holds the question's cells: " + cards);
  check(page.problems.length === 0, "no console errors: " + page.problems);
  await page.close();
}

// A run of more questions than --explorer-questions (1 here): the one
// question of the sample shows its cells; the others say their texts were
// left out, and load no chunk.
async function sampled(browser) {
  let leftOut = 0, shown = 0;
  for (const q of [0, 1, 2]) {
    const page = await open(browser, args.sampled + "#view=question&q=" + q);
    await page.waitForFunction(() => !/^loading/.test(document.getElementById("cells").textContent));
    const text = await page.$eval("#cells", e => e.textContent);
    if (text.includes("keeps the cells' texts of a sample of 1 of its")) {
      ++leftOut;
      check(text.includes("privqa export"), "the note says where the texts are: " + text);
    } else {
      const cards = await page.$$eval(".card", cs => cs.length);
      check(cards === expected.cells_per_question, "the sampled question's cells: " + cards);
      ++shown;
    }
    check(page.problems.length === 0, "no console errors: " + page.problems);
    await page.close();
  }
  check(leftOut >= 2 && shown <= 1, "one question of the sample at most: " + shown + " shown");
}

(async () => {
  const browser = await puppeteer.launch({
    executablePath: args.chromium, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"]});
  try {
    await table(browser);
    await compare(browser);
    await chunked(browser);
    await sampled(browser);
    await fromReport(browser, args.one, [args.mechanism + " eps " + args.eps + " (S3)", "non-private CoT (S2)"],
                     expected.pattern_ids.length);
    await fromReport(browser, args.two, ["run 2", "non-private CoT (S2)"], expected.compare.S2.b);
  } finally {
    await browser.close();
  }
  console.log("explorer checks passed");
})().catch(e => { console.error(e.stack || String(e)); process.exit(1); });
