// Drive Debian's headless chromium against k8sagentd's chat UI (run by tests/daemon/ui.py):
//   node ui.js URL OUT_DIR USER_DATA_DIR
// Picks Diagnose and namespace shop, asks, checks the answer streams in token by token, the
// OOMKilled finding and the root-cause badge, the bash code block, the context panel (64Mi),
// and saves a desktop and a phone-width screenshot.
"use strict";
const { chromium } = require("playwright-core");
const path = require("path");

function check(cond, what) {
  if (!cond) throw new Error("UI check failed: " + what);
  console.log("ok - " + what);
}

(async () => {
  const [url, outDir, userDataDir] = process.argv.slice(2);
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1200, height: 900 },
    bypassCSP: true, // waitForFunction evaluates strings; the CSP itself is checked in service-basic.py
  });
  const errors = [];
  try {
    const page = ctx.pages()[0] || await ctx.newPage();
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    const outside = [];
    page.on("request", (r) => { if (!r.url().startsWith(url)) outside.push(r.url()); });

    await page.goto(url + "/");
    check(await page.title() === "k8sagent", "page title");
    await page.click("label:has(#mode-ask)");
    check(await page.isHidden("#ns-wrap"), "Ask mode hides the namespace selector");
    await page.click("label:has(#mode-diagnose)");
    check(await page.isVisible("#ns-wrap"), "Diagnose mode shows the namespace selector");
    await page.waitForSelector("#namespace option[value=shop]", { state: "attached" });
    await page.selectOption("#namespace", "shop");
    await page.fill("#question", "Why is the shop broken?");
    await page.click("#send");

    // Streamed: part of the answer is on the page before the exchange is done.
    await page.waitForFunction(() => {
      const a = document.querySelector(".msg.agent .answer");
      const m = document.querySelector(".msg.agent");
      return a && a.textContent.length > 0 && m && !m.dataset.done;
    }, null, { timeout: 30000 });
    const partial = await page.textContent(".msg.agent .answer");
    await page.waitForSelector(".msg.agent[data-done='1']", { timeout: 60000 });
    const answer = await page.textContent(".msg.agent .answer");
    check(partial.length < answer.length, "answer streamed (partial " + partial.length + " < " + answer.length + " chars)");
    check(answer.includes("OOMKilled"), "answer mentions OOMKilled");
    check(await page.$(".msg.agent .answer pre code.lang-bash") !== null, "bash code block rendered as code");
    check(!(await page.innerHTML(".msg.agent .answer")).includes("<script"), "no markup from the answer");
    const findings = await page.textContent(".msg.agent .findings");
    check(findings.includes("OOMKilled"), "OOMKilled finding listed");
    check(await page.$(".msg.agent .findings li.critical .badge.root") !== null, "root cause marked");
    check(!(await page.getAttribute(".msg.agent details.context", "open")), "context panel starts closed");
    await page.click(".msg.agent details.context summary");
    check(await page.getAttribute(".msg.agent details.context", "open") !== null, "context panel opens");
    const context = await page.textContent(".msg.agent details.context pre");
    check(context.includes("64Mi"), "context shows the 64Mi limit");
    check((await page.textContent(".msg.agent .meta")).length > 0, "model/timings line");
    check(outside.length === 0, "no request left k8sagentd: " + outside.join(", "));
    check(errors.length === 0, "no page errors: " + errors.join("; "));

    // Grow the window to the whole page (a full-page shot would leave the sticky composer
    // floating over the middle of it).
    const h = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 1200, height: Math.min(h + 20, 4000) });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(outDir, "ui.png") });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(200);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, "no horizontal overflow at phone width (" + overflow + " px)");
    await page.evaluate(() => window.scrollTo(0, 0));
    // The viewport only: in a full-page shot the sticky composer would float mid-page.
    await page.screenshot({ path: path.join(outDir, "ui-phone.png") });
    console.log("screenshots in " + outDir);
  } finally {
    await ctx.close();
  }
})().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
