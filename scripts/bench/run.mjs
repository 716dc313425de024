#!/usr/bin/env node
// How many requests `run` sends, and how late it notices a finished prediction, against
// a loopback server that behaves like Replicate (sync window held open by Prefer: wait,
// then polling). The baseline, measured in the same run, is raw fetch polling every
// 500 ms after the same sync create, as the official JS client does.
//
//   npm run build && node scripts/bench-run.mjs [seconds ...]   (default: 0.5 5 70)
//
// Latency is "resolved at − finished at" on the server's clock: the cost of polling.
import { createServer } from "node:http";
import { createReplicate, run } from "../../dist/index.js";

const durations = process.argv.slice(2).map(Number);
if (durations.length === 0) durations.push(0.5, 5, 70);

/** A fake Replicate: each prediction succeeds `seconds` after creation. */
function startServer() {
  const predictions = new Map();
  let count = { create: 0, get: 0 };
  const state = (p) => {
    const age = (performance.now() - p.createdAt) / 1000;
    if (age >= p.seconds) return { id: p.id, status: "succeeded", output: "done", urls: {} };
    return { id: p.id, status: age < 0.2 ? "starting" : "processing", output: null, urls: {} };
  };
  const server = createServer((req, res) => {
    const send = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const create = req.url.match(/^\/v1\/models\/bench\/(.+)\/predictions$/);
    if (req.method === "POST" && create) {
      count.create++;
      req.resume();
      const p = { id: `p${predictions.size}`, seconds: Number(create[1]), createdAt: performance.now() };
      predictions.set(p.id, p);
      const wait = Number(/wait=(\d+)/.exec(req.headers.prefer ?? "")?.[1] ?? 0);
      // Hold the request until done or the window ends, like Replicate's sync mode.
      const holdMs = Math.min(wait, p.seconds) * 1000;
      setTimeout(() => send(201, state(p)), holdMs + (wait >= p.seconds ? 5 : 0));
      return;
    }
    const get = req.url.match(/^\/v1\/predictions\/(p\d+)$/);
    if (req.method === "GET" && get && predictions.has(get[1])) {
      count.get++;
      return send(200, state(predictions.get(get[1])));
    }
    send(404, { detail: "not found" });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        base: `http://127.0.0.1:${port}/v1`,
        predictions,
        takeCount() {
          const c = count;
          count = { create: 0, get: 0 };
          return c;
        },
        close: () => server.close(),
      });
    }),
  );
}

async function baseline(base, seconds) {
  const headers = { "content-type": "application/json", prefer: "wait=60" };
  const body = JSON.stringify({ input: {} });
  let p = await (await fetch(`${base}/models/bench/${seconds}/predictions`, { method: "POST", headers, body })).json();
  while (!["succeeded", "failed", "canceled", "aborted"].includes(p.status)) {
    await new Promise((r) => setTimeout(r, 500));
    p = await (await fetch(`${base}/predictions/${p.id}`)).json();
  }
  return p;
}

const server = await startServer();
const replicate = createReplicate({ baseUrl: server.base, auth: "bench" });
const rows = [];
for (const seconds of durations) {
  for (const [label, go] of [
    ["run()", () => run(replicate, `bench/${seconds}`, { input: {}, raw: true })],
    ["raw fetch, 500 ms polls", () => baseline(server.base, seconds)],
  ]) {
    const before = server.predictions.size;
    await go();
    const resolvedAt = performance.now();
    const p = [...server.predictions.values()][before];
    const latency = resolvedAt - (p.createdAt + p.seconds * 1000);
    const { create, get } = server.takeCount();
    rows.push({ seconds, label, requests: create + get, polls: get, latencyMs: Math.max(0, latency) });
  }
}
server.close();

console.log("prediction  client                    requests  polls  completion latency");
for (const r of rows) {
  console.log(
    `${`${r.seconds} s`.padEnd(11)} ${r.label.padEnd(25)} ${String(r.requests).padStart(8)} ${String(r.polls).padStart(6)}  ${r.latencyMs.toFixed(0).padStart(8)} ms`,
  );
}
for (const seconds of durations) {
  const [ours, raw] = rows.filter((r) => r.seconds === seconds);
  console.log(`${seconds} s: run() sends ${(ours.requests / raw.requests).toFixed(2)}× the baseline's requests`);
}
