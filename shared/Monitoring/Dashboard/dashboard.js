// The dashboard: polls the API every few seconds and redraws. In Azure the page is opened with ?code=<function key>;
// the same key goes on every API call.
"use strict";
const key = new URLSearchParams(location.search).get("code");
const api = (path) => "/api/" + path + (key ? (path.includes("?") ? "&" : "?") + "code=" + encodeURIComponent(key) : "");
const refreshMs = 3000;
let selected = new URLSearchParams(location.search).get("job");

async function getJson(path) {
  const response = await fetch(api(path), { cache: "no-store" });
  if (!response.ok) throw new Error(path + ": HTTP " + response.status + " " + (await response.text()));
  return response.json();
}

const fixed = (v, digits) => v === null || v === undefined ? "" : v.toFixed(digits);
function duration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return s + "s";
  if (s < 3600) return Math.floor(s / 60) + "m" + String(s % 60).padStart(2, "0") + "s";
  return Math.floor(s / 3600) + "h" + String(Math.floor(s % 3600 / 60)).padStart(2, "0") + "m";
}
function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function drawQueues(queues) {
  const body = document.querySelector("#queues tbody");
  body.replaceChildren();
  for (const q of queues) {
    const row = body.insertRow();
    if (q.is_poison && q.approximate_depth > 0) row.className = "poison-alert";
    cell(row, q.name + (q.exists ? "" : " (not created)"));
    cell(row, String(q.approximate_depth), "num");
    cell(row, duration(q.oldest_message_age_seconds), "num");
  }
}

function drawJobs(jobs) {
  const body = document.querySelector("#jobs tbody");
  body.replaceChildren();
  if (!selected && jobs.length > 0) selected = jobs[0].job_id;
  for (const j of jobs) {
    const row = body.insertRow();
    row.dataset.job = j.job_id;
    if (j.job_id === selected) row.classList.add("selected");
    row.onclick = () => { selected = j.job_id; refresh(); };
    cell(row, j.book);
    cell(row, j.state + (j.cancel_requested && j.state !== "cancelled" ? " (cancel requested)" : ""), "state-" + j.state);
    cell(row, j.total_steps ? j.step + "/" + j.total_steps : "", "num");
    cell(row, fixed(j.loss, 4), "num");
    cell(row, fixed(j.mlm_accuracy, 3), "num");
    cell(row, j.tokens_per_second ? Math.round(j.tokens_per_second).toLocaleString("en") : "", "num");
    cell(row, j.state === "training" ? duration(j.eta_seconds) : "", "num");
    cell(row, duration((Date.now() - Date.parse(j.created)) / 1000), "num");
    cell(row, j.error || "", "error");
  }
}

// One SVG line chart: MLM and NSP loss on the left axis, learning rate on its own right axis.
function drawCurve(points) {
  const svg = document.getElementById("curve");
  const w = 720, h = 260, left = 48, right = 64, top = 12, bottom = 28;
  const ns = "http://www.w3.org/2000/svg";
  const el = (name, attributes, text) => {
    const e = document.createElementNS(ns, name);
    for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.appendChild(e);
    return e;
  };
  svg.replaceChildren();
  if (points.length === 0) { el("text", { x: w / 2 - 60, y: h / 2 }, "no steps logged yet"); return; }
  const steps = points.map(p => p.step);
  const losses = points.flatMap(p => [p.mlm_loss, p.nsp_loss]).filter(v => v !== null && v !== undefined);
  const rates = points.map(p => p.learning_rate).filter(v => v !== null && v !== undefined);
  const x0 = Math.min(...steps), x1 = Math.max(...steps, x0 + 1);
  const y1 = Math.max(...losses, 1e-9), lr1 = Math.max(...rates, 1e-12);
  const x = s => left + (s - x0) / (x1 - x0) * (w - left - right);
  const y = v => top + (1 - v / y1) * (h - top - bottom);
  const ylr = v => top + (1 - v / lr1) * (h - top - bottom);
  const path = (field, scale, className) => {
    const d = points.filter(p => p[field] !== null && p[field] !== undefined)
      .map((p, i) => (i ? "L" : "M") + x(p.step).toFixed(1) + "," + scale(p[field]).toFixed(1)).join("");
    if (d) el("path", { d, class: className, "data-points": points.length });
  };
  el("line", { x1: left, y1: h - bottom, x2: w - right, y2: h - bottom, class: "axis" });
  el("line", { x1: left, y1: top, x2: left, y2: h - bottom, class: "axis" });
  el("text", { x: 4, y: top + 8 }, y1.toFixed(2));
  el("text", { x: 4, y: h - bottom }, "0");
  el("text", { x: w - right + 4, y: top + 8 }, lr1.toExponential(1));
  el("text", { x: left, y: h - 8 }, "step " + x0);
  el("text", { x: w - right - 60, y: h - 8 }, "step " + x1);
  path("mlm_loss", y, "mlm");
  path("nsp_loss", y, "nsp");
  path("learning_rate", ylr, "lr");
}

function drawEval(result) {
  const body = document.querySelector("#eval tbody");
  body.replaceChildren();
  // The adaptation report: the start and final model on the book's held-out text and on the control text.
  const before = result?.eval_before, after = result?.eval_after;
  const controlBefore = result?.control_before, controlAfter = result?.control_after;
  document.getElementById("eval").hidden = !before && !after && !controlBefore && !controlAfter;
  for (const metric of Object.keys(before || after || controlBefore || controlAfter || {})) {
    const row = body.insertRow();
    const show = v => typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : (v ?? "");
    cell(row, metric);
    cell(row, show(before?.[metric]), "num");
    cell(row, show(after?.[metric]), "num");
    cell(row, show(controlBefore?.[metric]), "num");
    cell(row, show(controlAfter?.[metric]), "num");
  }
}

async function refresh() {
  const problem = document.getElementById("problem");
  try {
    const [queues, jobs] = await Promise.all([getJson("queues"), getJson("jobs?limit=50")]);
    drawQueues(queues);
    drawJobs(jobs);
    if (selected) {
      const [job, metrics] = await Promise.all([getJson("jobs/" + selected), getJson("jobs/" + selected + "/metrics")]);
      document.getElementById("job").hidden = false;
      document.getElementById("job-title").textContent = job.source.name + " (" + job.job_id + ")";
      const estimate = document.getElementById("estimate");
      estimate.textContent = job.estimate ? "estimate: " + job.estimate.summary : "";
      estimate.hidden = !job.estimate;
      drawCurve(metrics);
      drawEval(job.result);
    }
    document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString("en-GB");
    problem.hidden = true;
  } catch (e) {
    problem.textContent = e.message;
    problem.hidden = false;
  }
}

refresh();
setInterval(refresh, refreshMs);
