// k8sagent chat UI. Plain DOM, no framework, nothing fetched from outside.
// Everything the server sends (model text, findings, context) is untrusted: it is put in the
// page only through textContent / createTextNode, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const log = $("log");
let token = sessionStorage.getItem("k8sa-token") || "";
let busy = false;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function headers(extra) {
  const h = Object.assign({}, extra || {});
  if (token) h["Authorization"] = "Bearer " + token;
  return h;
}

// fetch with the bearer token; on 401 ask for the token once and retry.
async function api(path, opts) {
  opts = opts || {};
  for (let attempt = 0; attempt < 2; attempt++) {
    const r = await fetch(path, Object.assign({}, opts, { headers: headers(opts.headers) }));
    if (r.status !== 401 || attempt === 1) return r;
    const t = window.prompt("This k8sagentd requires an API token:");
    if (!t) return r;
    token = t.trim();
    sessionStorage.setItem("k8sa-token", token);
  }
}

// ---- Markdown (a small, safe subset: fenced code, inline code, bold, headings, lists) -----
function inline(parent, text) {
  const re = /(`[^`\n]+`|\*\*[^*\n]+\*\*)/g;
  let last = 0, m;
  while ((m = re.exec(text))) {
    if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
    const s = m[0];
    if (s[0] === "`") parent.appendChild(el("code", null, s.slice(1, -1)));
    else parent.appendChild(el("strong", null, s.slice(2, -2)));
    last = m.index + s.length;
  }
  if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
}

function renderMarkdown(target, src) {
  target.textContent = "";
  const lines = src.replace(/\r\n/g, "\n").split("\n");
  let i = 0, para = [], list = null;
  const flushPara = () => {
    if (para.length) { const p = el("p"); inline(p, para.join("\n")); target.appendChild(p); para = []; }
  };
  const flushList = () => { list = null; };
  while (i < lines.length) {
    const line = lines[i];
    const fence = line.match(/^\s*(```+|~~~+)\s*([\w+-]*)\s*$/);
    if (fence) {
      flushPara(); flushList();
      const marker = fence[1], lang = fence[2];
      const body = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(marker)) body.push(lines[i++]);
      i++; // closing fence (or end of a still-streaming block)
      const pre = el("pre");
      if (lang) pre.appendChild(el("span", "lang", lang));
      pre.appendChild(el("code", lang ? "lang-" + lang : null, body.join("\n")));
      target.appendChild(pre);
      continue;
    }
    const h = line.match(/^(#{1,4})\s+(.*)$/);
    const li = line.match(/^\s*(?:[-*+]|(\d+)[.)])\s+(.*)$/);
    if (h) {
      flushPara(); flushList();
      const e = el(h[1].length <= 2 ? "h3" : "h4"); inline(e, h[2]); target.appendChild(e);
    } else if (li) {
      flushPara();
      const tag = li[1] ? "ol" : "ul";
      if (!list || list.tagName.toLowerCase() !== tag) { list = el(tag); target.appendChild(list); }
      const item = el("li"); inline(item, li[2]); list.appendChild(item);
    } else if (!line.trim()) {
      flushPara(); flushList();
    } else {
      flushList(); para.push(line);
    }
    i++;
  }
  flushPara();
}

// ---- findings ---------------------------------------------------------------------------
function findingsList(data) {
  const list = Array.isArray(data) ? data : (data && Array.isArray(data.findings) ? data.findings : []);
  const wrap = el("div", "findings-wrap");
  if (!list.length) { wrap.appendChild(el("div", "note", "No problems found by the analyzers.")); return wrap; }
  wrap.appendChild(el("div", "findings-head", "Findings (" + list.length + ")"));
  const ul = el("ul", "findings");
  const rank = { critical: 0, warning: 1, info: 2 };
  list.slice().sort((a, b) => (b.root_cause ? 1 : 0) - (a.root_cause ? 1 : 0) ||
      (rank[a.severity] ?? 3) - (rank[b.severity] ?? 3)).forEach((f) => {
    const sev = String(f.severity || "info").toLowerCase();
    const li = el("li", sev);
    const head = el("div", "heading");
    head.appendChild(el("span", "badge " + sev, sev));
    if (f.root_cause) head.appendChild(el("span", "badge root", "root cause"));
    if (f.code) head.appendChild(el("span", "badge code", f.code));
    head.appendChild(el("span", "obj", (f.kind ? f.kind + "/" : "") + (f.name || "") +
      (f.container ? " (" + f.container + ")" : "")));
    li.appendChild(head);
    if (f.summary) li.appendChild(el("span", "summary", f.summary));
    ul.appendChild(li);
  });
  wrap.appendChild(ul);
  return wrap;
}

// ---- SSE over fetch ---------------------------------------------------------------------
// POST a JSON request for a Server-Sent Events answer; an error answer (JSON {"error"}) or
// any other content type throws an Error carrying the message and the HTTP status.
async function openStream(path, req) {
  const r = await api(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Accept": "text/event-stream" },
    body: JSON.stringify(req),
  });
  const ctype = r.headers.get("Content-Type") || "";
  if (!r.ok || !ctype.startsWith("text/event-stream")) {
    let msg = r.status + " " + r.statusText;
    try { const j = await r.json(); if (j.error) msg = j.error; } catch (e) { /* not JSON */ }
    const err = new Error(msg);
    err.status = r.status;
    throw err;
  }
  return r;
}

async function* sse(body) {
  const reader = body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let k;
    while ((k = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, k);
      buf = buf.slice(k + 2);
      let event = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data += (data ? "\n" : "") + line.slice(5).replace(/^ /, "");
      }
      let parsed = null;
      try { parsed = data ? JSON.parse(data) : null; } catch (e) { parsed = { raw: data }; }
      yield { event, data: parsed };
    }
  }
}

function fmtMs(ms) { return ms >= 1000 ? (ms / 1000).toFixed(1) + " s" : Math.round(ms) + " ms"; }

function metaLine(done) {
  const parts = [];
  if (done.model) parts.push(done.model);
  const t = done.timings || {};
  if (t.snapshot_ms != null) parts.push("snapshot " + fmtMs(t.snapshot_ms));
  const l = t.llm || {};
  if (l.first_token_ms != null) parts.push("first token " + fmtMs(l.first_token_ms));
  if (l.total_ms != null) parts.push("answer " + fmtMs(l.total_ms));
  if (l.tokens_per_second != null) parts.push(Number(l.tokens_per_second).toFixed(1) + " tok/s");
  if (done.cached) parts.push("cached");
  return parts.join(" · ");
}

// ---- one exchange -----------------------------------------------------------------------
async function send(question) {
  const mode = document.querySelector("input[name=mode]:checked").value;
  const ns = $("namespace").value;
  const intro = $("intro");
  if (intro) intro.remove();
  const follow = mode === "investigate" && conv && conv.ns === ns;

  const u = el("div", "msg user");
  const bubble = el("div", "bubble");
  bubble.appendChild(el("span", "tag", mode === "ask" ? "ask ·" : follow ? "follow-up ·" : mode + " " + ns + " ·"));
  bubble.appendChild(document.createTextNode(question));
  u.appendChild(bubble);
  log.appendChild(u);

  const a = el("div", "msg agent");
  const card = el("div", "card");
  a.appendChild(card);
  log.appendChild(a);
  const status = el("div", "note", mode === "ask" ? "Thinking…" : follow ? "Continuing the investigation…" :
    "Reading namespace " + ns + "…");
  card.appendChild(status);
  const findingsBox = el("div");
  const answerHead = el("div", "section-head", "Answer");
  answerHead.hidden = true;
  const answer = el("div", "answer");
  const notes = el("div"); // apart from `answer`, which is re-rendered as tokens arrive
  const meta = el("div", "meta");
  card.append(findingsBox, answerHead, answer, notes, meta);
  a.scrollIntoView({ block: "end" });
  if (mode === "investigate")
    return investigate(question, ns, follow, { a, card, status, findingsBox, answerHead, answer, notes, meta });

  const req = { question: question, stream: true };
  if (mode === "diagnose") req.namespace = ns;
  let text = "", pending = false, ended = false;
  const paint = () => { pending = false; renderMarkdown(answer, text); window.scrollTo(0, document.body.scrollHeight); };
  try {
    const r = await openStream("/" + mode, req);
    for await (const ev of sse(r.body)) {
      const d = ev.data || {};
      if (ev.event === "context") {
        const det = el("details", "context");
        det.appendChild(el("summary", null, "Context the agent read"));
        det.appendChild(el("pre", null, d.context || "(no context)"));
        if (Array.isArray(d.gaps) && d.gaps.length)
          det.appendChild(el("div", "note", "Could not read: " + d.gaps.join("; ")));
        if (Array.isArray(d.dropped) && d.dropped.length)
          det.appendChild(el("div", "note", "Left out to fit the model's context: " +
            d.dropped.map((x) => typeof x === "string" ? x : JSON.stringify(x)).join("; ")));
        card.appendChild(det);
      } else if (ev.event === "findings") {
        findingsBox.appendChild(findingsList(d));
        status.textContent = "Asking the model…";
      } else if (ev.event === "token") {
        if (!text) { status.remove(); answerHead.hidden = false; answer.classList.add("streaming"); }
        text += d.text || "";
        if (!pending) { pending = true; requestAnimationFrame(paint); }
      } else if (ev.event === "done") {
        ended = true;
        status.remove();
        if (d.answer == null && !text) {
          answerHead.hidden = true;
          notes.appendChild(el("div", "note", "No model answer" + (d.llm_error ? ": " + d.llm_error : "") +
            ". The findings above come from the deterministic analyzers."));
        }
        else if (d.llm_error) notes.appendChild(el("div", "error", "The answer was cut: " + d.llm_error));
        meta.textContent = metaLine(d);
      } else if (ev.event === "error") {
        ended = true;
        status.remove();
        notes.appendChild(el("div", "error", "Error: " + (d.error || "the stream failed")));
      }
    }
    if (!ended) notes.appendChild(el("div", "error", "The answer was cut off."));
  } catch (e) {
    status.remove();
    notes.appendChild(el("div", "error", "Error: " + e.message));
  } finally {
    answer.classList.remove("streaming");
    if (text) renderMarkdown(answer, text);
    a.dataset.done = "1";
  }
}

// ---- investigation: read-only tool calls, a checked answer, follow-ups on one session ---
let conv = null; // the conversation going on: {session, ns}; follow-ups are sent to it

function setConversation(c) {
  conv = c;
  $("new-session").hidden = !conv;
  $("question").placeholder = conv ? "Ask a follow-up…" : "Why is this namespace broken?";
}

function argsText(args) {
  if (!args || typeof args !== "object") return "";
  return Object.keys(args).map((k) => k + "=" + (typeof args[k] === "string" ? args[k] : JSON.stringify(args[k])))
    .join(" ");
}

// One tool call: collapsed to a line (tool, arguments, size or error); open, the exact text
// the model got back (already redacted by the agent).
function stepItem(d) {
  const li = el("li", "step" + (d.error ? " failed" : ""));
  const det = el("details");
  const sum = el("summary");
  sum.appendChild(el("span", "tool", d.tool || "?"));
  const args = argsText(d.arguments);
  if (args) sum.appendChild(el("span", "args", args));
  sum.appendChild(el("span", "size", d.error ? "failed" : (d.result_chars || 0) + " chars"));
  if (d.cached) sum.appendChild(el("span", "badge code", "from the session"));
  if (d.error) sum.appendChild(el("span", "step-error", d.error));
  det.appendChild(sum);
  det.appendChild(el("div", "note", "What the model got back:"));
  det.appendChild(el("pre", "result", d.result || d.error || ""));
  li.appendChild(det);
  return li;
}

// Wrap each occurrence of the needles in the text under root in <mark class=cls>.
function highlight(root, needles, cls, title) {
  needles = (needles || []).filter((n) => typeof n === "string" && n.length > 1);
  if (!needles.length) return 0;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  let hits = 0;
  for (const node of nodes) {
    const text = node.nodeValue;
    const frag = document.createDocumentFragment();
    let pos = 0;
    for (;;) {
      let at = -1, len = 0;
      for (const n of needles) {
        const i = text.indexOf(n, pos);
        if (i >= 0 && (at < 0 || i < at || (i === at && n.length > len))) { at = i; len = n.length; }
      }
      if (at < 0) break;
      frag.appendChild(document.createTextNode(text.slice(pos, at)));
      const m = el("mark", cls, text.slice(at, at + len));
      m.title = title;
      frag.appendChild(m);
      pos = at + len;
      hits++;
    }
    if (!pos) continue;
    frag.appendChild(document.createTextNode(text.slice(pos)));
    node.parentNode.replaceChild(frag, node);
  }
  return hits;
}

function verificationBox(v) {
  const unknown = v.unknown_names || [], mut = v.mutating_commands || [], sec = v.secret_commands || [];
  const box = el("div", "verify");
  if (!unknown.length && !mut.length && !sec.length) {
    box.classList.add("ok");
    box.appendChild(el("div", "verify-head", "\u2713 Checked against the cluster: every object name was seen; " +
      "no command changes the cluster or prints a Secret."));
    return box;
  }
  box.appendChild(el("div", "verify-head", "Checked against the cluster"));
  const row = (list, cls, label) => {
    if (!list.length) return;
    const r = el("div", "verify-row " + cls);
    r.appendChild(el("div", "verify-label", label));
    const ul = el("ul");
    for (const x of list) { const li = el("li"); li.appendChild(el("code", "flag " + cls, x)); ul.appendChild(li); }
    r.appendChild(ul);
    box.appendChild(r);
  };
  row(unknown, "unknown", "Names never seen in the cluster: check them before you use them");
  row(mut, "mutating", "Commands that change the cluster: review before running");
  row(sec, "secret", "Commands that would print Secret values");
  return box;
}

function investigationMeta(d, steps) {
  const parts = [steps ? steps + (steps === 1 ? " tool call" : " tool calls") : "no tool calls"];
  if (d.model_calls != null) parts.push(d.model_calls + (d.model_calls === 1 ? " model call" : " model calls"));
  const t = d.timings || {};
  if (t.snapshot_ms) parts.push("snapshot " + fmtMs(t.snapshot_ms));
  else if (d.turn > 1) parts.push("same snapshot");
  if (t.total_ms != null) parts.push("total " + fmtMs(t.total_ms));
  if (d.turn) parts.push("turn " + d.turn);
  return parts.join(" · ");
}

async function investigate(question, ns, follow, p) {
  const stepsHead = el("div", "section-head", "Steps");
  const steps = el("ol", "steps");
  steps.setAttribute("aria-label", "Tool calls");
  stepsHead.hidden = steps.hidden = true;
  p.findingsBox.append(stepsHead, steps);
  const req = { question: question, stream: true };
  if (follow) req.session = conv.session;
  else req.namespace = ns;
  let text = "", pending = false, ended = false, verification = null, nsteps = 0, final = false;
  const paint = () => {
    pending = false;
    if (final) return; // rendered (and highlighted) once and for all below
    renderMarkdown(p.answer, text);
    window.scrollTo(0, document.body.scrollHeight);
  };
  try {
    let r;
    try {
      r = await openStream("/investigate", req);
    } catch (e) {
      if (e.status === 404 && follow) {
        setConversation(null);
        throw new Error("This conversation has ended on the server (idle too long). Ask again to start a new one.");
      }
      throw e;
    }
    for await (const ev of sse(r.body)) {
      const d = ev.data || {};
      if (ev.event === "session") {
        setConversation({ session: d.session, ns: d.namespace });
        p.status.textContent = "Investigating " + d.namespace + "…";
      } else if (ev.event === "step") {
        if (text) { // what the model said before calling the tool
          const li = el("li", "thought", text);
          steps.appendChild(li);
          text = "";
          p.answer.textContent = "";
          p.answerHead.hidden = true;
        }
        stepsHead.hidden = steps.hidden = false;
        steps.appendChild(stepItem(d));
        nsteps++;
        p.status.textContent = "Looking further (" + nsteps + (nsteps === 1 ? " tool call" : " tool calls") + ")…";
        p.card.appendChild(p.status);
        window.scrollTo(0, document.body.scrollHeight);
      } else if (ev.event === "token") {
        if (!text) { p.answerHead.hidden = false; p.answer.classList.add("streaming"); }
        text += d.text || "";
        if (!pending) { pending = true; requestAnimationFrame(paint); }
      } else if (ev.event === "verification") {
        verification = d;
      } else if (ev.event === "done") {
        ended = true;
        p.status.remove();
        if (typeof d.answer === "string") text = d.answer; // the answer is the last turn's text
        p.answerHead.hidden = !text;
        if (d.stopped === "max_steps")
          p.notes.appendChild(el("div", "note warn", "Stopped at the step limit: this is the best answer so far."));
        else if (d.stopped === "timeout")
          p.notes.appendChild(el("div", "note warn", "Stopped at the time limit: this is the best answer so far."));
        else if (d.stopped === "max_answer")
          p.notes.appendChild(el("div", "note warn", "The answer was cut: the model did not stop writing."));
        p.meta.textContent = investigationMeta(d, nsteps);
      } else if (ev.event === "error") {
        ended = true;
        p.status.remove();
        p.notes.appendChild(el("div", "error", "Error: " + (d.error || "the investigation failed")));
      }
    }
    if (!ended) p.notes.appendChild(el("div", "error", "The answer was cut off."));
  } catch (e) {
    p.status.remove();
    p.notes.appendChild(el("div", "error", "Error: " + e.message));
  } finally {
    final = true;
    p.answer.classList.remove("streaming");
    if (text) renderMarkdown(p.answer, text);
    if (verification) {
      highlight(p.answer, verification.mutating_commands, "flag mutating", "changes the cluster");
      highlight(p.answer, verification.secret_commands, "flag secret", "would print Secret values");
      highlight(p.answer, verification.unknown_names, "flag unknown", "never seen in the cluster");
      p.card.insertBefore(verificationBox(verification), p.meta);
    }
    p.a.dataset.done = "1";
  }
}

// ---- page setup -------------------------------------------------------------------------
function setMode() {
  const mode = document.querySelector("input[name=mode]:checked").value;
  document.body.classList.toggle("ask", mode === "ask");
  document.body.classList.toggle("investigating", mode === "investigate");
  $("question").placeholder = mode === "ask" ? "What is a StatefulSet?" :
    mode === "investigate" && conv ? "Ask a follow-up…" : "Why is this namespace broken?";
}

async function loadNamespaces() {
  const sel = $("namespace");
  try {
    const r = await api("/api/namespaces");
    const j = await r.json();
    const names = (j.namespaces || []).slice().sort();
    sel.textContent = "";
    for (const n of names) { const o = el("option", null, n); o.value = n; sel.appendChild(o); }
    if (j.default && names.includes(j.default)) sel.value = j.default;
    if (!names.length && j.default) { const o = el("option", null, j.default); o.value = j.default; sel.appendChild(o); }
  } catch (e) {
    const o = el("option", null, "default"); o.value = "default"; sel.appendChild(o);
  }
}

async function checkReady() {
  const s = $("status");
  try {
    const r = await fetch("/readyz");
    const j = await r.json();
    // Ready means the Kubernetes API answers; the model may still be down or loading.
    const model = j.model_ready !== false;
    s.className = "status " + (r.ok ? (model ? "ok" : "warn") : "bad");
    s.title = r.ok && model ? "Kubernetes API and model reachable" :
      "Kubernetes: " + j.kubernetes + "\nModel: " + j.llm;
  } catch (e) { s.className = "status bad"; s.title = "k8sagentd unreachable"; }
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[name=mode]").forEach((r) => r.addEventListener("change", setMode));
  setMode();
  const endConversation = () => {
    if (!conv) return;
    setConversation(null);
    log.appendChild(el("div", "divider", "New conversation"));
    setMode();
  };
  $("new-session").addEventListener("click", () => { endConversation(); $("question").focus(); });
  // A session investigates one namespace: another one starts a new conversation.
  $("namespace").addEventListener("change", () => { if (conv && conv.ns !== $("namespace").value) endConversation(); });
  loadNamespaces();
  checkReady();
  const q = $("question");
  $("ask").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = q.value.trim();
    if (!text || busy) return;
    busy = true;
    $("send").disabled = true;
    q.value = "";
    try { await send(text); } finally { busy = false; $("send").disabled = false; q.focus(); }
  });
  q.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); $("ask").requestSubmit(); }
  });
});
