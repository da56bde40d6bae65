#include "privqa/report/explorer_page.h"

#include "privqa/report/svg_chart.h"

namespace privqa::report {

namespace {

const char* const kExplorerStyle = R"CSS(
body{font-family:sans-serif;margin:1em 2em;color:#222}
h1{font-size:1.5em}h2{font-size:1.25em}h3{font-size:1em;margin:.2em 0 .5em}
.simulated{background:#fff3cd;border:2px solid #d39e00;padding:.6em 1em;font-weight:bold}
#tabs button[aria-current=page]{font-weight:bold;border-width:2px}
.filters{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:center;margin:.5em 0}
.filters fieldset{border:1px solid #ccc;padding:.2em .6em}
.count{font-size:1.05em}.legend{font-size:.85em;color:#555}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:.85em}
th,td{border:1px solid #ccc;padding:.2em .45em}
thead th{background:#f2f2f2;font-weight:normal;vertical-align:bottom}
tbody th{text-align:left;font-weight:normal;white-space:nowrap}
td.subj{font-size:.85em;color:#555;max-width:12em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
td.o{text-align:center;cursor:pointer;font-weight:bold;min-width:1.6em}
td.o:focus{outline:3px solid #0b57d0;outline-offset:-3px}
.oR{color:#1a7f37}.oW{color:#b3261e}.oU{color:#8a6d00}.oE{color:#6b3fa0}
td.oR{background:#e8f5ec}td.oW{background:#fbe9e7}td.oU{background:#fff8e1}td.oE{background:#efe7f7}
td.foot{text-align:center;font-size:.85em}
.question{font-size:1.1em}.options li.gold{font-weight:bold}
.colrow{display:grid;gap:1em;margin:1em 0}
.card{border:1px solid #bbb;border-radius:4px;padding:.6em .9em;min-width:0}
.card:focus{outline:3px solid #0b57d0}
.card dl{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1em;margin:0}
.card dt{font-weight:bold;color:#444}.card dd{margin:0;min-width:0;overflow-x:auto}
.card pre{white-space:pre-wrap;margin:0;font-family:inherit}
.card p{margin:0}
mark.ins{background:#fde2a5;text-decoration:underline}
mark.del{background:#e0e0e0;text-decoration:line-through}
pre.err{color:#b3261e}
table.calls{font-size:.8em}
table.tests td,table.tests th{text-align:right}
table.tests td:nth-child(-n+2){text-align:left}
@media print{#tabs,.filters,.qnav,button{display:none}.scroll{overflow:visible}}
)CSS";

// Reads the data, renders the table, question, paired-test and comparison
// views from the page's hash (so each view is a link), and loads a chunk
// of cells when one of its questions is opened.
const char* const kExplorerScript = R"JS(
"use strict";
const D = JSON.parse(document.getElementById("privqa-data").textContent);
const Q = D.questions, C = D.columns, RUNS = D.runs;
const SCENARIOS = ["S1", "S2", "S3", "S4", "S5"];
const GLYPH = {R: "\u2713", W: "\u2717", U: "?", E: "!", N: "\u00b7", ".": ""};
const WORD = {R: "right", W: "wrong", U: "unparsed", E: "error", N: "no gold answer", ".": "no cell"};
const PAGE_ROWS = 100;
const view = document.getElementById("view");

function esc(s) {
  return String(s).replace(/[&<>"']/g, ch => "&#" + ch.charCodeAt(0) + ";");
}
function colName(c) {
  let s = c.scenario;
  if (c.scenario === "S3") s += " " + c.mechanism + " \u03b5=" + c.eps;
  if (c.repeat > 0) s += " r" + c.repeat;
  return s;
}
function groupName(g) {
  return g.scenario === "S3" ? "S3 " + g.mechanism + " \u03b5=" + g.eps : g.scenario;
}
function pct(x) { return (100 * x).toFixed(1) + "%"; }
function num(x) { return x < 0.001 ? x.toExponential(1) : x.toFixed(3); }
function uniq(xs) { return [...new Set(xs)]; }

// The state is the page's hash, so a view is a link (#mechanism=santext%2B&S3=wrong).
let S = {};
function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  S = {view: p.get("view") || "table", q: p.has("q") ? Number(p.get("q")) : null,
       subject: p.get("subject") || "", mechanism: p.get("mechanism") || "", eps: p.get("eps") || "",
       text: p.get("text") || "", run: Number(p.get("run") || 0), page: Number(p.get("page") || 0),
       diff: p.get("diff") || "", dscen: p.get("dscen") || "", drun: Number(p.get("drun") || 1), focus: p.get("focus") || ""};
  for (const s of SCENARIOS) S[s] = p.get(s) || "";
}
function writeHash(push) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(S)) {
    if (v === "" || v === null || (k === "view" && v === "table") ||
        ((k === "run" || k === "page") && v === 0) || (k === "drun" && v === 1)) continue;
    p.set(k, v);
  }
  const h = "#" + p.toString();
  if (push) history.pushState(null, "", h); else history.replaceState(null, "", h);
}
function go(change, push) {
  Object.assign(S, change);
  writeHash(push);
  render();
}

// Columns the mechanism and eps filters keep (they only narrow S3).
function shownColumns() {
  const out = [];
  C.forEach((c, i) => {
    if (c.scenario === "S3" && ((S.mechanism && c.mechanism !== S.mechanism) ||
                                (S.eps && String(c.eps) !== S.eps))) return;
    out.push(i);
  });
  return out;
}
function outcome(run, col, q) { return D.outcomes[run][col][q]; }
const answered = o => o === "R" || o === "W" || o === "U";

// A scenario's condition holds when every shown column of it (each S3
// mechanism and eps kept, each repeat) says so, in the pattern's run.
function matches(q, cols) {
  if (S.subject && Q[q].subject !== S.subject) return false;
  if (S.text) {
    const t = S.text.toLowerCase(), x = Q[q];
    const hay = (x.id + "\n" + x.subject + "\n" + x.text + "\n" + x.options.join("\n")).toLowerCase();
    if (!hay.includes(t)) return false;
  }
  for (const s of SCENARIOS) {
    if (!S[s]) continue;
    const mine = cols.filter(i => C[i].scenario === s);
    if (!mine.length) return false;
    for (const i of mine) {
      const o = outcome(S.run, i, q);
      if (S[s] === "right" ? o !== "R" : !(o === "W" || o === "U")) return false;
    }
  }
  if (S.diff && RUNS.length > 1) {
    // b: run 1 right and the other wrong in some shown column; c: the reverse.
    const hit = cols.filter(i => !S.dscen || C[i].scenario === S.dscen).some(i => {
      const a = outcome(0, i, q), b = outcome(S.drun, i, q);
      if (!answered(a) || !answered(b)) return false;
      return S.diff === "b" ? a === "R" && b !== "R" : a !== "R" && b === "R";
    });
    if (!hit) return false;
  }
  return true;
}
function filtered(cols) {
  const out = [];
  for (let q = 0; q < Q.length; ++q) if (matches(q, cols)) out.push(q);
  return out;
}

function select(id, label, options, value) {
  let h = '<label>' + esc(label) + ' <select id="' + id + '">';
  for (const [v, t] of options)
    h += '<option value="' + esc(v) + '"' + (String(v) === String(value) ? " selected" : "") + ">" + esc(t) + "</option>";
  return h + "</select></label> ";
}

function renderFilters() {
  const subjects = uniq(Q.map(q => q.subject).filter(s => s)).sort();
  const mechs = uniq(C.filter(c => c.scenario === "S3").map(c => c.mechanism));
  const eps = uniq(C.filter(c => c.scenario === "S3").map(c => String(c.eps)));
  const present = SCENARIOS.filter(s => C.some(c => c.scenario === s));
  let h = '<form id="filters" class="filters" onsubmit="return false">';
  h += select("f-subject", "Subject", [["", "all"], ...subjects.map(s => [s, s])], S.subject);
  if (mechs.length) h += select("f-mechanism", "Mechanism", [["", "all"], ...mechs.map(m => [m, m])], S.mechanism);
  if (eps.length) h += select("f-eps", "\u03b5", [["", "all"], ...eps.map(e => [e, e])], S.eps);
  h += '<label>Search <input id="f-text" type="search" value="' + esc(S.text) + '" placeholder="question, options, id"></label>';
  h += '<fieldset><legend>Correctness pattern</legend>';
  if (RUNS.length > 1) h += select("f-run", "in run", RUNS.map((r, i) => [i, (i + 1) + ": " + r.label]), S.run);
  for (const s of present)
    h += select("f-" + s, s, [["", "any"], ["right", "right \u2713"], ["wrong", "wrong \u2717"]], S[s]);
  h += "</fieldset>";
  if (RUNS.length > 1) {
    h += '<fieldset><legend>Runs differ</legend>';
    h += select("f-diff", "", [["", "any"], ["b", "run 1 right, other wrong"], ["c", "run 1 wrong, other right"]], S.diff);
    h += select("f-drun", "other run", RUNS.map((r, i) => [i, (i + 1) + ": " + r.label]).slice(1), S.drun);
    h += "</fieldset>";
  }
  h += '<button type="button" id="f-clear">Clear filters</button></form>';
  return h;
}
function bindFilters() {
  const on = (id, key, conv) => {
    const el = document.getElementById(id);
    if (!el) return;
    el.addEventListener(el.type === "search" ? "input" : "change", () => {
      go({[key]: conv ? conv(el.value) : el.value, page: 0});
      const again = document.getElementById(id);
      if (again) { again.focus(); if (again.type === "search") again.setSelectionRange(again.value.length, again.value.length); }
    });
  };
  on("f-subject", "subject"); on("f-mechanism", "mechanism"); on("f-eps", "eps"); on("f-text", "text");
  on("f-run", "run", Number); on("f-diff", "diff"); on("f-drun", "drun", Number);
  for (const s of SCENARIOS) on("f-" + s, s);
  document.getElementById("f-clear").addEventListener("click", () => {
    const clear = {subject: "", mechanism: "", eps: "", text: "", diff: "", dscen: "", page: 0};
    for (const s of SCENARIOS) clear[s] = "";
    go(clear);
  });
}

function renderTable() {
  const cols = shownColumns();
  const rows = filtered(cols);
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_ROWS));
  const page = Math.min(S.page, pages - 1);
  const slice = rows.slice(page * PAGE_ROWS, (page + 1) * PAGE_ROWS);
  const runs = RUNS.map((r, i) => i);
  let h = renderFilters();
  h += '<p id="count" class="count" aria-live="polite"><strong id="count-n">' + rows.length + "</strong> of " +
       Q.length + " questions" + (pages > 1 ? "; rows " + (page * PAGE_ROWS + 1) + "\u2013" +
       (page * PAGE_ROWS + slice.length) + ' <button type="button" id="prev"' + (page === 0 ? " disabled" : "") +
       '>Previous</button> <button type="button" id="next"' + (page + 1 >= pages ? " disabled" : "") +
       ">Next</button>" : "") + "</p>";
  h += '<p class="legend">\u2713 right, \u2717 wrong, ? unparsed, ! error, \u00b7 no gold answer. ' +
       "Arrow keys move between cells; Enter opens the question.</p>";
  h += '<div class="scroll"><table id="grid" role="grid" aria-label="questions by scenario"><thead><tr><th scope="col">question</th><th scope="col">subject</th>';
  for (const r of runs)
    for (const i of cols)
      h += '<th scope="col">' + (RUNS.length > 1 ? "run " + (r + 1) + "<br>" : "") + esc(colName(C[i])) + "</th>";
  h += "</tr></thead><tbody>";
  for (const q of slice) {
    h += '<tr><th scope="row">' + esc(Q[q].id) + "</th><td class=\"subj\">" + esc(Q[q].subject) + "</td>";
    for (const r of runs)
      for (const i of cols) {
        const o = outcome(r, i, q);
        h += '<td class="o o' + o + '" role="gridcell" tabindex="-1" data-q="' + q + '" data-col="' + i +
             '" data-run="' + r + '" aria-label="' + esc(colName(C[i]) + ": " + WORD[o]) + '" title="' +
             esc(WORD[o]) + '">' + GLYPH[o] + "</td>";
      }
    h += "</tr>";
  }
  // Right of answered, per column, over the filtered questions.
  h += '</tbody><tfoot><tr><th scope="row">right</th><td></td>';
  for (const r of runs)
    for (const i of cols) {
      let k = 0, n = 0;
      for (const q of rows) { const o = outcome(r, i, q); n += answered(o); k += o === "R"; }
      h += '<td class="foot">' + k + "/" + n + "</td>";
    }
  h += "</tr></tfoot></table></div>";
  view.innerHTML = h;
  bindFilters();
  const pageTo = p => go({page: p});
  if (document.getElementById("prev")) document.getElementById("prev").onclick = () => pageTo(page - 1);
  if (document.getElementById("next")) document.getElementById("next").onclick = () => pageTo(page + 1);
  bindGrid(document.getElementById("grid"));
}

// Roving focus over the grid's cells: one is in the tab order at a time.
function bindGrid(grid) {
  const cells = [...grid.querySelectorAll("td.o")];
  if (!cells.length) return;
  cells[0].tabIndex = 0;
  const width = cells.length / grid.tBodies[0].rows.length;
  const open = td => go({view: "question", q: Number(td.dataset.q), focus: td.dataset.run + "-" + td.dataset.col}, true);
  grid.addEventListener("click", e => { const td = e.target.closest("td.o"); if (td) open(td); });
  grid.addEventListener("keydown", e => {
    const td = e.target.closest("td.o");
    if (!td) return;
    const at = cells.indexOf(td);
    const move = {ArrowRight: 1, ArrowLeft: -1, ArrowDown: width, ArrowUp: -width,
                  Home: -(at % width), End: width - 1 - (at % width)}[e.key];
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(td); return; }
    if (move === undefined) return;
    const next = cells[at + move];
    if (!next) return;
    e.preventDefault();
    td.tabIndex = -1; next.tabIndex = 0; next.focus();
  });
}

// Cells of question q, from its chunk (inline, or a script beside the page).
const chunks = {};
function chunk(k) {
  if (!chunks[k]) {
    chunks[k] = D.chunks.inline
      ? Promise.resolve(JSON.parse(document.getElementById("privqa-chunk-" + k).textContent))
      : new Promise((resolve, reject) => {
          const s = document.createElement("script");
          s.src = "explorer-data/chunk-" + k + ".js";
          window.privqaExplorerChunk = (i, cells) => { if (i === k) resolve(cells); };
          s.onerror = () => reject(new Error("cannot load " + s.src + " (it belongs beside explorer.html)"));
          document.head.appendChild(s);
        });
  }
  return chunks[k];
}

// Word-level diff by the longest common subsequence of case-folded words:
// words outside it were changed (dropped or put in) by the mechanism.
function words(text) { return text.split(/(\s+)/).filter(t => t.length); }
function key(t) { return t.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ""); }
function wordDiff(a, b) {
  const A = words(a), B = words(b);
  const wa = A.map((t, i) => [key(t), i]).filter(x => !/^\s+$/.test(A[x[1]]));
  const wb = B.map((t, i) => [key(t), i]).filter(x => !/^\s+$/.test(B[x[1]]));
  const n = wa.length, m = wb.length;
  const L = Array.from({length: n + 1}, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; --i)
    for (let j = m - 1; j >= 0; --j)
      L[i][j] = wa[i][0] === wb[j][0] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  const keptA = new Set(), keptB = new Set();
  for (let i = 0, j = 0; i < n && j < m;) {
    if (wa[i][0] === wb[j][0]) { keptA.add(wa[i][1]); keptB.add(wb[j][1]); ++i; ++j; }
    else if (L[i + 1][j] >= L[i][j + 1]) ++i; else ++j;
  }
  const show = (T, kept, cls) => T.map((t, i) => /^\s+$/.test(t) || kept.has(i) ? esc(t) :
                                        '<mark class="' + cls + '">' + esc(t) + "</mark>").join("");
  return {original: show(A, keptA, "del"), sanitized: show(B, keptB, "ins"), changed: n - keptA.size, words: n};
}

function cellCard(cell, q) {
  const col = C[cell.column];
  const o = outcome(cell.run, cell.column, q);
  let h = '<article class="card" id="cell-' + cell.run + "-" + cell.column + '" tabindex="-1"><h3>' +
          (RUNS.length > 1 ? "run " + (cell.run + 1) + " (" + esc(RUNS[cell.run].label) + "): " : "") +
          esc(colName(col)) + ' <span class="o o' + o + '">' + GLYPH[o] + " " + WORD[o] + "</span></h3><dl>";
  const row = (k, v) => { h += "<dt>" + esc(k) + "</dt><dd>" + v + "</dd>"; };
  if (col.scenario === "S3") {
    const d = wordDiff(Q[q].text, cell.sanitized || "");
    row("sent to the remote model", '<p class="sent">' + d.sanitized + "</p>");
    row("original (" + d.changed + " of " + d.words + " words changed)", '<p class="orig">' + d.original + "</p>");
    if (cell.eps_spent !== null && cell.eps_spent !== undefined) row("\u03b5 spent", esc(cell.eps_spent));
  } else if (col.scenario === "S2" || col.scenario === "S4") {
    row("sent to the remote model", "the question as it is");
  }
  if (cell.cot) row("chain of thought", "<pre>" + esc(cell.cot) + "</pre>");
  if (cell.raw_answer) row("answer as given", "<pre>" + esc(cell.raw_answer) + "</pre>");
  row("parsed", (cell.answer ? esc(cell.answer) : "none") + (cell.parse_method ? " (" + esc(cell.parse_method) + ")" : "") +
      "; gold " + esc(Q[q].gold || "none"));
  if (cell.error) row("error", '<pre class="err">' + esc(cell.error) + "</pre>");
  row("tokens", "local " + cell.local_tokens_in + " in, " + cell.local_tokens_out + " out; remote " +
      cell.remote_tokens_in + " in, " + cell.remote_tokens_out + " out");
  row("time and cost", "latency " + cell.latency.toFixed(3) + " s, " + cell.attempts + " attempts, cost " +
      (cell.cost === 0 ? "0" : cell.cost.toPrecision(3)));
  const calls = cell.details && cell.details.calls;
  if (calls && calls.length) {
    let t = '<table class="calls"><tr><th>purpose</th><th>provider</th><th>attempts</th><th>cached</th><th>seconds</th><th>with provider</th><th>admission</th></tr>';
    for (const c of calls)
      t += "<tr><td>" + esc(c.purpose || "") + "</td><td>" + esc(c.provider || "") + "</td><td>" + esc(c.attempts ?? "") +
           "</td><td>" + (c.cached ? "yes" : "no") + "</td><td>" + (c.seconds ?? 0).toFixed(3) + "</td><td>" +
           (c.provider_seconds ?? 0).toFixed(3) + "</td><td>" + (c.admission_seconds ?? 0).toFixed(3) + "</td></tr>";
    row("calls", t + "</table>");
  }
  return h + "</dl></article>";
}

async function renderQuestion() {
  const q = S.q, x = Q[q];
  if (x === undefined) { go({view: "table", q: null}); return; }
  const cols = shownColumns(), list = filtered(cols), at = list.indexOf(q);
  let h = '<nav class="qnav"><button type="button" id="back">\u2190 Table (Esc)</button> ';
  if (at > 0) h += '<button type="button" id="qprev">Previous question</button> ';
  if (at >= 0 && at + 1 < list.length) h += '<button type="button" id="qnext">Next question</button>';
  h += "</nav><h2 id=\"qtitle\" tabindex=\"-1\">" + esc(x.id) + (x.subject ? " \u2014 " + esc(x.subject) : "") + "</h2>";
  h += '<p class="question">' + esc(x.text) + '</p><ol type="A" class="options">';
  x.options.forEach((o, i) => {
    const gold = String.fromCharCode(65 + i) === x.gold;
    h += "<li" + (gold ? ' class="gold"' : "") + ">" + esc(o) + (gold ? " <strong>\u2713 gold</strong>" : "") + "</li>";
  });
  h += '</ol><div id="cells">loading the cells\u2026</div>';
  view.innerHTML = h;
  document.getElementById("back").onclick = () => go({view: "table", q: null, focus: ""}, true);
  if (document.getElementById("qprev")) document.getElementById("qprev").onclick = () => go({q: list[at - 1]}, true);
  if (document.getElementById("qnext")) document.getElementById("qnext").onclick = () => go({q: list[at + 1]}, true);
  if (x.texts === false) {
    document.getElementById("cells").textContent =
        "The explorer of a run this large keeps the cells' texts of a sample of " +
        D.chunks.text_questions + " of its " + Q.length + " questions (those whose ids hash " +
        "lowest), and this question is not one of them: its outcomes are in the table, and " +
        "`privqa export` writes every cell (`privqa report --explorer-questions 0` keeps all).";
    return;
  }
  let cells;
  try {
    cells = (await chunk(Math.floor(q / D.chunks.questions_per_chunk))).filter(c => c.question === q);
  } catch (e) {
    document.getElementById("cells").textContent = e.message;
    return;
  }
  if (S.q !== q || S.view !== "question") return;
  cells.sort((a, b) => a.column - b.column || a.run - b.run);
  let out = "";
  for (let i = 0; i < C.length; ++i) {
    const mine = cells.filter(c => c.column === i);
    if (!mine.length) continue;
    out += '<section class="colrow" style="grid-template-columns:repeat(' + mine.length + ',1fr)">' +
           mine.map(c => cellCard(c, q)).join("") + "</section>";
  }
  document.getElementById("cells").innerHTML = out || "no cells";
  const target = S.focus && document.getElementById("cell-" + S.focus);
  (target || document.getElementById("qtitle")).focus();
  if (target) target.scrollIntoView({block: "start"});
}

// A link that shows a paired test's discordant questions in the table.
function patternLink(cond, base, want, n, run) {
  const change = {view: "table", q: null, page: 0, run: run, subject: "", text: "", diff: "", dscen: "",
                  mechanism: "", eps: ""};
  for (const s of SCENARIOS) change[s] = "";
  for (const g of [cond, base]) if (g.scenario === "S3") { change.mechanism = g.mechanism; change.eps = String(g.eps); }
  change[base.scenario] = want === "b" ? "right" : "wrong";
  change[cond.scenario] = want === "b" ? "wrong" : "right";
  return '<a href="#" data-go="' + esc(JSON.stringify(change)) + '">' + n + "</a>";
}
function bindLinks() {
  for (const a of view.querySelectorAll("a[data-go]"))
    a.addEventListener("click", e => { e.preventDefault(); go(JSON.parse(a.dataset.go), true); });
}
function testRow(t, b, c) {
  return "<td>" + t.pairs + "</td><td>" + pct(t.baseline_accuracy) + "</td><td>" + pct(t.condition_accuracy) +
         "</td><td>" + b + "</td><td>" + c + "</td><td>" + esc(t.method) + "</td><td>" + num(t.p) + "</td><td>" +
         num(t.mid_p) + "</td><td>" + num(t.holm_p) + "</td>";
}
const TEST_HEAD = "<th>pairs</th><th>baseline</th><th>condition</th><th>b (baseline \u2713, condition \u2717)</th>" +
                  "<th>c (baseline \u2717, condition \u2713)</th><th>test</th><th>p</th><th>mid-p</th><th>Holm p</th>";

function renderPaired() {
  let h = "<h2>Paired tests</h2><p>McNemar's test of each condition against its baseline on the questions both answered " +
          "(docs/reports.md, \u201cPaired tests\u201d). b and c open the discordant questions in the table.</p>";
  RUNS.forEach((r, run) => {
    h += "<h3>Run " + (run + 1) + ": " + esc(r.label) + '</h3><table class="tests"><tr><th>condition</th><th>baseline</th>' + TEST_HEAD + "</tr>";
    for (const t of D.paired[run])
      h += "<tr><td>" + esc(groupName(t.condition)) + "</td><td>" + esc(groupName(t.baseline)) + "</td>" +
           testRow(t, patternLink(t.condition, t.baseline, "b", t.b, run), patternLink(t.condition, t.baseline, "c", t.c, run)) + "</tr>";
    h += "</table>";
  });
  view.innerHTML = h;
  bindLinks();
}

function renderCompare() {
  let h = "<h2>Compare runs</h2><p>Each group of each later run against run 1 on the questions both answered: " +
          "b = run 1 right and the later run wrong, c = the reverse; McNemar's test of the difference. b and c open those questions.</p>" +
          '<table class="tests" id="comparisons"><tr><th>run</th><th>group</th>' +
          TEST_HEAD.replace("baseline \u2713, condition \u2717", "run 1 \u2713, run k \u2717")
                   .replace("baseline \u2717, condition \u2713", "run 1 \u2717, run k \u2713")
                   .replace("<th>baseline</th><th>condition</th>", "<th>run 1</th><th>run k</th>") + "</tr>";
  for (const t of D.comparisons) {
    const g = t.condition;
    const link = (want, n) => {
      const change = {view: "table", q: null, page: 0, diff: want, drun: t.run, subject: "", text: "",
                      mechanism: g.scenario === "S3" ? g.mechanism : "", eps: g.scenario === "S3" ? String(g.eps) : ""};
      for (const s of SCENARIOS) change[s] = "";
      // Only the group's scenario: other columns would add their own differences.
      change.dscen = g.scenario;
      return '<a href="#" data-go="' + esc(JSON.stringify(change)) + '">' + n + "</a>";
    };
    h += "<tr><td>" + (t.run + 1) + ": " + esc(RUNS[t.run].label) + "</td><td>" + esc(groupName(g)) + "</td>" +
         testRow(t, link("b", t.b), link("c", t.c)) + "</tr>";
  }
  view.innerHTML = h + "</table>";
  bindLinks();
}

function render() {
  for (const b of document.querySelectorAll("#tabs button"))
    b.setAttribute("aria-current", b.dataset.view === S.view || (S.view === "question" && b.dataset.view === "table") ? "page" : "false");
  if (S.view === "question") renderQuestion();
  else if (S.view === "paired") renderPaired();
  else if (S.view === "compare" && RUNS.length > 1) renderCompare();
  else renderTable();
}

document.getElementById("tabs").innerHTML =
  '<button type="button" data-view="table">Table</button> <button type="button" data-view="paired">Paired tests</button>' +
  (RUNS.length > 1 ? ' <button type="button" data-view="compare">Compare runs</button>' : "");
for (const b of document.querySelectorAll("#tabs button"))
  b.addEventListener("click", () => go({view: b.dataset.view, q: null}, true));
document.addEventListener("keydown", e => {
  if (e.key === "Escape" && S.view === "question") go({view: "table", q: null, focus: ""}, true);
});
window.addEventListener("popstate", () => { readHash(); render(); });
window.addEventListener("hashchange", () => { readHash(); render(); });
readHash();
render();
document.body.dataset.ready = "1";
)JS";

}  // namespace

std::string explorer_chunk_file(size_t k) {
  return "explorer-data/chunk-" + std::to_string(k) + ".js";
}

std::string explorer_page(const std::string& title, const std::string& page_json,
                          const std::vector<std::string>& inline_chunks) {
  std::string s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                  escape_xml(title) + "</title>\n<style>" + kExplorerStyle +
                  "</style>\n</head>\n<body>\n<h1>" + escape_xml(title) + "</h1>\n";
  if (title.rfind("SIMULATED", 0) == 0) {
    s += "<p class=\"simulated\" id=\"simulated\">SIMULATED: results from privqa's simulated "
         "provider. They exercise the engine; they say nothing about real models.</p>\n";
  }
  s += "<nav id=\"tabs\" aria-label=\"views\"></nav>\n<main id=\"view\">This page needs "
       "JavaScript.</main>\n<script type=\"application/json\" id=\"privqa-data\">" +
       page_json + "</script>\n";
  for (size_t k = 0; k < inline_chunks.size(); ++k) {
    s += "<script type=\"application/json\" id=\"privqa-chunk-" + std::to_string(k) + "\">" +
         inline_chunks[k] + "</script>\n";
  }
  return s + "<script>" + kExplorerScript + "</script>\n</body>\n</html>\n";
}

}  // namespace privqa::report
