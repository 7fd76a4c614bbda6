// The operations console: one page over the management API (README "Operations console").
// No framework, nothing fetched from elsewhere; every value is written with textContent.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { selected: null, openapi: null, ops: [], artifacts: [] };

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function notice(text, bad) {
  const n = $("notice");
  n.textContent = text;
  n.className = bad ? "error" : "";
}

// One management call: {status, body} (body parsed when JSON).
async function api(method, path, body) {
  const headers = {};
  const token = $("token").value.trim();
  if (token) headers["Authorization"] = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed = text;
  try { parsed = JSON.parse(text); } catch (e) { /* not JSON */ }
  return { status: res.status, body: parsed };
}

function failure(what, r) {
  const msg = r.body && r.body.error ? r.body.error.code + ": " + r.body.error.message : "HTTP " + r.status;
  notice(what + " failed: " + msg, true);
}

const fmt = (x) => (x === 0 ? "–" : x < 10 ? x.toFixed(2) : x.toFixed(1));

function renderArtifacts(list) {
  const body = $("artifacts").tBodies[0];
  body.replaceChildren();
  for (const a of list) {
    const f = a.figures ? a.figures.lastMinute : null;
    const row = el("tr", { "data-name": a.name, "data-kind": a.kind },
      el("td", {}, el("button", { type: "button", class: "link", onclick: () => select(a.name, a.kind) }, a.name)),
      el("td", {}, a.kind),
      el("td", { class: a.status || "" }, a.status || "–"),
      el("td", { class: "num" }, f ? f.ratePerSecond.toFixed(2) : "–"),
      el("td", { class: "num" }, f ? fmt(f.p50Ms) : "–"),
      el("td", { class: "num" }, f ? fmt(f.p99Ms) : "–"),
      el("td", { class: "num" }, f ? f.errors : "–"));
    if (a.name === state.selected && a.kind === state.kind) row.classList.add("selected");
    body.append(row);
  }
}

function renderUpstreams(list) {
  const body = $("upstreams").tBodies[0];
  body.replaceChildren();
  if (list.length === 0) body.append(el("tr", {}, el("td", { colspan: "5", class: "sub" }, "no upstream called yet")));
  for (const u of list) {
    body.append(el("tr", {},
      el("td", {}, u.upstream),
      el("td", { class: u.suspended ? "suspended" : "active" }, u.suspended ? "suspended" : "calling"),
      el("td", { class: "num" }, u.suspended ? (u.retryInMs / 1000).toFixed(1) + " s" : "–"),
      el("td", { class: "num" }, u.consecutiveFailures),
      el("td", { class: "num" }, u.idleConnections)));
  }
}

function renderTokenStore(t) {
  const counts = t.connectors.map((c) => `${c.connector}: ${c.cachedTokens} cached`).join(", ");
  $("tokenstore").replaceChildren(
    el("span", { class: t.connected ? "active" : "error" }, `${t.kind} (${t.detail})`),
    document.createTextNode(" · " + counts));
}

function renderReload(r) {
  const box = $("reload-result");
  box.replaceChildren(el("p", { class: r.ok ? "active" : "error" }, r.ok ? "applied: " + r.summary : "refused"));
  if (r.errors.length) box.append(el("pre", { id: "reload-errors" }, r.errors.join("\n")));
}

async function refresh() {
  const [arts, ups, rel, log, tok] = await Promise.all([
    api("GET", "/management/artifacts"), api("GET", "/management/upstreams"),
    api("GET", "/management/reload"), api("GET", "/management/logging"),
    api("GET", "/management/tokenstore")]);
  if (arts.status !== 200) { failure("listing artifacts", arts); return; }
  state.artifacts = arts.body.artifacts;
  $("summary").textContent = arts.body.summary;
  renderArtifacts(state.artifacts);
  if (ups.status === 200) renderUpstreams(ups.body.upstreams);
  if (rel.status === 200) renderReload(rel.body);
  if (tok.status === 200) renderTokenStore(tok.body);
  if (log.status === 200 && document.activeElement !== $("log-level")) $("log-level").value = log.body.level;
  if (state.selected) await refreshDetail(false);
}

// The chart: requests per second as bars, p99 per second as a line, over the last minute.
function drawChart(fig) {
  const svg = $("chart");
  const ns = "http://www.w3.org/2000/svg";
  svg.replaceChildren();
  const W = 600, H = 140, n = fig.perSecond.length, bw = W / n;
  const maxReq = Math.max(1, ...fig.perSecond), maxMs = Math.max(1, ...fig.p99PerSecondMs);
  fig.perSecond.forEach((c, i) => {
    const h = (c / maxReq) * (H - 20);
    const r = document.createElementNS(ns, "rect");
    r.setAttribute("x", i * bw + 1); r.setAttribute("y", H - h); r.setAttribute("width", bw - 2);
    r.setAttribute("height", h); r.setAttribute("fill", "#9ec1f7");
    svg.append(r);
  });
  const pts = fig.p99PerSecondMs.map((ms, i) => `${i * bw + bw / 2},${H - (ms / maxMs) * (H - 20)}`);
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", pts.join(" ")); line.setAttribute("fill", "none");
  line.setAttribute("stroke", "#b42318"); line.setAttribute("stroke-width", "2");
  svg.append(line);
  const label = document.createElementNS(ns, "text");
  label.setAttribute("x", 4); label.setAttribute("y", 14); label.setAttribute("font-size", "11");
  label.textContent = `max ${maxReq} req/s · p99 max ${maxMs.toFixed(2)} ms`;
  svg.append(label);
}

function renderFigures(fig) {
  const dl = $("figures");
  dl.replaceChildren();
  const m = fig.lastMinute;
  const statuses = Object.entries(fig.byStatus).map(([s, n]) => `${s}: ${n}`).join(", ") || "–";
  for (const [k, v] of [["requests since start", fig.requests], ["by status", statuses],
    ["last minute", `${m.requests} requests, ${m.errors} errors`],
    ["latency (1 min)", `p50 ${fmt(m.p50Ms)} ms · p99 ${fmt(m.p99Ms)} ms`]]) {
    dl.append(el("dt", {}, k), el("dd", {}, v));
  }
  drawChart(fig);
}

async function refreshDetail(full) {
  const r = await api("GET", "/management/artifacts/" + encodeURIComponent(state.selected) + "?kind=" + state.kind);
  if (r.status !== 200) { failure("reading " + state.selected, r); return; }
  const a = r.body;
  $("detail-h").textContent = `${a.kind} ${a.name}`;
  const where = a.kind === "endpoint" ? `${a.method} ${a.url}` : a.path || a.context || "";
  $("detail-meta").textContent = [where, a.file, a.description || ""].filter(Boolean).join(" · ");
  const toggle = $("toggle-active");
  const switchable = a.kind === "proxy" || a.kind === "api";
  toggle.hidden = !switchable;
  toggle.textContent = a.status === "inactive" ? "Activate" : "Deactivate";
  toggle.dataset.active = a.status;
  $("artifact-level-label").hidden = !switchable;
  if (document.activeElement !== $("artifact-log-level")) $("artifact-log-level").value = a.logLevel || "inherit";
  if (a.figures) renderFigures(a.figures);
  $("figures").hidden = !a.figures;
  $("chart").parentElement.hidden = !a.figures;
  if (full) {
    $("yaml").textContent = a.yaml;
    $("compiled").textContent = compiledText(a);
    await buildTryForm(a);
  }
}

// The steps as the gateway compiled them, one line per flow (an API: one per resource).
function compiledText(a) {
  const line = (c) => c.steps.join(" → ") + (c.onError ? `  (onError: ${c.onError.join(" → ")})` : "")
    + (c.suspends ? "" : "  [never waits]");
  if (a.resources) return a.resources.map((r) => `${(r.methods.join(",") || "ANY")} ${r.resource}: ${line(r.compiled)}`).join("\n");
  return a.compiled ? line(a.compiled) : "";
}

async function select(name, kind) {
  state.selected = name;
  state.kind = kind;
  $("detail").hidden = false;
  for (const row of $("artifacts").tBodies[0].rows) row.classList.toggle("selected", row.dataset.name === name && row.dataset.kind === kind);
  await refreshDetail(true);
}

// The try-it operations of an artifact, from the OpenAPI document.
function operationsOf(a) {
  const ops = [];
  for (const [path, item] of Object.entries(state.openapi.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const mine = a.kind === "proxy" ? path === "/services/" + a.name
        : a.kind === "api" && op.operationId && op.operationId.startsWith(a.name + ":");
      if (mine) ops.push({ path, method: method.toUpperCase(), op });
    }
  }
  return ops;
}

function exampleBody(op) {
  const content = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
  if (!content) return null;
  const props = (content.schema && content.schema.properties) || {};
  const example = {};
  for (const [k, s] of Object.entries(props)) example[k] = s.type === "integer" || s.type === "number" ? 0 : s.type === "boolean" ? false : "";
  return JSON.stringify(example, null, 2);
}

function showOperation() {
  const o = state.ops[Number($("try-op").value)];
  const box = $("try-params");
  box.replaceChildren();
  for (const p of o.op.parameters || []) {
    const id = "param-" + p.in + "-" + p.name;
    box.append(el("label", { for: id }, `${p.name} (${p.in}${p.required ? ", required" : ""})`,
      el("input", { type: "text", id, "data-in": p.in, "data-name": p.name })));
  }
  const body = exampleBody(o.op);
  $("try-body-label").hidden = body === null;
  $("try-body").value = body === null ? "" : body;
}

async function buildTryForm(a) {
  const form = $("try-form");
  $("try-answer").replaceChildren();
  if (a.kind !== "proxy" && a.kind !== "api") { form.hidden = true; return; }
  const doc = await api("GET", "/management/openapi.json");
  if (doc.status !== 200) { failure("reading the OpenAPI document", doc); return; }
  state.openapi = doc.body;
  state.ops = operationsOf(a);
  form.hidden = state.ops.length === 0;
  const sel = $("try-op");
  sel.replaceChildren(...state.ops.map((o, i) => el("option", { value: String(i) }, `${o.method} ${o.path}`)));
  if (state.ops.length) showOperation();
}

async function sendTry(event) {
  event.preventDefault();
  const o = state.ops[Number($("try-op").value)];
  let path = o.path;
  const query = [];
  for (const input of $("try-params").querySelectorAll("input")) {
    const v = input.value;
    if (input.dataset.in === "path") path = path.replace("{" + input.dataset.name + "}", encodeURIComponent(v));
    else if (v !== "") query.push(encodeURIComponent(input.dataset.name) + "=" + encodeURIComponent(v));
  }
  if (query.length) path += "?" + query.join("&");
  const call = { method: o.method, path, headers: { Accept: "application/json" } };
  if (!$("try-body-label").hidden) { call.body = $("try-body").value; call.headers["Content-Type"] = "application/json"; }
  const r = await api("POST", "/management/try", call);
  const out = $("try-answer");
  out.replaceChildren();
  if (r.status !== 200) { failure("try-it", r); return; }
  const a = r.body;
  let shown = a.body;
  try { shown = JSON.stringify(JSON.parse(a.body), null, 2); } catch (e) { /* as sent */ }
  out.append(el("p", { id: "try-status", class: a.status < 400 ? "active" : "error" },
    `${o.method} ${path} → ${a.status} in ${a.ms.toFixed(1)} ms`),
    el("table", { id: "try-headers" }, el("tbody", {}, ...a.headers.map(([k, v]) => el("tr", {}, el("th", { scope: "row" }, k), el("td", {}, v))))),
    el("pre", { id: "try-body-out" }, shown));
  notice("");
  refresh();
}

async function setLevel() {
  const level = $("log-level").value;
  const r = await api("PUT", "/management/logging", { level });
  if (r.status === 200) notice("log level is now " + r.body.level); else failure("changing the log level", r);
}

async function setArtifactLevel() {
  const level = $("artifact-log-level").value;
  const r = await api("PUT", "/management/logging", { level, artifact: state.selected });
  if (r.status === 200) notice(`${state.selected} logs at ${r.body.artifacts[state.selected] || "the gateway's level"}`);
  else failure("changing the log level of " + state.selected, r);
}

async function reload() {
  const r = await api("POST", "/management/reload");
  if (r.status !== 200) { failure("reload", r); return; }
  renderReload(r.body);
  notice(r.body.ok ? "reloaded: " + r.body.summary : "reload refused: the serving set is unchanged", !r.body.ok);
  refresh();
}

async function toggleActive() {
  const action = $("toggle-active").dataset.active === "inactive" ? "activate" : "deactivate";
  const r = await api("POST", `/management/artifacts/${encodeURIComponent(state.selected)}/${action}`);
  if (r.status !== 200) { failure(action, r); return; }
  notice(`${r.body.name} is now ${r.body.status}`);
  refresh();
}

document.addEventListener("DOMContentLoaded", () => {
  $("token").value = sessionStorage.getItem("flowgate-token") || "";
  $("token").addEventListener("change", () => sessionStorage.setItem("flowgate-token", $("token").value));
  $("log-level").addEventListener("change", setLevel);
  $("reload").addEventListener("click", reload);
  $("toggle-active").addEventListener("click", toggleActive);
  $("artifact-log-level").addEventListener("change", setArtifactLevel);
  $("try-op").addEventListener("change", showOperation);
  $("try-form").addEventListener("submit", sendTry);
  refresh();
  setInterval(refresh, 2000);
});
