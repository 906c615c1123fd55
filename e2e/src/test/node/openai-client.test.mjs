// The official openai npm client against a real `kiln deploy` process, which
// dev.kiln.e2e.DeployOpenAiNodeTest starts and describes in the environment:
//   KILN_BASE_URL  http://127.0.0.1:PORT/v1      KILN_API_KEY   the key it requires
//   KILN_MODEL     the served model name          KILN_SLOTS, KILN_QUEUE   --max_num_seqs, --max_queue_size
//   KILN_MAX_REQUEST_BYTES                          KILN_MAX_MODEL_LEN
// The model is llama.cpp's tiny random Llama 2: it says nonsense, but greedy nonsense repeats exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = process.env.KILN_BASE_URL;
const apiKey = process.env.KILN_API_KEY;
const model = process.env.KILN_MODEL;
const slots = Number(process.env.KILN_SLOTS);
const queue = Number(process.env.KILN_QUEUE);
const maxRequestBytes = Number(process.env.KILN_MAX_REQUEST_BYTES);
const maxModelLen = Number(process.env.KILN_MAX_MODEL_LEN);
assert.ok(baseURL && apiKey && model && slots && queue && maxRequestBytes && maxModelLen,
  'the JUnit test passes the server in the environment');

// no retries: a 429 must reach the test, not be retried away
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 120_000 });
const origin = baseURL.replace(/\/v1$/, '');

const user = (content) => [{ role: 'user', content }];
const greedy = (content, max_tokens = 16) =>
  ({ model, messages: user(content), temperature: 0, max_tokens });

async function streamedText(stream) {
  let text = '';
  let finish = null;
  let usage = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      text += choice.delta?.content ?? choice.text ?? '';
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  return { text, finish, usage };
}

async function metric(name) {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} in /metrics`);
  return Number(line.split(' ')[1]);
}

async function until(condition, what, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function expectError(promise, status, check = () => {}) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof OpenAI.APIError, `an APIError, not ${e}`);
    assert.equal(e.status, status, e.message);
    assert.equal(typeof e.error?.message, 'string', JSON.stringify(e.error));
    assert.ok('type' in e.error && 'param' in e.error && 'code' in e.error, JSON.stringify(e.error));
    check(e);
    return e;
  }
  assert.fail(`expected HTTP ${status}`);
}

test('models.list names the served model', async () => {
  const models = [];
  for await (const m of client.models.list()) models.push(m);
  assert.deepEqual(models.map((m) => m.id), [model]);
  assert.equal(models[0].object, 'model');
});

test('a chat answers whole and streamed alike, with usage', async () => {
  const whole = await client.chat.completions.create(greedy('Hello, who are you?', 12));
  assert.equal(whole.object, 'chat.completion');
  assert.equal(whole.model, model);
  const choice = whole.choices[0];
  assert.equal(choice.message.role, 'assistant');
  assert.ok(['stop', 'length'].includes(choice.finish_reason));
  const usage = whole.usage;
  assert.ok(usage.completion_tokens >= 1 && usage.completion_tokens <= 12);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
  assert.equal(choice.finish_reason, usage.completion_tokens === 12 ? 'length' : 'stop');

  const stream = await client.chat.completions.create({
    ...greedy('Hello, who are you?', 12), stream: true, stream_options: { include_usage: true },
  });
  const streamed = await streamedText(stream);
  assert.equal(streamed.text, choice.message.content);
  assert.equal(streamed.finish, choice.finish_reason);
  assert.deepEqual(streamed.usage, usage);
});

test('completions answer whole and streamed', async () => {
  const request = { model, prompt: 'The capital of France is', max_tokens: 10, temperature: 0 };
  const whole = await client.completions.create(request);
  assert.equal(whole.object, 'text_completion');
  assert.equal(whole.usage.completion_tokens, 10);
  assert.equal(whole.choices[0].finish_reason, 'length');
  const streamed = await streamedText(await client.completions.create({ ...request, stream: true }));
  assert.equal(streamed.text, whole.choices[0].text);
  assert.equal(streamed.finish, 'length');
});

test('n choices, each seeded apart; a seed repeats exactly', async () => {
  const request = { model, messages: user('Tell me a story'), temperature: 1, max_tokens: 10, n: 3, seed: 11 };
  const first = await client.chat.completions.create(request);
  const again = await client.chat.completions.create(request);
  assert.deepEqual(first.choices.map((c) => c.index), [0, 1, 2]);
  assert.deepEqual(again.choices.map((c) => c.message.content), first.choices.map((c) => c.message.content));
  assert.notEqual(first.choices[0].message.content, first.choices[1].message.content);
  assert.equal(first.usage.completion_tokens, first.choices.length * 10);
  const other = await client.chat.completions.create({ ...request, seed: 12 });
  assert.notDeepEqual(other.choices.map((c) => c.message.content), first.choices.map((c) => c.message.content));
});

test('stop ends the text before the stop string', async () => {
  const request = { model, prompt: 'Once upon a time', max_tokens: 24, temperature: 0 };
  const text = (await client.completions.create(request)).choices[0].text;
  assert.ok(text.length > 6, text);
  const stop = text.slice(4, 6);
  const stopped = (await client.completions.create({ ...request, stop: [stop] })).choices[0];
  assert.equal(stopped.text, text.slice(0, text.indexOf(stop)));
  assert.equal(stopped.finish_reason, 'stop');
});

test('logprobs with their top alternatives', async () => {
  const answer = await client.chat.completions.create({ ...greedy('Hi', 6), logprobs: true, top_logprobs: 3 });
  const content = answer.choices[0].logprobs.content;
  assert.equal(content.length, answer.usage.completion_tokens);
  for (const token of content) {
    assert.equal(token.top_logprobs.length, 3);
    assert.ok(token.logprob <= 0);
    assert.equal(token.logprob, token.top_logprobs[0].logprob, 'greedy takes the most likely token');
    assert.equal(typeof token.token, 'string');
  }
});

test('embeddings: unit vectors, base64 (the client default) or floats', async () => {
  const encoded = await client.embeddings.create({ model, input: ['first sentence', 'second one'] });
  const floats = await client.embeddings.create({ model, input: 'first sentence', encoding_format: 'float' });
  assert.equal(encoded.data.length, 2);
  const vector = encoded.data[0].embedding;
  assert.ok(Array.isArray(vector) && vector.length > 0);
  const norm = Math.sqrt(vector.reduce((s, v) => s + v * v, 0));
  assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
  assert.deepEqual(floats.data[0].embedding.map((v) => Math.fround(v)), vector.map((v) => Math.fround(v)));
  assert.ok(encoded.usage.prompt_tokens > 0);
});

test('errors: 400, 401, 404, 413 as OpenAI error objects', async () => {
  await expectError(client.chat.completions.create({ model }), 400, (e) => assert.equal(e.param, 'messages'));
  await expectError(client.chat.completions.create({ ...greedy('x'), temperature: 'hot' }), 400,
    (e) => assert.equal(e.param, 'temperature'));
  await expectError(client.chat.completions.create({ ...greedy('x'), max_tokens: maxModelLen + 1 }), 400,
    (e) => assert.equal(e.code, 'context_length_exceeded'));
  await expectError(client.chat.completions.create({ ...greedy('x'), model: 'gpt-4o' }), 404,
    (e) => { assert.ok(e instanceof OpenAI.NotFoundError); assert.equal(e.code, 'model_not_found'); });
  const wrong = new OpenAI({ baseURL, apiKey: 'sk-wrong', maxRetries: 0 });
  await expectError(wrong.models.list(), 401, (e) => assert.ok(e instanceof OpenAI.AuthenticationError));
  await expectError(client.chat.completions.create(greedy('x'.repeat(maxRequestBytes + 1))), 413);
  const invalid = await fetch(`${baseURL}/chat/completions`, {
    method: 'POST', body: '{"model": ', headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
  });
  assert.equal(invalid.status, 400);
  assert.ok((await invalid.json()).error.message.includes('not valid JSON'));
});

test('many simultaneous streams each equal their solo greedy answer', async () => {
  // As many as the queue holds (twice the slots): all are admitted even if they all arrive before
  // the engine has moved any into a slot, and they still share the slots in turns.
  const prompts = Array.from({ length: queue }, (_, i) => `Question number ${i}: ${'why '.repeat(i)}?`);
  const solo = [];
  for (const p of prompts) solo.push((await client.chat.completions.create(greedy(p, 20))).choices[0].message.content);
  // The streams of earlier tests must have left first.
  await until(async () => (await metric('kiln_requests_running')) === 0
    && (await metric('kiln_requests_waiting')) === 0, 'earlier requests to leave');
  const together = await Promise.all(prompts.map(async (p) =>
    (await streamedText(await client.chat.completions.create({ ...greedy(p, 20), stream: true }))).text));
  assert.deepEqual(together, solo);
});

test('over capacity: 429 with Retry-After, never a hung connection', async () => {
  const long = { model, prompt: 'Go on', max_tokens: maxModelLen - 16, ignore_eos: true, stream: true };
  const attempts = await Promise.allSettled(Array.from({ length: slots + queue + 10 }, () =>
    client.completions.create(long)));
  const accepted = attempts.filter((a) => a.status === 'fulfilled').map((a) => a.value);
  const refused = attempts.filter((a) => a.status === 'rejected').map((a) => a.reason);
  assert.ok(refused.length >= 1, 'some requests were refused');
  assert.ok(accepted.length <= slots + queue, `${accepted.length} accepted`);
  for (const e of refused) {
    assert.ok(e instanceof OpenAI.RateLimitError, String(e));
    assert.equal(e.status, 429);
    assert.equal(e.headers.get('retry-after'), '1');
  }
  accepted.forEach((s) => s.controller.abort());
  await until(async () => (await metric('kiln_requests_running')) === 0
    && (await metric('kiln_requests_waiting')) === 0, 'the aborted streams to leave');
});

test('a client that disconnects mid-stream frees its slot', async () => {
  const before = await metric('kiln_generation_tokens_total');
  const stream = await client.completions.create({
    model, prompt: 'Never stop', max_tokens: maxModelLen - 16, ignore_eos: true, stream: true,
  });
  let chunks = 0;
  for await (const _ of stream) {
    if (++chunks === 3) break; // leaving the loop aborts the request
  }
  await until(async () => (await metric('kiln_requests_running')) === 0, 'the slot to be freed');
  const generated = (await metric('kiln_generation_tokens_total')) - before;
  assert.ok(generated < maxModelLen - 16, `generation stopped early, after ${generated} tokens`);
  const next = await client.completions.create({ model, prompt: 'Next', max_tokens: 3, temperature: 0 });
  assert.equal(next.usage.completion_tokens, 3);
});
