#!/usr/bin/env node
// Two benchmarks against the fake Replicate served over loopback HTTP:
//
// 1. Concurrency: 1,000 concurrent `run` calls while the fake allows 50 requests in flight
//    and answers 429 + Retry-After past that. Counts completions, predictions created
//    (duplicates would mean a create was sent twice) and requests against the minimum
//    possible (one create per run, each finishing inside its sync window).
// 2. Overhead: a generated operation (`predictions.get`) against a bare `fetch` of the same
//    URL, 5,000 sequential calls each, interleaved; the ratio of the medians.
//
//   npm run build && node scripts/bench-fake.mjs
import { createReplicate } from "../dist/index.js";
import { createFakeReplicate } from "../dist/testing.js";
import { serveFake } from "../dist/testing-node.js";

const RUNS = 1000;
const LIMIT = 50;
const CALLS = 5000;

const fake = createFakeReplicate({ startDelayMs: 1 });
fake.model("bench/echo", (input) => input.n);
const server = await serveFake(fake);

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

async function concurrency(label, options) {
  fake.faults.maxInFlight = LIMIT;
  fake.faults.retryAfterSec = 1;
  requests = 0;
  tooMany = 0;
  const before = fake.state.jobs.size;
  const replicate = createReplicate({ auth: "bench", baseUrl: server.url, retry: { retries: 50 }, ...options });
  const started = performance.now();
  const results = await Promise.allSettled(
    Array.from({ length: RUNS }, (_, n) => replicate.run("bench/echo", { input: { n }, raw: true })),
  );
  const seconds = (performance.now() - started) / 1000;
  const ok = results.filter((r, n) => r.status === "fulfilled" && r.value === n).length;
  const created = fake.state.jobs.size - before;
  console.log(
    `${label.padEnd(34)} ${ok}/${RUNS} completed, ${created} predictions created, ${requests} requests ` +
      `(${(requests / RUNS).toFixed(2)}× the minimum; ${tooMany} answered 429) in ${seconds.toFixed(1)} s`,
  );
  fake.faults.maxInFlight = Number.POSITIVE_INFINITY;
}

async function overhead() {
  fake.model("bench/echo", (input) => input.n, { version: "a".repeat(64) });
  const replicate = createReplicate({ auth: "bench", baseUrl: server.url });
  const { id } = await replicate.predictions.create({ body: { version: "a".repeat(64), input: { n: 1 } } });
  const url = `${server.url}/predictions/${id}`;
  const bare = () => fetch(url, { headers: { authorization: "Bearer bench" } }).then((r) => r.json());
  const ours = () => replicate.predictions.get({ prediction_id: id });
  for (let i = 0; i < 200; i++) await Promise.all([bare(), ours()]); // warm up both paths
  const times = { bare: [], ours: [] };
  for (let i = 0; i < CALLS; i++) {
    // Interleaved, so both see the same machine load.
    for (const [name, call] of i % 2
      ? [
          ["bare", bare],
          ["ours", ours],
        ]
      : [
          ["ours", ours],
          ["bare", bare],
        ]) {
      const start = performance.now();
      await call();
      times[name].push(performance.now() - start);
    }
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const [b, o] = [median(times.bare), median(times.ours)];
  console.log(
    `overhead: predictions.get median ${(o * 1000).toFixed(0)} µs, bare fetch median ${(b * 1000).toFixed(0)} µs, ratio ${(o / b).toFixed(3)} over ${CALLS} calls each`,
  );
}

try {
  await concurrency(`maxConcurrency: ${LIMIT}`, { maxConcurrency: LIMIT });
  await concurrency("no client-side cap (429s retried)", {});
  await overhead();
} finally {
  await server.close();
}
