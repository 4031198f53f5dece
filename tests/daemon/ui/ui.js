// Drive Debian's headless chromium against k8sagentd's chat UI (run by tests/daemon/ui.py):
//   node ui.js URL OUT_DIR USER_DATA_DIR
// Picks Diagnose and namespace shop, asks, checks the answer streams in token by token, the
// OOMKilled finding and the root-cause badge, the bash code block, the context panel (64Mi),
// and saves a desktop and a phone-width screenshot. Then Investigate: the steps appear as they
// run (collapsed, the exact redacted tool result inside), the answer's verification (a made-up
// pod name and a mutating command listed and highlighted), a follow-up sent with the session,
// and a screenshot of the investigation.
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

    // ---- Investigate: the steps as they come (collapsed, with the exact tool results), the
    // answer streamed and checked against the cluster, a follow-up on the same session.
    await page.setViewportSize({ width: 1200, height: 900 });
    const posted = [];
    page.on("request", (r) => {
      if (r.url().endsWith("/investigate"))
        posted.push({ body: JSON.parse(r.postData() || "{}"), ctype: r.headers()["content-type"] });
    });
    await page.click("label:has(#mode-investigate)");
    check(await page.isVisible("#ns-wrap"), "Investigate mode shows the namespace selector");
    await page.selectOption("#namespace", "shop");
    await page.fill("#question", "Why does cart keep restarting?");
    await page.click("#send");
    const agentDone = (i) => page.waitForFunction((i) => {
      const m = document.querySelectorAll(".msg.agent")[i];
      return m && m.dataset.done === "1";
    }, i, { timeout: 60000 });
    await page.waitForFunction(() => {
      const m = document.querySelectorAll(".msg.agent")[1];
      return m && m.querySelector(".steps li.step") && !m.dataset.done;
    }, null, { timeout: 30000 });
    check(true, "a step is on the page while the investigation still runs");
    await agentDone(1);
    const inv = page.locator(".msg.agent").nth(1);
    const steps = inv.locator(".steps li.step");
    check(await steps.count() === 2, "two steps");
    const s1 = await steps.nth(0).locator("summary").textContent();
    check(s1.includes("get_logs") && s1.includes("previous=true") && s1.includes("chars"), "step 1: get_logs, its arguments, its size: " + s1);
    check((await steps.nth(1).locator("summary").textContent()).includes("get_events"), "step 2: get_events");
    check(await steps.nth(0).locator("details").getAttribute("open") === null, "steps start collapsed");
    check(await steps.nth(0).locator("pre.result").isHidden(), "the result is hidden while collapsed");
    await steps.nth(0).locator("summary").click();
    const r1 = await steps.nth(0).locator("pre.result").textContent();
    check(r1.includes("loading 250000 carts into memory") && r1.includes("```text"), "the exact tool result, fenced, shown when opened");
    check(r1.includes("[REDACTED:password]"), "the Redis password in the log arrives redacted");
    check(!(await page.content()).includes("hunter2"), "the password is nowhere on the page");
    check(await inv.locator(".steps li.thought").count() === 1, "what the model said before a tool call is kept apart");
    const ans = await inv.locator(".answer").textContent();
    check(ans.includes("loading 250000 carts") && ans.includes("256Mi") && !ans.includes("may say why"), "the answer (without the earlier remark)");
    const ver = inv.locator(".verify");
    check(await ver.count() === 1 && !(await ver.getAttribute("class")).includes("ok"), "the verification is shown, with findings");
    check(await ver.locator("code.flag.unknown").textContent() === "cart-7d9f8b6c5-x2x7q", "the made-up pod name is listed");
    check((await ver.locator("code.flag.mutating").textContent()).includes("kubectl -n shop set resources deployment cart"), "the command that changes the cluster is listed");
    check(await inv.locator(".answer mark.flag.unknown").count() >= 1, "the made-up name is highlighted in the answer");
    check(await inv.locator(".answer pre mark.flag.mutating").count() >= 1, "the mutating command is highlighted in its code block");
    check(await page.isVisible("#new-session"), "a New conversation button while a session is open");

    await page.fill("#question", "Is it safe to raise the limit?");
    await page.click("#send");
    await agentDone(2);
    const fu = page.locator(".msg.agent").nth(2);
    check((await page.locator(".msg.user .tag").nth(2).textContent()).startsWith("follow-up"), "the question is marked as a follow-up");
    check(posted.length === 2 && !posted[0].body.session && posted[0].body.namespace === "shop", "the first request names the namespace");
    check(typeof posted[1].body.session === "string" && posted[1].body.session.length === 32 && !posted[1].body.namespace, "the follow-up names the session");
    check(posted.every((p) => p.ctype === "application/json"), "requests sent as application/json");
    check((await fu.locator(".answer").textContent()).includes("kind-worker"), "the follow-up is answered");
    check((await fu.locator(".meta").textContent()).includes("same snapshot"), "on the same snapshot");
    check(await fu.locator(".verify.ok").count() === 1, "a clean answer is marked as checked");
    check(outside.length === 0, "no request left k8sagentd: " + outside.join(", "));
    check(errors.length === 0, "no page errors: " + errors.join("; "));
    // Only the investigation in the picture: hide the diagnosis above it.
    await page.evaluate(() => {
      document.querySelectorAll(".msg").forEach((m, i) => { if (i < 2) m.style.display = "none"; });
      window.scrollTo(0, 0);
    });
    const h3 = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 1200, height: Math.min(h3 + 20, 4000) });
    await page.screenshot({ path: path.join(outDir, "ui-investigate.png") });
    await page.evaluate(() => document.querySelectorAll(".msg").forEach((m) => { m.style.display = ""; }));
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(200);
    const overflow2 = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow2 <= 1, "no horizontal overflow at phone width with steps open (" + overflow2 + " px)");
    await page.click("#new-session");
    check(await page.isHidden("#new-session"), "New conversation ends the session on the page");
    console.log("screenshots in " + outDir);
  } finally {
    await ctx.close();
  }
})().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
