// The console's pages. Each page asks the broker through api.js and shows
// only what the broker answered; the broker decides who may see and do
// what (the page only leaves out what the caller's role cannot use).
import { ApiError, call, session } from "./api.js";
import { labels as L, roleName } from "./labels.nl.js";
import { fromBase64, toBase64, toHex, verifyConsistency, verifyHead } from "./verify.js";

const main = document.getElementById("inhoud");
let me = null;

// h("p", {class: "x"}, "text", child, ...): an element; text is never HTML.
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const para = (...c) => h("p", { class: "utrecht-paragraph" }, ...c);
const heading = (level, text) => h(`h${level}`, { class: `utrecht-heading-${level}` }, text);
const link = (href, text, attrs = {}) => h("a", { class: "utrecht-link", href, ...attrs }, text);
const button = (text, onclick, primary = true) =>
  h("button", { type: "button", class: `utrecht-button utrecht-button--${primary ? "primary" : "secondary"}-action`, onclick }, text);

function alertBox(kind, text) {
  return h("div", { class: `utrecht-alert utrecht-alert--${kind}`, role: kind === "error" ? "alert" : "status" },
    h("p", { class: "utrecht-paragraph" }, text));
}

function explain(e) {
  if (e instanceof ApiError) return L.error(e);
  return L.networkError;
}

function table(columns, rows, caption) {
  return h("table", { class: "utrecht-table" },
    caption ? h("caption", { class: "utrecht-table__caption" }, caption) : null,
    h("thead", { class: "utrecht-table__header" },
      h("tr", { class: "utrecht-table__row" }, columns.map((c) => h("th", { class: "utrecht-table__header-cell", scope: "col" }, c)))),
    h("tbody", { class: "utrecht-table__body" },
      rows.map((r) => h("tr", { class: "utrecht-table__row" }, r.map((c) => h("td", { class: "utrecht-table__cell" }, c))))));
}

function date(ts) {
  if (!ts) return "";
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleString("nl-NL", { dateStyle: "medium", timeStyle: "short", timeZone: "Europe/Amsterdam" });
}

// A calendar date (the meeting, an end date): the day itself, whatever the
// browser's time zone.
function day(ts) {
  if (!ts) return "";
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleDateString("nl-NL", { dateStyle: "long", timeZone: "UTC" });
}

function micros(us) {
  return us ? date(new Date(Number(BigInt(us) / 1000n)).toISOString()) : "";
}

function field(label, control, hint) {
  const id = control.id;
  return h("div", { class: "utrecht-form-field" },
    h("label", { class: "utrecht-form-label", for: id }, label),
    hint ? h("div", { class: "utrecht-form-field-description", id: `${id}-hint` }, hint) : null,
    control);
}

function textbox(id, value = "", attrs = {}) {
  return h("input", { class: "utrecht-textbox utrecht-textbox--html-input", id, name: id, value, ...attrs });
}

const allowed = {
  chair: ["home", "signals", "cases"],
  "privacy-officer": ["home", "cases", "log", "verify", "stats"],
  coordinator: ["home", "stats", "cases", "verify"],
};

function navigation(current) {
  const pages = allowed[me?.role] ?? ["home"];
  const names = { home: L.home, signals: L.signals, cases: L.cases, log: L.log, verify: L.verify, stats: L.stats };
  const nav = document.getElementById("nav");
  nav.replaceChildren(h("ul", { class: "console-nav" },
    pages.map((p) => h("li", {}, link(`#/${p === "home" ? "" : p}`, names[p], { "aria-current": p === current ? "page" : null })))));
}

function show(title, ...content) {
  document.title = `${title} – ${L.title}`;
  main.replaceChildren(heading(1, title), ...content);
}

// --- pages -----------------------------------------------------------------

function home() {
  const tasks = L.task[me.role];
  if (!tasks) return show(L.title, alertBox("warning", L.noAccess));
  const targets = { chair: ["signals", "cases"], "privacy-officer": ["log", "cases", "verify", "stats"], coordinator: ["stats", "cases", "verify"] }[me.role];
  show(L.title, para(L.homeIntro),
    h("ul", { class: "utrecht-unordered-list" }, tasks.map((t, i) => h("li", {}, link(`#/${targets[i]}`, t)))));
}

async function signals() {
  const r = await call("riec.v1.Signals/ListSignals", {});
  const rows = (r.signals ?? []).map((s) => [s.id, s.purpose, s.theme, s.owner, date(s.created),
    L.state[s.state] ?? s.state, String((s.subjects ?? []).length),
    s.caseId ? link(`#/cases/${s.caseId}`, s.caseId)
      : s.state === "OPEN" ? link(`#/signals/${s.id}/decide`, L.decide.action, { "aria-label": `${L.decide.action}: ${s.id}` }) : ""]);
  const p = L.signalPage;
  show(p.heading, rows.length ? table([p.id, p.purpose, p.theme, p.owner, p.created, p.state, p.subjects, p.case], rows) : para(p.empty));
}

function subjectLabel(s) {
  return `${s.kind}: ${toHex(fromBase64(s.pseudonym)).slice(0, 16)}…`;
}

// The casustafel's decision on a signal (Cases.ProposeCase), checked as the
// chair types; the broker checks it again against the convenant.
async function decide(signalId) {
  const p = L.decide;
  const [sig, pol] = await Promise.all([call("riec.v1.Signals/GetSignal", { signalId }), call("riec.v1.Operations/GetPolicy", {})]);
  const partners = pol.partners ?? [];
  const today = new Date().toISOString().slice(0, 10);
  const later = new Date(Date.now() + 60 * 86400e3).toISOString().slice(0, 10);
  const select = (id, options, value = "") => h("select", { class: "utrecht-select utrecht-select--html-select", id, name: id },
    options.map(([v, t]) => h("option", { value: v, selected: v === value }, t)));
  const area = (id) => h("textarea", { class: "utrecht-textarea utrecht-textarea--html-textarea", id, name: id, rows: 3, maxlength: 4000 });
  const partnerOptions = [["", p.choose], ...partners.map((x) => [x.id, x.name || x.id])];
  const flows = h("div", {});
  let flowCount = 0;
  const addFlow = () => {
    const n = ++flowCount;
    const row = h("div", { class: "console-form console-flow" },
      field(`${p.from} (${n})`, select(`flow-from-${n}`, partnerOptions)), field(`${p.to} (${n})`, select(`flow-to-${n}`, partnerOptions)));
    flows.append(row);
  };
  addFlow();
  const problems = h("div", { "aria-live": "polite", id: "problems" });
  const form = h("form", { novalidate: true },
    h("fieldset", { class: "utrecht-form-fieldset" }, h("legend", { class: "utrecht-form-fieldset__legend" }, p.meetingSet),
      field(p.meeting, textbox("meeting", today, { type: "date", required: true }))),
    h("fieldset", { class: "utrecht-form-fieldset" }, h("legend", { class: "utrecht-form-fieldset__legend" }, p.presentSet),
      h("div", { class: "console-form" }, partners.map((x) => field(x.name || x.id,
        select(`present-${x.id}`, [["", p.absent], ["yes", p.consents], ["no", p.objects]]))))),
    h("fieldset", { class: "utrecht-form-fieldset" }, h("legend", { class: "utrecht-form-fieldset__legend" }, p.subjectsSet),
      (sig.subjects ?? []).map((s, i) => h("div", { class: "utrecht-form-field utrecht-form-field--checkbox" },
        h("input", { type: "checkbox", class: "utrecht-checkbox utrecht-checkbox--html-input", id: `subject-${i}`, name: `subject-${i}` }),
        h("label", { class: "utrecht-form-label utrecht-form-label--checkbox", for: `subject-${i}` }, subjectLabel(s))))),
    h("fieldset", { class: "utrecht-form-fieldset" }, h("legend", { class: "utrecht-form-fieldset__legend" }, p.flowsSet),
      flows, button(p.addFlow, addFlow, false)),
    field(p.categories, textbox("categories")),
    h("fieldset", { class: "utrecht-form-fieldset" }, h("legend", { class: "utrecht-form-fieldset__legend" }, p.justificationSet),
      field(p.noodzaak, area("noodzaak")), field(p.proportionaliteit, area("proportionaliteit")), field(p.subsidiariteit, area("subsidiariteit"))),
    field(p.useConditions, h("textarea", { class: "utrecht-textarea utrecht-textarea--html-textarea", id: "conditions", name: "conditions", rows: 3 })),
    field(p.ends, textbox("ends", later, { type: "date", required: true })),
    problems,
    h("div", { class: "console-actions" }, h("button", { type: "submit", class: "utrecht-button utrecht-button--primary-action" }, p.submit)));

  const value = (id) => form.elements[id]?.value.trim() ?? "";
  const decision = () => {
    const errors = [];
    const meeting = value("meeting");
    const ends = value("ends");
    if (!/^\d{4}-\d{2}-\d{2}$/.test(meeting)) errors.push(p.need.meeting);
    const present = partners.filter((x) => value(`present-${x.id}`)).map((x) => ({ partner: x.id, consent: value(`present-${x.id}`) === "yes" }));
    if (!present.length) errors.push(p.need.present);
    const subjects = (sig.subjects ?? []).filter((_, i) => form.elements[`subject-${i}`].checked);
    if (!subjects.length) errors.push(p.need.subjects);
    const flowList = [];
    for (let n = 1; n <= flowCount; ++n) {
      const from = value(`flow-from-${n}`);
      const to = value(`flow-to-${n}`);
      if (!from && !to) continue;
      if (from && to && from === to) errors.push(p.need.flowSame(n));
      else if (from && to) flowList.push({ from, to });
    }
    if (!flowList.length) errors.push(p.need.flows);
    const justification = {};
    for (const f of ["noodzaak", "proportionaliteit", "subsidiariteit"]) {
      justification[f] = value(f);
      if (!justification[f] || justification[f].length > 4000) errors.push(p.need.text(p[f]));
    }
    const useConditions = value("conditions").split("\n").map((x) => x.trim()).filter(Boolean);
    if (useConditions.length > 20 || useConditions.some((x) => x.length > 200)) errors.push(p.need.conditions);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(ends) || ends < meeting) errors.push(p.need.ends);
    const categories = value("categories").split(",").map((x) => x.trim()).filter(Boolean);
    return { errors, request: { signalId, decision: { meeting: `${meeting}T00:00:00Z`, present, subjects, flows: flowList, categories,
      justification, useConditions, ends: `${ends}T23:59:59Z` } } };
  };
  let touched = false;
  const check = () => {
    const { errors } = decision();
    problems.replaceChildren(errors.length && touched ? alertBox("warning", `${p.fixFirst} ${errors.join(" ")}`) : "");
    return errors;
  };
  form.addEventListener("input", () => { touched = true; check(); });
  form.addEventListener("change", () => { touched = true; check(); });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    touched = true;
    if (check().length) return;
    try {
      const r = await call("riec.v1.Cases/ProposeCase", decision().request);
      location.hash = `#/cases/${r.case.id}`;
    } catch (e) {
      problems.replaceChildren(alertBox("error", explain(e)));
    }
  });
  show(p.heading(signalId), para(p.intro), form);
}

async function cases() {
  const r = await call("riec.v1.Cases/ListCases", {});
  const p = L.caseList;
  const rows = (r.cases ?? []).map((c) => [link(`#/cases/${c.id}`, c.id), c.signalId, c.purpose, L.state[c.state] ?? c.state,
    date(c.proposed), c.unlockNeeds ?? ""]);
  show(p.heading, rows.length ? table([p.id, p.signal, p.purpose, p.state, p.proposed, p.needs], rows) : para(p.empty));
}

function dl(pairs) {
  return h("dl", { class: "utrecht-data-list" }, pairs.filter(([, v]) => v !== undefined && v !== "" && !(Array.isArray(v) && !v.length))
    .map(([k, v]) => h("div", { class: "utrecht-data-list__item" },
      h("dt", { class: "utrecht-data-list__item-key" }, k),
      h("dd", { class: "utrecht-data-list__item-value" }, Array.isArray(v) ? v.join("; ") : v))));
}

function recordRows(records) {
  const R = L.record;
  return records.map((a) => {
    const r = a.record ?? {};
    const d = r.decision ?? {};
    const who = [r.actor?.name, r.actor?.role ? roleName(r.actor.role) : "", r.actor?.partner].filter(Boolean).join(", ");
    const detail = h("details", {},
      h("summary", {}, R.details),
      dl([[R.rule, d.rule], [R.explanation, d.explanation], [R.legalBasis, d.legalBasis],
          [R.policy, r.policyVersion ? `${r.convenantId} v${r.policyVersion}` : ""], [R.purpose, r.purpose],
          [R.signal, r.signalId], [R.case, r.caseId], [R.recipients, r.recipients ?? []],
          [R.subjects, (r.subjects ?? []).map(subjectLabel)]]));
    return [a.index, micros(r.timeUnixMicros), L.kind[r.kind] ?? r.kind, who, d.allowed ? R.allowed : R.denied, detail];
  });
}

async function caseDetail(id) {
  const p = L.caseDetail;
  const c = await call("riec.v1.Cases/GetCase", { caseId: id });
  const dec = c.decision ?? {};
  const j = dec.justification ?? {};
  const feedback = h("div", { "aria-live": "polite" });
  const act = (method, label) => button(label, async (ev) => {
    ev.target.disabled = true;
    try {
      const r = await call(method, { caseId: id });
      await caseDetail(id);
      main.querySelector("[aria-live]").replaceChildren(alertBox("ok", p.unlocked(r.logIndex)));
    } catch (e) {
      feedback.replaceChildren(alertBox("error", explain(e)));
      ev.target.disabled = false;
    }
  });
  const actions = [];
  if (c.state === "CASE_STATE_PROPOSED" && me.role === "chair" && !c.chairAskedUnlock) actions.push(act("riec.v1.Cases/UnlockCase", p.unlock));
  if (c.state === "CASE_STATE_PROPOSED" && me.role === "privacy-officer" && c.chairAskedUnlock) actions.push(act("riec.v1.Cases/ConfirmCase", p.confirm));
  let timeline = para(p.timelineForOfficers);
  // Only a privacy officer may read the log (an attempt by another role
  // would be a logged refusal).
  if (me.role === "privacy-officer") {
    try {
      const r = await call("riec.v1.Audit/ListRecords", { filter: { caseId: id }, pageSize: 1000 });
      const R = L.record;
      timeline = table([R.index, R.time, R.kind, R.actor, R.decision, R.details], recordRows(r.records ?? []));
    } catch (e) {
      timeline = alertBox("warning", `${p.timelineUnavailable}: ${explain(e)}`);
    }
  }
  show(p.heading(id),
    dl([[L.caseList.state, L.state[c.state] ?? c.state], [L.caseList.signal, c.signalId], [L.caseList.purpose, c.purpose],
        [p.chair, [c.chairName, c.chairPartner].filter(Boolean).join(", ")], [p.unlockRule, c.unlockRule], [p.needs, c.unlockNeeds],
        [p.confirmations, (c.confirmations ?? []).map((x) => `${x.name || roleName(x.role)} (${x.partner}), ${date(x.time)}`)],
        [p.outcome, c.outcome?.code && c.outcome.code !== "OUTCOME_CODE_UNSPECIFIED" ? `${c.outcome.code} ${c.outcome.text ?? ""}` : ""]]),
    h("div", { class: "console-actions" }, actions), feedback,
    heading(2, p.decision),
    dl([[p.meeting, day(dec.meeting)], [p.present, (dec.present ?? []).map((a) => `${a.partner} (${a.consent ? p.consentYes : p.consentNo})`)],
        [p.subjects, (dec.subjects ?? []).map(subjectLabel)],
        [p.flows, (dec.flows ?? []).map((f) => `${f.from} → ${f.to}`)], [p.categories, dec.categories ?? []],
        [p.noodzaak, j.noodzaak], [p.proportionaliteit, j.proportionaliteit], [p.subsidiariteit, j.subsidiariteit],
        [p.useConditions, dec.useConditions ?? []], [p.ends, day(dec.ends)]]),
    heading(2, p.timeline), timeline);
}

const kinds = ["SIGNAL_REGISTERED", "SIGNAL_CLOSED", "STAGE1_ANSWERED", "STAGE1_LATE_HIT", "REQUEST_DENIED", "ASSESSMENTS_REQUESTED",
  "ASSESSMENT_GIVEN", "CASE_PROPOSED", "CASE_CONFIRMED", "CASE_UNLOCK", "CASE_CHANGED", "CASE_ENDED", "KEY_REGISTERED",
  "CONTENT_REQUEST", "CONTENT_PROVISION", "CONTENT_REFUSAL", "CONTENT_FETCH", "POLICY_RELOADED", "RETENTION_SWEEP", "LOG_READ"];

async function logPage() {
  const p = L.logPage;
  const R = L.record;
  const results = h("div", { "aria-live": "polite", id: "results" });
  const kind = h("select", { class: "utrecht-select utrecht-select--html-select", id: "kind", name: "kind" },
    h("option", { value: "" }, p.anyKind), kinds.map((k) => h("option", { value: k }, L.kind[k] ?? k)));
  const form = h("form", { class: "console-form", novalidate: true },
    field(p.from, textbox("from", "", { type: "date" })), field(p.to, textbox("to", "", { type: "date" })),
    field(p.partner, textbox("partner")), field(p.purpose, textbox("purpose")), field(p.signal, textbox("signal")),
    field(p.case, textbox("case")), field(p.kind, kind),
    h("div", {}, h("button", { type: "submit", class: "utrecht-button utrecht-button--primary-action" }, p.search)));
  let token = "";
  let shown = [];
  const search = async (more) => {
    const v = (n) => form.elements[n].value.trim();
    const filter = { partner: v("partner") || undefined, purpose: v("purpose") || undefined, signalId: v("signal") || undefined,
      caseId: v("case") || undefined, kinds: v("kind") ? [v("kind")] : undefined };
    for (const [name, key, label] of [["from", "from", p.from], ["to", "to", p.to]]) {
      if (!v(name)) continue;
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v(name))) return results.replaceChildren(alertBox("error", p.badDate(label)));
      filter[key] = `${v(name)}T00:00:00Z`;
    }
    try {
      const r = await call("riec.v1.Audit/ListRecords", { filter, pageToken: more ? token : "", pageSize: 100 });
      shown = more ? shown.concat(r.records ?? []) : r.records ?? [];
      token = r.nextPageToken ?? "";
      results.replaceChildren(
        shown.length ? para(p.count(shown.length)) : para(p.empty),
        shown.length ? table([R.index, R.time, R.kind, R.actor, R.decision, R.details], recordRows(shown)) : "",
        token ? button(p.more, () => search(true), false) : "");
    } catch (e) {
      results.replaceChildren(alertBox("error", explain(e)));
    }
  };
  form.addEventListener("submit", (ev) => { ev.preventDefault(); search(false); });
  show(p.heading, para(p.intro), h("section", { "aria-label": p.filter }, form), results);
  await search(false);
}

async function verifyPage() {
  const p = L.verifyPage;
  const info = await call("riec.v1.Log/GetLogInfo", {});
  const storeKey = `riec-log-${info.logId}`;
  let saved = JSON.parse(localStorage.getItem(storeKey) ?? "null");
  const keyBox = textbox("logkey", saved?.key ?? info.publicKey, { class: "utrecht-textbox utrecht-textbox--html-input console-mono", "aria-describedby": "logkey-hint" });
  const result = h("div", { "aria-live": "polite" });
  const trusted = h("div", {});
  const showTrusted = (t) => trusted.replaceChildren(t ? dl([[p.size, String(t.size)], [p.root, h("span", { class: "console-mono" }, toHex(fromBase64(t.root)))], [p.time, date(new Date(Number(t.time)).toISOString())]]) : "");
  showTrusted(saved?.head);
  const run = async () => {
    const reasons = p;
    try {
      const key = fromBase64(keyBox.value.trim());
      if (saved?.key && saved.key !== keyBox.value.trim()) throw new Error(p.keyChanged);
      const head = await call("riec.v1.Log/GetLatestTreeHead", { fresh: true });
      await verifyHead(head, key, reasons);
      const size = Number(head.treeSize);
      const before = saved?.head;
      if (before) {
        if (size < before.size) throw new Error(p.shrunk);
        const proof = await call("riec.v1.Log/GetConsistencyProof", { firstSize: String(before.size), secondSize: String(size) });
        const ok = await verifyConsistency(before.size, size, fromBase64(before.root), fromBase64(head.rootHash), (proof.hashes ?? []).map(fromBase64));
        if (!ok) throw new Error(p.badConsistency);
      }
      const next = { key: keyBox.value.trim(), head: { size, root: head.rootHash, time: head.timestampMillis } };
      localStorage.setItem(storeKey, JSON.stringify(next));
      saved = next;
      showTrusted(next.head);
      result.replaceChildren(alertBox("ok", before ? p.ok(size) : p.first(size)));
    } catch (e) {
      result.replaceChildren(alertBox("error", p.failed(e instanceof ApiError ? explain(e) : e.message)));
    }
  };
  show(p.heading, para(p.intro), field(p.key, keyBox, p.keyHint),
    h("div", { class: "console-actions" }, button(p.run, run)), result, heading(2, p.trusted), trusted);
}

// A bar chart of `rows` ([label, count or null when suppressed]); the table
// beside it carries the same numbers for screen readers.
function barChart(rows, title) {
  const NS = "http://www.w3.org/2000/svg";
  const svg = (tag, attrs, text) => {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = text;
    return el;
  };
  const max = Math.max(1, ...rows.map(([, n]) => n ?? 0));
  const width = 640;
  const bar = 22;
  const step = bar + 30;  // the label's line above its bar
  const chart = svg("svg", { viewBox: `0 0 ${width} ${rows.length * step + 8}`, role: "img", "aria-label": title, class: "console-chart" });
  rows.forEach(([label, n], i) => {
    const y = 8 + i * step;
    const length = n === null ? 0 : Math.max(2, ((width - 60) * n) / max);
    chart.append(svg("text", { x: 0, y: y + 14, class: "console-chart-label" }, label));
    if (n !== null) chart.append(svg("rect", { x: 0, y: y + 20, width: length, height: bar, class: "console-chart-bar" }));
    chart.append(svg("text", { x: length + 6, y: y + 20 + bar * 0.7, class: "console-chart-label" }, n === null ? "—" : String(n)));
  });
  return chart;
}

async function statsPage() {
  const p = L.statsPage;
  const now = new Date();
  const lastEnded = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
  const firstOfYear = `${lastEnded.slice(0, 4)}-01`;
  const form = h("form", { class: "console-form", novalidate: true },
    field(p.from, textbox("from-month", firstOfYear, { type: "month" })), field(p.to, textbox("to-month", lastEnded, { type: "month" })),
    field(p.purpose, textbox("purpose")),
    h("div", {}, h("button", { type: "submit", class: "utrecht-button utrecht-button--primary-action" }, p.show)));
  const results = h("div", { "aria-live": "polite", id: "results" });
  const run = async () => {
    const v = (n) => form.elements[n].value.trim();
    for (const [n, label] of [["from-month", p.from], ["to-month", p.to]]) {
      if (!/^\d{4}-\d{2}$/.test(v(n))) return results.replaceChildren(alertBox("error", p.badMonth(label)));
    }
    let s;
    try {
      s = await call("riec.v1.Audit/GetRiecStatistics", { fromMonth: v("from-month"), toMonth: v("to-month"), purpose: v("purpose") });
    } catch (e) {
      return results.replaceChildren(alertBox("error", explain(e)));
    }
    const hidden = `< ${s.minCount}`;
    const shown = (c) => (c.suppressed ? hidden : String(c.count));
    if (!(s.months ?? []).length) return results.replaceChildren(para(p.none));
    const cells = s.cells ?? [];
    if (!cells.length) return results.replaceChildren(para(p.nothing));
    const sections = [para(p.intro(s.minCount))];
    const byMeasure = new Map();
    for (const c of cells) byMeasure.set(c.measure, [...(byMeasure.get(c.measure) ?? []), c]);
    for (const [measure, list] of byMeasure) {
      const name = p.measures[measure] ?? measure;
      sections.push(heading(2, name));
      if (measure === "signals") {
        sections.push(barChart(list.map((c) => [`${c.month} ${c.purpose}${c.label ? " – " + c.label : ""}`, c.suppressed ? null : Number(c.count)]), p.chart(name)));
      }
      const cols = [p.month, L.caseList.purpose, p.label, p.count];
      if (measure === "decisions_timed") cols.push(p.median);
      sections.push(table(cols, list.map((c) => {
        const row = [c.month, c.purpose, c.label, shown(c)];
        if (measure === "decisions_timed") row.push(c.suppressed ? "" : Number(c.daysMedian).toFixed(1));
        return row;
      })));
    }
    // The hit rate where both of its counts are shown.
    const asked = new Map(cells.filter((c) => c.measure === "subjects_asked" && !c.suppressed).map((c) => [`${c.month}|${c.purpose}`, Number(c.count)]));
    const rates = cells.filter((c) => c.measure === "subjects_hit" && !c.suppressed && asked.has(`${c.month}|${c.purpose}`))
      .map((c) => [c.month, c.purpose, `${((100 * Number(c.count)) / asked.get(`${c.month}|${c.purpose}`)).toFixed(1)} %`]);
    if (rates.length) sections.push(heading(2, p.rate), table([p.month, L.caseList.purpose, p.rate], rates));
    const csv = ["month,purpose,measure,label,count,days_median",
      ...cells.map((c) => [c.month, c.purpose, c.measure, `"${c.label.replaceAll('"', '""')}"`, shown(c),
        c.measure === "decisions_timed" && !c.suppressed ? Number(c.daysMedian).toFixed(1) : ""].join(","))].join("\n");
    const download = h("a", { class: "utrecht-link", download: `riec-statistieken-${v("from-month")}-${v("to-month")}.csv`,
      href: URL.createObjectURL(new Blob([csv + "\n"], { type: "text/csv" })) }, p.csv);
    results.replaceChildren(h("p", { class: "utrecht-paragraph" }, download), ...sections);
  };
  form.addEventListener("submit", (ev) => { ev.preventDefault(); run(); });
  show(p.heading, form, results);
  await run();
}

// --- routing ---------------------------------------------------------------

async function route() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  const page = parts[0] ?? "home";
  const permitted = allowed[me.role] ?? ["home"];
  navigation(page);
  main.replaceChildren(para(L.loading));
  try {
    if (!permitted.includes(page)) return home();
    if (page === "signals" && parts[2] === "decide") return await decide(decodeURIComponent(parts[1]));
    if (page === "signals") return await signals();
    if (page === "cases" && parts[1]) return await caseDetail(decodeURIComponent(parts[1]));
    if (page === "cases") return await cases();
    if (page === "log") return await logPage();
    if (page === "verify") return await verifyPage();
    if (page === "stats") return await statsPage();
    return home();
  } catch (e) {
    show(L.title, alertBox("error", explain(e)));
  } finally {
    main.focus();
  }
}

async function start() {
  document.getElementById("skip").textContent = L.skip;
  document.getElementById("nav").setAttribute("aria-label", L.nav);
  try {
    me = await session();
  } catch (e) {
    main.replaceChildren(alertBox("error", explain(e)));
    return;
  }
  document.getElementById("who").textContent = L.signedInAs(me);
  window.addEventListener("hashchange", route);
  await route();
}

start();
