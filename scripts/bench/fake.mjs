#!/usr/bin/env node
// Two benchmarks against the fake Replicate served over loopback HTTP:
//
// 1. Concurrency: 1,000 concurrent `run` calls while the fake allows 50 requests in flight
//    and answers 429 + Retry-After past that. Counts completions, predictions created
//    (duplicates would mean a create was sent twice) and requests against the minimum
//    possible (one create per run, each finishing inside its sync window).
// 2. Overhead: a generated operation (`predictions.get`) against a bare `fetch` of the same
//    URL, 5,000 sequential calls each, interleaved; the ratio of the medians. Three pairs:
//    the default client (whose 120 s deadline hands fetch an AbortSignal, which Node's
//    fetch charges for), a client with no deadline, and the default client against a bare
//    fetch given the same deadline by hand.
//
//   npm run build && node scripts/bench-fake.mjs
import { createReplicate } from "../../dist/index.js";
import { createLimiter } from "../../dist/limit.js";
import { run } from "../../dist/run.js";
import { createFakeReplicate } from "../../dist/testing.js";
import { serveFake } from "../../dist/testing-node.js";

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
    Array.from({ length: RUNS }, (_, n) => run(replicate, "bench/echo", { input: { n }, raw: true })),
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

/** Ratio of medians of `ours` against `base`, 5,000 sequential calls each, interleaved. */
async function ratio(ours, base) {
  for (let i = 0; i < 500; i++) await Promise.all([base(), ours()]); // warm up both paths
  const times = { base: [], ours: [] };
  for (let i = 0; i < CALLS; i++) {
    // Interleaved, alternating which goes first, so both see the same machine load.
    const order = i % 2 ? ["base", "ours"] : ["ours", "base"];
    for (const name of order) {
      const start = performance.now();
      await (name === "ours" ? ours() : base());
      times[name].push(performance.now() - start);
    }
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { ours: median(times.ours), base: median(times.base) };
}

async function overhead() {
  fake.model("bench/echo", (input) => input.n, { version: "a".repeat(64) });
  const replicate = createReplicate({ auth: "bench", baseUrl: server.url });
  const { id } = await replicate.predictions.create({ body: { version: "a".repeat(64), input: { n: 1 } } });
  const url = `${server.url}/predictions/${id}`;
  const headers = { authorization: "Bearer bench" };
  const bare = () => fetch(url, { headers }).then((r) => r.json());
  // The client's default 120 s deadline, done by hand: an AbortSignal and a timer per call.
  const bareDeadline = () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 120_000);
    return fetch(url, { headers, signal: controller.signal })
      .then((r) => r.json())
      .finally(() => clearTimeout(timer));
  };
  const noDeadline = createReplicate({ auth: "bench", baseUrl: server.url, timeoutMs: Number.POSITIVE_INFINITY });
  const cases = [
    ["default client (120 s deadline)", () => replicate.predictions.get({ prediction_id: id }), "bare fetch", bare],
    ["timeoutMs: Infinity", () => noDeadline.predictions.get({ prediction_id: id }), "bare fetch", bare],
    [
      "default client (120 s deadline)",
      () => replicate.predictions.get({ prediction_id: id }),
      "bare fetch with the same deadline",
      bareDeadline,
    ],
  ];
  for (const [label, ours, baseLabel, base] of cases) {
    const m = await ratio(ours, base);
    const us = (ms) => `${(ms * 1000).toFixed(0)} µs`;
    console.log(
      `overhead, ${label} vs ${baseLabel}: predictions.get median ${us(m.ours)}, baseline ${us(m.base)}, ` +
        `ratio ${(m.ours / m.base).toFixed(3)} over ${CALLS} calls each`,
    );
  }
}

try {
  // Overhead first: the concurrency runs leave 2,000 predictions in the fake's memory,
  // and the garbage collector's extra work would blur the per-call figures.
  await overhead();
  await concurrency(`createLimiter(${LIMIT})`, { limiter: createLimiter(LIMIT) });
  await concurrency("no client-side cap (429s retried)", {});
} finally {
  await server.close();
}
