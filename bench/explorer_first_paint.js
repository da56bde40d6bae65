// First paint of explorer.html in headless Chromium (puppeteer-core), RUNS
// times, each in a fresh browser: milliseconds from navigation start to the
// first contentful paint and to the table drawn (the page's script done).
//   node bench/explorer_first_paint.js EXPLORER_HTML [RUNS]
"use strict";
const path = require("path");
const puppeteer = require(path.join(__dirname, "..", ".cache", "npm", "node_modules", "puppeteer-core"));
const file = path.resolve(process.argv[2]);
const runs = Number(process.argv[3] || 5);

function summary(name, xs) {
  const s = [...xs].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  console.log(`${name}: median ${median.toFixed(0)} ms, worst ${s[s.length - 1].toFixed(0)} ms over ${s.length} runs`);
}

(async () => {
  const paint = [], ready = [];
  for (let i = 0; i < runs; ++i) {
    const browser = await puppeteer.launch({executablePath: "/usr/bin/chromium", headless: true,
                                            args: ["--no-sandbox", "--disable-gpu"]});
    const page = await browser.newPage();
    await page.setViewport({width: 1400, height: 1000});
    await page.goto("file://" + file);
    await page.waitForSelector("body[data-ready]", {polling: "mutation"});
    const t = await page.evaluate(() => ({
      ready: performance.now(),
      paint: (performance.getEntriesByName("first-contentful-paint")[0] || {}).startTime}));
    await browser.close();
    paint.push(t.paint);
    ready.push(t.ready);
    console.log(`run ${i + 1}: first contentful paint ${t.paint.toFixed(0)} ms, table drawn ${t.ready.toFixed(0)} ms`);
  }
  summary("first contentful paint", paint);
  summary("table drawn", ready);
})().catch(e => { console.error(e.stack || String(e)); process.exit(1); });
