// Tool calls (WIRE.md §4) through the official ollama and openai npm clients against llmsim:
// the calls llmsim scripts arrive as the clients expect them (Ollama: arguments an object;
// OpenAI: a JSON string, streamed deltas joined by the client's own runner), and the clients'
// tool-result messages are what llmsim (and so libk8sagent's wire code) reads back.
// Usage: node tools.mjs OLLAMA_FLAVOR_URL LLAMACPP_FLAVOR_URL   (exit 0 = all passed)
import assert from 'node:assert/strict';
import { Ollama } from 'ollama';
import OpenAI from 'openai';

const [url, urlFrag] = process.argv.slice(2);
const ollama = new Ollama({ host: url });
const tools = [{ type: 'function', function: { name: 'get_logs', description: 'read a log',
  parameters: { type: 'object', properties: { namespace: { type: 'string' }, pod: { type: 'string' } },
    required: ['namespace', 'pod'] } } }];
const question = { role: 'user', content: 'why do checkouts fail?' };
const want = { namespace: 'pay', pod: 'payments-1', tail_lines: 50 };
const log = 'ERROR x509: certificate has expired';
let n = 0;
async function check(name, fn) {
  await fn();
  n++;
  console.log(`ok ${n} - ${name}`);
}

await check('ollama show lists the tools capability', async () => {
  const s = await ollama.show({ model: 'mistral' });
  assert.ok(s.capabilities.includes('tools'));
});

await check('ollama chat tool call (no stream): arguments are an object', async () => {
  const r = await ollama.chat({ model: 'mistral', messages: [question], tools });
  assert.equal(r.message.content, '');
  assert.equal(r.message.tool_calls.length, 1);
  assert.equal(r.message.tool_calls[0].function.name, 'get_logs');
  assert.deepEqual(r.message.tool_calls[0].function.arguments, want);
  assert.equal(r.done_reason, 'stop');
});

await check('ollama chat tool call (stream): the call arrives whole before done', async () => {
  let calls = null, last;
  for await (const p of await ollama.chat({ model: 'mistral', messages: [question], tools, stream: true })) {
    if (p.message.tool_calls) calls = p.message.tool_calls;
    last = p;
  }
  assert.deepEqual(calls[0].function.arguments, want);
  assert.equal(last.done, true);
});

await check('ollama tool result round trip (role tool, tool_name)', async () => {
  const first = await ollama.chat({ model: 'mistral', messages: [question], tools });
  const r = await ollama.chat({ model: 'mistral', tools, messages: [question, first.message,
    { role: 'tool', content: log, tool_name: 'get_logs' }] });
  assert.equal(r.message.content, 'The certificate expired.');
});

for (const [flavor, base] of [['ollama', url], ['llamacpp', urlFrag]]) {
  const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'not-needed', maxRetries: 0 });

  await check(`openai (${flavor}) tool call (no stream): arguments are a JSON string`, async () => {
    const r = await openai.chat.completions.create({ model: 'mistral', messages: [question], tools });
    const c = r.choices[0];
    assert.equal(c.finish_reason, 'tool_calls');
    assert.equal(c.message.tool_calls[0].type, 'function');
    assert.equal(typeof c.message.tool_calls[0].function.arguments, 'string');
    assert.deepEqual(JSON.parse(c.message.tool_calls[0].function.arguments), want);
  });

  await check(`openai (${flavor}) streamed tool call deltas joined per index`, async () => {
    const stream = await openai.chat.completions.create({ model: 'mistral', messages: [question], tools,
      stream: true });
    let args = '', name = null, id = null, finish = null, deltas = 0;
    for await (const ch of stream) {
      const c = ch.choices[0];
      if (!c) continue;
      for (const tc of c.delta.tool_calls ?? []) {
        assert.equal(tc.index, 0);
        deltas++;
        name = tc.function?.name ?? name;
        id = tc.id ?? id;
        args += tc.function?.arguments ?? '';
      }
      finish = c.finish_reason ?? finish;
    }
    assert.equal(name, 'get_logs');
    assert.ok(id);
    assert.deepEqual(JSON.parse(args), want);
    assert.equal(finish, 'tool_calls');
    assert.ok(flavor === 'ollama' ? deltas === 1 : deltas > 1, `${deltas} deltas`);
  });

  await check(`openai (${flavor}) stream runner assembles the call, tool result round trip`, async () => {
    const runner = openai.beta.chat.completions.stream({ model: 'mistral', messages: [question], tools });
    const final = await runner.finalChatCompletion();
    const msg = final.choices[0].message;
    assert.deepEqual(JSON.parse(msg.tool_calls[0].function.arguments), want);
    const r = await openai.chat.completions.create({ model: 'mistral', tools, messages: [question,
      { role: 'assistant', content: null, tool_calls: msg.tool_calls },
      { role: 'tool', tool_call_id: msg.tool_calls[0].id, content: log }] });
    assert.equal(r.choices[0].message.content, 'The certificate expired.');
    assert.equal(r.choices[0].finish_reason, 'stop');
  });
}

console.log(`all ${n} npm tool-call checks passed`);
