#!/usr/bin/env node
// Two benchmarks against the fake Replicate served over loopback HTTP, with the official
// client (`replicate`, a devDependency) measured alongside as a peer:
//
// 1. Overhead: a generated operation (`predictions.get`) against a bare `fetch` of the
//    same URL, 5,000 sequential calls each, in a new random order every round, against the
//    fake in a child process (so this process's time is the clients' alone); the ratio of
//    the medians. Cases: the default client (its 120 s deadline included), a client with
//    no deadline, and the official client's `predictions.get`.
// 2. Burst: 1,000 concurrent `run` calls while the fake allows 50 requests in flight and
//    answers 429 + Retry-After: 1 past that. The connection pool is opened first (as many
//    concurrent requests as the burst), so the burst really arrives at once rather than
//    spread out by connection set-up. Counts completions, predictions created (more than
//    completions would mean a create was sent twice), and requests against the minimum
//    possible (one create per run, each finishing inside its sync window). The default
//    client is made with no options but baseUrl and auth.
//
//   npm run bench:fake
import { spawn } from "node:child_process";
import { once } from "node:events";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import Replicate from "replicate";
import { createLimiter, createReplicate, run } from "../../dist/index.js";
import { createFakeReplicate } from "../../dist/testing.js";
import { serveFake } from "../../dist/testing-node.js";

const RUNS = 1000;
const LIMIT = 50;
const CALLS = 5000;
const auth = "bench";

const fake = createFakeReplicate({ startDelayMs: 1 });
fake.model("bench/echo", (input) => input.n, { version: "a".repeat(64) });
const server = await serveFake(fake);
if (process.argv.includes("--serve")) {
  // The overhead benchmark's server, in a process of its own (see overhead below).
  console.log(server.url);
  await new Promise(() => {}); // until the parent kills it
}
const baseUrl = server.url;

// Count what reaches the fake: wrap its handler (the server calls fake.fetch).
let requests = 0;
let tooMany = 0;
const handle = fake.fetch;
fake.fetch = async (request) => {
  requests++;
  const response = await handle(request);
  if (response.status === 429) tooMany++;
  return response;
};

/**
 * Open as many pooled connections as the burst will use. The fake holds each request a
 * moment, so all are in flight together and each needs a connection of its own (answered
 * at once, the first few connections would serve them all, and the burst would then
 * queue in the pool instead of reaching the server).
 */
async function warmPool() {
  fake.faults.maxInFlight = Number.POSITIVE_INFINITY;
  fake.faults.latencyMs = 300;
  const headers = { authorization: `Bearer ${auth}` };
  await Promise.all(
    Array.from({ length: RUNS }, () => fetch(`${baseUrl}/account`, { headers }).then((r) => r.arrayBuffer())),
  );
  fake.faults.latencyMs = 0;
}

/** `start(n)` runs model bench/echo with input n and resolves to its output. */
async function burst(label, start) {
  await warmPool();
  fake.faults.maxInFlight = LIMIT;
  fake.faults.retryAfterSec = 1;
  requests = 0;
  tooMany = 0;
  const before = fake.state.jobs.size;
  const started = performance.now();
  const results = await Promise.allSettled(Array.from({ length: RUNS }, (_, n) => start(n)));
  const seconds = (performance.now() - started) / 1000;
  const ok = results.filter((r, n) => r.status === "fulfilled" && r.value === n).length;
  const created = fake.state.jobs.size - before;
  const failures = new Map();
  for (const r of results) {
    if (r.status === "rejected") {
      const key = `${r.reason?.name}${r.reason?.status ? ` ${r.reason.status}` : ""}`;
      failures.set(key, (failures.get(key) ?? 0) + 1);
    }
  }
  const why = failures.size ? `; rejected: ${[...failures].map(([k, v]) => `${v} ${k}`).join(", ")}` : "";
  console.log(
    `burst, ${label.padEnd(30)} ${ok}/${RUNS} completed, ${created} predictions created ` +
      `(${created - ok} duplicates or orphans), ${requests} requests (${(requests / RUNS).toFixed(2)}× the minimum; ` +
      `${tooMany} answered 429) in ${seconds.toFixed(1)} s${why}`,
  );
  fake.faults.maxInFlight = Number.POSITIVE_INFINITY;
}

/**
 * Per-call overhead, each client's median against a bare fetch's. The fake runs in a child
 * process of its own, so this process's time (and its garbage collector) is the clients'
 * alone. Every round calls each case once, in a new random order, so all see the same
 * machine load; 1,000 rounds warm them up first.
 */
async function overhead() {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--serve"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const [line] = await once(child.stdout, "data");
    const url0 = String(line).trim();
    const replicate = createReplicate({ auth, baseUrl: url0 });
    const { id } = await replicate.predictions.create({ body: { version: "a".repeat(64), input: { n: 1 } } });
    const url = `${url0}/predictions/${id}`;
    const headers = { authorization: `Bearer ${auth}` };
    const noDeadline = createReplicate({ auth, baseUrl: url0, timeoutMs: Number.POSITIVE_INFINITY });
    const official = new Replicate({ auth, baseUrl: url0 });
    const cases = [
      ["bare fetch", () => fetch(url, { headers }).then((r) => r.json())],
      ["default client (120 s deadline)", () => replicate.predictions.get({ prediction_id: id })],
      ["timeoutMs: Infinity", () => noDeadline.predictions.get({ prediction_id: id })],
      ["official client (replicate@1.4.0)", () => official.predictions.get(id)],
    ];
    const times = cases.map(() => []);
    const round = async (record) => {
      const order = cases.map((_, i) => i).sort(() => Math.random() - 0.5);
      for (const i of order) {
        const start = performance.now();
        await cases[i][1]();
        if (record) times[i].push(performance.now() - start);
      }
    };
    for (let i = 0; i < 1000; i++) await round(false);
    for (let i = 0; i < CALLS; i++) await round(true);
    const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const [base, ...rest] = times.map(median);
    const us = (ms) => `${(ms * 1000).toFixed(0)} µs`;
    for (const [i, m] of rest.entries()) {
      console.log(
        `overhead, ${cases[i + 1][0].padEnd(34)} vs bare fetch: predictions.get median ${us(m)}, baseline ${us(base)}, ` +
          `ratio ${(m / base).toFixed(3)} over ${CALLS} calls each (load ${loadavg()[0].toFixed(1)})`,
      );
    }
  } finally {
    child.kill();
  }
}

try {
  // Overhead first: the bursts leave thousands of predictions in the fake's memory, and
  // the garbage collector's extra work would blur the per-call figures.
  await overhead();
  const ours = (options) => {
    const replicate = createReplicate({ auth, baseUrl, ...options });
    return (n) => run(replicate, "bench/echo", { input: { n }, raw: true });
  };
  await burst("default client", ours({}));
  const official = new Replicate({ auth, baseUrl });
  await burst("official client", (n) => official.run("bench/echo", { input: { n } }));
  // For the record: a fixed cap at the fake's limit, and no client-side cap at all.
  await burst(`createLimiter(${LIMIT})`, ours({ limiter: createLimiter(LIMIT) }));
  await burst("limiter: false (no cap)", ours({ limiter: false }));
} finally {
  await server.close();
}
