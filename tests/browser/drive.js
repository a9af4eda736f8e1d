// Drives Debian's chromium through web/verify.html, for tests/suite/browser.rs:
// `node drive.js PLAN.json` reads the cases of the plan, does each in a fresh page
// opened from a file URL, and prints one JSON object: per case the verdict the page
// shows, its text, every request the page made and a screenshot's path. The test
// asserts; this only reports.
"use strict";

const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

// Chromium's own background traffic is off, so that what is left is the page's.
const FLAGS = [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--disable-default-apps", "--disable-domain-reliability",
  // A name for the test's own web server that is not localhost: plain http there is
  // not a secure context.
  "--host-resolver-rules=MAP verify.test 127.0.0.1",
];

// A browser without Ed25519 in WebCrypto, as older browsers are.
const NO_ED25519 = `(() => {
  const subtle = crypto.subtle;
  const refuse = (alg) => (alg === "Ed25519" || (alg && alg.name === "Ed25519"));
  const wrap = (name, at) => {
    const real = subtle[name].bind(subtle);
    subtle[name] = (...args) => refuse(args[at])
      ? Promise.reject(new DOMException("Algorithm: Unrecognized name", "NotSupportedError"))
      : real(...args);
  };
  wrap("importKey", 2);
  wrap("verify", 0);
})();`;

async function runCase(browser, plan, c) {
  const context = await browser.newContext({
    viewport: c.viewport || { width: 420, height: 900 },
    deviceScaleFactor: 1,
    permissions: c.camera ? ["camera"] : [],
  });
  const page = await context.newPage();
  const requests = [];
  const errors = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  if (c.noEd25519) await page.addInitScript(NO_ED25519);
  const url = c.url || "file://" + (c.page || plan.page);
  await page.goto(url);
  await page.waitForSelector("body[data-ready=yes]", { timeout: 20000 });
  if (c.registryFile) {
    await page.setInputFiles("#registry-file", c.registryFile);
    await page.waitForFunction(() => document.querySelector("#registry-status").dataset.registry !== "none");
  }
  const registry = await page.$eval("#registry-status", (e) => ({ kind: e.dataset.registry, text: e.innerText }));
  if (c.line !== undefined) {
    await page.fill("#line", c.line);
    await page.click("#check");
  } else if (c.photo) {
    await page.setInputFiles("#photo", c.photo);
  } else if (c.camera) {
    await page.click("#camera-start");
  }
  // Lines given to the page's own check.js, in the page, with its registry.
  const verdicts = c.verdicts
    ? await page.evaluate(async (lines) => {
      const registry = await PishkhanCheck.readRegistry(window.PISHKHAN_REGISTRY, crypto.subtle);
      const out = [];
      for (const l of lines) {
        const v = await PishkhanCheck.verdict(l, registry, crypto.subtle);
        out.push({ kind: v.kind, reason: v.reason });
      }
      return out;
    }, c.verdicts)
    : null;
  let verdict = "none";
  let reason = "";
  let text = "";
  if (c.line !== undefined || c.photo || c.camera || c.noEd25519) {
    await page.waitForFunction(
      () => ["ok", "bad", "cannot"].includes(document.querySelector("#verdict").dataset.verdict),
      null,
      { timeout: 30000 },
    );
    ({ verdict, reason, text } = await page.$eval("#verdict", (e) => ({
      verdict: e.dataset.verdict,
      reason: e.dataset.reason,
      text: e.innerText,
    })));
  }
  // Nothing wider than the screen: a phone would scroll sideways.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  const screenshot = path.join(plan.artifacts, c.name + ".png");
  await page.screenshot({ path: screenshot, fullPage: true });
  const cameraOff = c.camera ? await page.$eval("#camera", (v) => v.hidden && !v.srcObject) : null;
  await context.close();
  return { name: c.name, verdict, reason, text, registry, requests, errors, screenshot, cameraOff, verdicts, overflow };
}

async function main() {
  const plan = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  fs.mkdirSync(plan.artifacts, { recursive: true });
  const results = [];
  // A camera is a launch flag: those cases get a browser of their own.
  const groups = new Map();
  for (const c of plan.cases) {
    const key = c.camera || "";
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(c);
  }
  for (const [camera, cases] of groups) {
    const args = FLAGS.slice();
    if (camera) {
      args.push("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        "--use-file-for-fake-video-capture=" + camera);
    }
    const browser = await chromium.launch({
      executablePath: plan.chromium || "/usr/bin/chromium",
      args,
      headless: true,
    });
    try {
      for (const c of cases) results.push(await runCase(browser, plan, c));
    } finally {
      await browser.close();
    }
  }
  process.stdout.write(JSON.stringify({ browser: "chromium", results }, null, 1) + "\n");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
