// The official ollama and openai npm clients against llmsim: if they accept its bytes, so
// does the real world. Usage: node clients.mjs LLMSIM_URL   (exit 0 = all passed)
import assert from 'node:assert/strict';
import { Ollama } from 'ollama';
import OpenAI from 'openai';

const url = process.argv[2];
const ollama = new Ollama({ host: url });
const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'not-needed', maxRetries: 0 });
const msgs = [
  { role: 'system', content: 'You are a Kubernetes expert.' },
  { role: 'user', content: 'chunky' },
];
let n = 0;
async function check(name, fn) {
  await fn();
  n++;
  console.log(`ok ${n} - ${name}`);
}

await check('ollama chat (no stream)', async () => {
  const r = await ollama.chat({ model: 'mistral', messages: msgs, options: { num_ctx: 8192 } });
  assert.equal(r.message.content, 'abcdefghij');
  assert.equal(r.done, true);
  assert.equal(r.done_reason, 'stop');
  assert.equal(r.eval_count, 4);
  assert.ok(r.total_duration > 0);
  assert.ok(!Number.isNaN(Date.parse(r.created_at)));
});

await check('ollama chat (stream)', async () => {
  const parts = [];
  let last;
  for await (const p of await ollama.chat({ model: 'mistral', messages: msgs, stream: true })) {
    parts.push(p.message.content);
    last = p;
  }
  assert.deepEqual(parts, ['ab', 'cde', 'f', 'ghij', '']);
  assert.equal(last.done, true);
  assert.equal(last.eval_count, 4);
});

await check('ollama generate (stream)', async () => {
  let text = '';
  for await (const p of await ollama.generate({ model: 'llama3.2', prompt: 'chunky', stream: true }))
    text += p.response;
  assert.equal(text, 'abcdefghij');
});

await check('ollama list, show, version', async () => {
  const l = await ollama.list();
  assert.deepEqual(l.models.map((m) => m.name), ['mistral:latest', 'llama3.2:latest']);
  const s = await ollama.show({ model: 'mistral' });
  assert.ok(s.capabilities.includes('completion'));
  const v = await ollama.version();
  assert.match(v.version, /^\d+\.\d+\.\d+$/);
});

await check('ollama unknown model -> 404 ResponseError', async () => {
  await assert.rejects(ollama.chat({ model: 'nosuch', messages: msgs }), (e) => {
    assert.equal(e.status_code, 404);
    assert.match(e.error, /model 'nosuch' not found/);
    return true;
  });
});

await check('ollama mid-stream error is thrown after the first chunks', async () => {
  const parts = [];
  await assert.rejects(async () => {
    for await (const p of await ollama.chat({
      model: 'mistral', stream: true, messages: [{ role: 'user', content: 'midstream' }] }))
      parts.push(p.message.content);
  }, /CUDA out of memory/);
  assert.deepEqual(parts, ['one', ' two']);
});

await check('openai chat.completions (no stream)', async () => {
  const r = await openai.chat.completions.create({ model: 'mistral', messages: msgs, max_tokens: 100 });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0].message.content, 'abcdefghij');
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.equal(r.usage.completion_tokens, 4);
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + 4);
});

await check('openai chat.completions (stream, include_usage)', async () => {
  const stream = await openai.chat.completions.create({
    model: 'mistral', messages: msgs, stream: true, stream_options: { include_usage: true } });
  let text = '', finish = null, usage = null, chunks = 0;
  for await (const c of stream) {
    chunks++;
    if (c.choices.length) {
      text += c.choices[0].delta.content ?? '';
      finish = c.choices[0].finish_reason ?? finish;
    }
    if (c.usage) usage = c.usage;
  }
  assert.equal(text, 'abcdefghij');
  assert.equal(finish, 'stop');
  assert.equal(usage.completion_tokens, 4);
  assert.equal(chunks, 7); // role, 4 deltas, finish, usage
});

await check('openai stream helper (runner) final content', async () => {
  const runner = openai.beta.chat.completions.stream({ model: 'mistral', messages: msgs });
  const final = await runner.finalChatCompletion();
  assert.equal(final.choices[0].message.content, 'abcdefghij');
});

await check('openai models.list', async () => {
  const ids = [];
  for await (const m of openai.models.list()) ids.push(m.id);
  assert.deepEqual(ids, ['mistral:latest', 'llama3.2:latest']);
});

await check('openai unknown model -> NotFoundError', async () => {
  await assert.rejects(openai.chat.completions.create({ model: 'nosuch', messages: msgs }), (e) => {
    assert.equal(e.status, 404);
    assert.ok(e instanceof OpenAI.NotFoundError);
    assert.match(e.message, /model 'nosuch' not found/);
    return true;
  });
});

await check('openai mid-stream error event is thrown', async () => {
  const stream = await openai.chat.completions.create({
    model: 'mistral', stream: true, messages: [{ role: 'user', content: 'midstream' }] });
  let text = '';
  await assert.rejects(async () => {
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
  }, /CUDA out of memory/);
  assert.equal(text, 'one two');
});

console.log(`all ${n} npm client checks passed`);
