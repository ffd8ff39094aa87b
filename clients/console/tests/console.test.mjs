// Browser tests of the web console (docs/console.md): Debian's Chromium,
// driven by Playwright (playwright-core; its clientCertificates option
// presents a person's certificate), against the real riec-broker process
// with its real store, started here with certificates made here.
// Screenshots of every page go to <build>/console-screenshots.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

const src = process.env.RIEC_SOURCE_DIR;
const bin = process.env.RIEC_BINARY_DIR;
const assets = process.env.RIEC_CONSOLE_ASSETS;
const riec = join(bin ?? "", "clients/cli/riec");
const policy = join(src ?? "", "policy/convenants/riec-oost-brabant.yaml");
const shots = join(bin ?? "", "console-screenshots");
const chromiumPath = process.env.RIEC_CHROMIUM ?? "/usr/bin/chromium";

let work, clockFile, broker, grpcAddress, origin, browser, caseId, signalId, brokerLog = "";

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...opts });
}

function as(who, ...args) {
  return sh(riec, ["--config", join(work, "clients", `${who}.yaml`), ...args]);
}

function cert(who) {
  return { origin, certPath: join(work, "pki/clients", `${who}.crt`), keyPath: join(work, "pki/clients", `${who}.key`) };
}

async function page(who, name) {
  const context = await browser.newContext({
    clientCertificates: who ? [cert(who)] : [],
    ignoreHTTPSErrors: true,  // Playwright's certificate proxy stands between the page and the broker
    locale: "nl-NL",
  });
  const p = await context.newPage();
  p.on("pageerror", (e) => { throw new Error(`${name}: script error in the page: ${e.message}`); });
  return p;
}

async function screenshot(p, name) {
  await p.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function noWcagViolations(p, name) {
  const r = await new AxeBuilder({ page: p }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  assert.deepEqual(r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length}×)`), [], `${name}: WCAG 2.1 A/AA`);
}

before(async () => {
  assert.ok(src && bin && assets, "run through ctest (RIEC_SOURCE_DIR, RIEC_BINARY_DIR, RIEC_CONSOLE_ASSETS)");
  assert.ok(existsSync(chromiumPath), `${chromiumPath} is missing: deploy/install-deps.sh installs Debian's chromium`);
  work = mkdtempSync(join(tmpdir(), "riec-console-"));
  mkdirSync(shots, { recursive: true });
  const certs = join(src, "certs");
  sh(join(certs, "make-ca.sh"), ["--convenant", "riec-oost-brabant", "--out", join(work, "pki/ca")]);
  sh(join(certs, "issue-server.sh"), ["--ca", join(work, "pki/ca"), "--host", "localhost", "--ip", "127.0.0.1", "--out", join(work, "pki/server")]);
  sh(join(certs, "issue-for-policy.sh"), ["--ca", join(work, "pki/ca"), "--policy", policy, "--out", join(work, "pki/clients"), "--riec", riec]);
  // A CA the broker does not trust, with a chair's certificate.
  sh(join(certs, "make-ca.sh"), ["--convenant", "riec-oost-brabant", "--out", join(work, "pki/other-ca")]);
  sh(join(certs, "issue-client.sh"), ["--ca", join(work, "pki/other-ca"), "--convenant", "riec-oost-brabant", "--partner", "riec",
    "--role", "chair", "--out", join(work, "pki/other")]);

  const consolePort = await freePort();
  origin = `https://127.0.0.1:${consolePort}`;
  const ready = join(work, "ready");
  clockFile = join(work, "clock");
  writeFileSync(clockFile, "0");
  broker = spawn(join(bin, "broker/main/riec-broker"), [
    "--listen", "127.0.0.1:0", "--tls-cert", join(work, "pki/server/broker.crt"), "--tls-key", join(work, "pki/server/broker.key"),
    "--tls-client-ca", join(work, "pki/ca/ca.crt"), "--policy", policy, "--data-dir", join(work, "data"), "--key-dir", join(work, "keys"),
    "--ready-file", ready, "--console-listen", `127.0.0.1:${consolePort}`, "--console-assets", assets, "--test-clock", clockFile],
  { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, RIEC_TESTING: "1" } });
  broker.stderr.on("data", (d) => { brokerLog += d; });
  await new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      if (existsSync(ready) && readFileSync(ready, "utf8").trim()) { clearInterval(poll); resolve(); }
      if (broker.exitCode !== null) { clearInterval(poll); reject(new Error(`riec-broker exited: ${brokerLog}`)); }
    }, 50);
  });
  grpcAddress = readFileSync(ready, "utf8").trim();
  mkdirSync(join(work, "clients"));
  for (const f of sh("ls", [join(work, "pki/clients")]).split("\n").filter((f) => f.endsWith(".crt"))) {
    const who = f.replace(/\.crt$/, "");
    writeFileSync(join(work, "clients", `${who}.yaml`),
      `broker: ${grpcAddress}\nserver_name: localhost\nca: ${join(work, "pki/ca/ca.crt")}\ncert: ${join(work, "pki/clients", f)}\nkey: ${join(work, "pki/clients", `${who}.key`)}\n`);
  }

  // The demo's path up to the casustafel, through the gRPC API.
  sh(join(bin, "tests/synth/riec-synth"), ["--out", join(work, "synth"), "--persons", "300", "--seed", "11"]);
  for (const partner of ["politie", "uwv", "gemeente-eindhoven"]) {
    as(`${partner}-partner-system`, "--on-behalf-of", "browser test", "index", "publish", "--kind", "person-bsn",
      "--csv", join(work, "synth", partner, "person-bsn.csv"));
  }
  const truth = readFileSync(join(work, "synth/ground-truth.csv"), "utf8").split("\n").map((l) => l.split(","));
  const person = truth.find((r) => r[0] === "person-bsn" && /politie/.test(r[2]) && /uwv/.test(r[2]))[1];
  signalId = as("gemeente-eindhoven-partner-system", "signal", "register", "--purpose", "ondermijning",
    "--theme", "huisvesting-arbeidsmigranten", "--reference", "browser", "-q", "--subject", `person-bsn:${person}`).trim();
  as("gemeente-eindhoven-partner-system", "query", "--signal", signalId, "--subject", `person-bsn:${person}`);
  // Five more signals of the same purpose and theme: six in all, a count the statistics show.
  for (let i = 0; i < 5; ++i) {
    as("gemeente-eindhoven-partner-system", "signal", "register", "--purpose", "ondermijning",
      "--theme", "huisvesting-arbeidsmigranten", "--reference", `browser ${i}`, "-q", "--subject", `person-bsn:${person}`);
  }

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  if (broker && broker.exitCode === null) {
    broker.kill("SIGTERM");
    await new Promise((r) => broker.once("exit", r));
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

test("a chair records the casustafel's decision and unlocks, the privacy officer confirms (four-eyes), the case page shows the timeline", async () => {
  const chair = await page("riec-chair", "chair");
  await chair.goto(`${origin}/`);
  await chair.getByText("Aangemeld met het certificaat van").waitFor();
  await screenshot(chair, "start-voorzitter");
  await noWcagViolations(chair, "start");
  await chair.getByRole("link", { name: "Signalen", exact: true }).click();
  await chair.getByRole("link", { name: `Besluit vastleggen: ${signalId}` }).click();
  await chair.getByRole("heading", { name: /Besluit van de casustafel/ }).waitFor();
  await noWcagViolations(chair, "besluit");
  // Checked as the chair types: an incomplete decision is explained, not sent.
  await chair.getByLabel("Noodzaak").fill("Signalen van overbewoning en uitbuiting.");
  await chair.getByRole("button", { name: "Besluit vastleggen" }).click();
  await chair.getByText(/Het besluit is nog niet volledig: .*Kies ten minste één aanwezige partner/).waitFor();
  await screenshot(chair, "besluit-onvolledig");
  await chair.getByLabel("Gemeente Eindhoven").selectOption("yes");
  await chair.getByLabel("Nationale Politie, eenheid Oost-Brabant").selectOption("yes");
  await chair.getByRole("checkbox").first().check();
  await chair.getByLabel("Van (1)").selectOption("politie");
  await chair.getByLabel("Naar (1)").selectOption("gemeente-eindhoven");
  await chair.getByLabel("Proportionaliteit").fill("Alleen de registratie van een bewoner, alleen politie naar gemeente.");
  await chair.getByLabel("Subsidiariteit").fill("De gemeente heeft eigen bronnen geraadpleegd; die volstaan niet.");
  await chair.getByLabel("Gebruiksvoorwaarden (één per regel)").fill("geen actie zonder overleg met de bron");
  await chair.getByRole("button", { name: "Besluit vastleggen" }).click();
  await chair.getByRole("heading", { name: /^Casus C-/ }).waitFor();
  caseId = (await chair.getByRole("heading", { name: /^Casus C-/ }).innerText()).replace(/^Casus /, "");
  await chair.getByRole("button", { name: "Ontgrendelen" }).click();
  await chair.getByText(/Gelukt; vastgelegd in het logboek als record \d+/).waitFor();
  assert.match(await chair.locator("main").innerText(), /voorgesteld/, "four-eyes: still proposed until confirmed");
  await screenshot(chair, "casus-voorzitter");
  await noWcagViolations(chair, "casus");

  const officer = await page("riec-privacy-officer", "privacy officer");
  await officer.goto(`${origin}/#/cases/${caseId}`);
  await officer.getByRole("button", { name: "Bevestigen (vier ogen)" }).click();
  await officer.getByText(/Gelukt; vastgelegd/).waitFor();
  const text = await officer.locator("main").innerText();
  assert.match(text, /ontgrendeld/);
  for (const kind of ["casus voorgesteld", "ontgrendelen gevraagd", "ontgrendelen bevestigd"]) {
    assert.match(text, new RegExp(kind), `timeline shows ${kind}`);
  }
  await screenshot(officer, "casus-privacyfunctionaris");
  await noWcagViolations(officer, "casus (privacy officer)");

  // The broker agrees: the case is unlocked.
  assert.match(as("riec-chair", "case", "show", caseId), /unlocked/i);
});

test("a privacy officer sees the log within its scope; another partner's officer does not see the case's records", async () => {
  const officer = await page("riec-privacy-officer", "privacy officer");
  await officer.goto(`${origin}/#/log`);
  await officer.getByText(/\d+ records\./).waitFor();
  await officer.getByLabel("Casus").fill(caseId);
  await officer.getByRole("button", { name: "Zoeken" }).click();
  await officer.getByText(/^[1-9]\d* records\./).waitFor();
  assert.match(await officer.locator("#results").innerText(), /casus voorgesteld/);
  await screenshot(officer, "logboek");
  await noWcagViolations(officer, "logboek");

  const other = await page("belastingdienst-privacy-officer", "other officer");
  await other.goto(`${origin}/#/log`);
  await other.getByLabel("Casus").fill(caseId);
  await other.getByRole("button", { name: "Zoeken" }).click();
  await other.getByText(/Geen records gevonden|De broker weigerde/).waitFor();
  assert.doesNotMatch(await other.locator("#results").innerText(), /casus voorgesteld|ontgrendelen/);
  // The API itself refuses or answers nothing of it, whatever the page does.
  const answer = await other.evaluate(async (id) => {
    const r = await fetch("/api/riec.v1.Cases/GetCase", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ caseId: id }) });
    return { status: r.status, body: await r.json() };
  }, caseId);
  assert.equal(answer.status, 404, JSON.stringify(answer));
  assert.equal(answer.body.code, "NOT_FOUND");
});

test("log verification in the browser passes, then detects a tampered tree head", async () => {
  const officer = await page("riec-privacy-officer", "privacy officer");
  await officer.goto(`${origin}/#/verify`);
  await officer.getByRole("button", { name: "Verifiëren" }).click();
  await officer.getByText(/Geverifieerd: de handtekening klopt/).waitFor();
  // More records, then again: advanced through a verified consistency proof.
  as("gemeente-eindhoven-partner-system", "signal", "show", signalId);
  await officer.getByRole("button", { name: "Verifiëren" }).click();
  await officer.getByText(/consistent met wat deze browser eerder zag/).waitFor();
  await screenshot(officer, "verificatie");
  await noWcagViolations(officer, "verificatie");

  // A head whose root was changed in transit.
  await officer.route("**/api/riec.v1.Log/GetLatestTreeHead", async (route) => {
    const res = await route.fetch();
    const head = await res.json();
    const root = Buffer.from(head.rootHash, "base64");
    root[0] ^= 1;
    head.rootHash = root.toString("base64");
    await route.fulfill({ response: res, json: head });
  });
  await officer.getByRole("button", { name: "Verifiëren" }).click();
  await officer.getByText(/Verificatie mislukt: de handtekening op de boomkop klopt niet/).waitFor();
  await screenshot(officer, "verificatie-mislukt");
});

test("a browser without a certificate, or with one of another CA, gets no page", async () => {
  for (const [name, options] of [["no certificate", []],
    ["another CA", [{ origin, certPath: join(work, "pki/other/riec-chair.crt"), keyPath: join(work, "pki/other/riec-chair.key") }]]]) {
    const context = await browser.newContext({ clientCertificates: options, ignoreHTTPSErrors: true });
    const p = await context.newPage();
    let loaded = false;
    try {
      const r = await p.goto(`${origin}/`, { timeout: 15000 });
      loaded = r !== null && r.ok() && (await p.content()).includes("RIEC-broker console");
    } catch {
      loaded = false;
    }
    assert.equal(loaded, false, `${name}: the console must not load`);
    await context.close();
  }
});

test("the API: strict headers, cross-site requests refused, bad input named, the broker keeps serving", async () => {
  const officer = await page("riec-privacy-officer", "privacy officer");
  const res = await officer.goto(`${origin}/`);
  const headers = res.headers();
  assert.match(headers["content-security-policy"], /default-src 'none'/);
  assert.match(headers["content-security-policy"], /frame-ancestors 'none'/);
  assert.match(headers["strict-transport-security"], /max-age=/);
  const probe = await officer.evaluate(async () => {
    const post = async (path, body, type = "application/json") => {
      const r = await fetch(path, { method: "POST", headers: { "Content-Type": type }, body });
      return { status: r.status, cache: r.headers.get("cache-control"), body: await r.json() };
    };
    return {
      bad: await post("/api/riec.v1.Audit/ListRecords", JSON.stringify({ filter: { caseId: "x".repeat(40) } })),
      unknownField: await post("/api/riec.v1.Cases/ListCases", JSON.stringify({ nosuchfield: 1 })),
      form: await post("/api/riec.v1.Cases/ListCases", "a=b", "application/x-www-form-urlencoded"),
      noRoute: await post("/api/riec.v1.Nothing/Here", "{}"),
      ok: await post("/api/riec.v1.Cases/ListCases", "{}"),
    };
  });
  assert.equal(probe.bad.status, 400);
  assert.match(probe.bad.body.message, /case_id/);
  assert.equal(probe.unknownField.status, 400);
  assert.match(probe.unknownField.body.message, /nosuchfield/);
  assert.equal(probe.form.status, 400);
  assert.match(probe.form.body.message, /Content-Type/);
  assert.equal(probe.noRoute.status, 501);
  assert.equal(probe.ok.status, 200);
  assert.equal(probe.ok.cache, "no-store");
  // A request another site makes the browser send (its Origin and Sec-Fetch-Site say so).
  const ctx = officer.context().request;
  const cross = await ctx.post(`${origin}/api/riec.v1.Cases/ListCases`, {
    headers: { "Content-Type": "application/json", Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" }, data: "{}" });
  assert.equal(cross.status(), 403);
  assert.equal(broker.exitCode, null, "the broker keeps serving");
});

test("statistics: ended months only, counts below the policy's minimum shown as '< 5' and never sent as numbers", async () => {
  const month = new Date().toISOString().slice(0, 7);
  // The broker's clock moves 45 days on: this month has ended for it.
  writeFileSync(clockFile, String(45 * 86400));
  const coordinator = await page("riec-coordinator", "coordinator");
  await coordinator.goto(`${origin}/#/stats`);
  await coordinator.getByRole("heading", { name: "Statistieken van het RIEC" }).waitFor();
  await coordinator.getByLabel("Van maand").fill(month);
  await coordinator.getByLabel("Tot en met maand").fill(month);
  await coordinator.getByRole("button", { name: "Tonen" }).click();
  await coordinator.getByRole("heading", { name: "Signalen (per thema)" }).waitFor();
  const signals = coordinator.locator("table", { has: coordinator.getByRole("cell", { name: "huisvesting-arbeidsmigranten" }) });
  assert.match(await signals.innerText(), new RegExp(`${month}\\s+ondermijning\\s+huisvesting-arbeidsmigranten\\s+6`));
  const asked = coordinator.locator("h2:text('Bevraagde betrokkenen') + table");
  assert.match(await asked.innerText(), /< 5/, "one subject asked: suppressed");
  await screenshot(coordinator, "statistieken");
  await noWcagViolations(coordinator, "statistieken");
  // The API sends no number for a suppressed count, whatever the filters.
  for (const purpose of ["", "ondermijning"]) {
    const stats = await coordinator.evaluate(async ([m, p]) => {
      const r = await fetch("/api/riec.v1.Audit/GetRiecStatistics", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ fromMonth: m, toMonth: m, purpose: p }) });
      return r.json();
    }, [month, purpose]);
    assert.equal(stats.minCount, 5);
    const hidden = stats.cells.filter((c) => c.suppressed);
    assert.ok(hidden.length > 0, JSON.stringify(stats));
    for (const c of hidden) assert.equal(c.count, "0", `${c.measure}: a suppressed cell carries no count`);
    assert.ok(!stats.cells.some((c) => c.measure === "subjects_asked" && !c.suppressed));
  }
  // A partner system may not read them.
  const system = await page("gemeente-eindhoven-partner-system", "partner system");
  await system.goto(`${origin}/`);
  const refused = await system.evaluate(async (m) => (await fetch("/api/riec.v1.Audit/GetRiecStatistics", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ fromMonth: m, toMonth: m }) })).status, month);
  assert.equal(refused, 403);
});
