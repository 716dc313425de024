#!/usr/bin/env node
// What streaming costs in memory, and that it keeps working however long the stream is.
//
//   npm run bench:sse:memory    node scripts/bench/sse-memory.mjs [MB ...]   (default 200)
//     Streams MB of token events through `stream()` and through the eventsource-parser
//     pipeline, each in a fresh process, and prints the RSS growth of each: the peak
//     while streaming minus the baseline after a 20 MB warm-up and a full GC, and the heap
//     still used after a full GC at the end (state kept per event would show there). The
//     RSS growth is mostly V8's young generation sizing itself to the allocation rate: it
//     is bounded (16 MiB semi-spaces), but a longer stream gets nearer that bound.
//   npm run bench:sse:many      node scripts/bench/sse-memory.mjs --many [events]
//     Streams more than 2^24 tiny events (a Set of ids would break at 2^24) through
//     `stream()` and checks that every one arrives over one connection: no reconnection.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { candidates, startServer } from "./sse.mjs";

const MiB = 1024 * 1024;
const self = fileURLToPath(import.meta.url);

/** In a fresh process (`--child name url warmUrl`): stream `url` through one candidate, print the figures as JSON. */
async function child(name, url, warmUrl) {
  const run = candidates[name];
  await run(warmUrl); // the code paths compiled and the modules loaded: not what is measured
  globalThis.gc();
  globalThis.gc();
  const baseline = process.memoryUsage.rss();
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = baseline;
  const sample = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  const start = performance.now();
  const events = await run(url);
  const ms = performance.now() - start;
  clearInterval(sample);
  peak = Math.max(peak, process.memoryUsage.rss());
  globalThis.gc();
  globalThis.gc();
  const retained = process.memoryUsage().heapUsed - heapBefore; // what the stream left behind
  console.log(JSON.stringify({ baseline, peak, retained, events, ms }));
}

/** Run `name` in a child process with --expose-gc, and resolve to what it printed. */
function measure(name, url, warmUrl) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--expose-gc", self, "--child", name, url, warmUrl], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    proc.stdout.on("data", (data) => {
      out += data;
    });
    proc.on("error", reject);
    proc.on("close", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${name}: exit ${code}`))));
  });
}

async function memory(origin, mb) {
  const url = `${origin}/events?mb=${mb}`;
  const warmUrl = `${origin}/events?mb=20`;
  await candidates["raw decode + split"](url); // the server makes and caches the body
  console.log(`RSS growth streaming ${mb} MB of token events (peak − baseline), each run in a fresh process`);
  const growth = {};
  for (const name of ["stream()", "eventsource-parser pipeline"]) {
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await measure(name, url, warmUrl));
    const [r] = runs.sort((a, b) => a.peak - a.baseline - (b.peak - b.baseline)).slice(1); // the median of 3
    growth[name] = (r.peak - r.baseline) / MiB;
    const rate = (mb / (r.ms / 1000)).toFixed(1);
    const retained = (r.retained / MiB).toFixed(1);
    console.log(
      `  ${name.padEnd(30)} ${growth[name].toFixed(1).padStart(6)} MiB  (baseline ${(r.baseline / MiB).toFixed(0)} MiB; heap retained after GC ${retained} MiB; ${r.events} output events, ${rate} MB/s)`,
    );
  }
  const ratio = growth["stream()"] / growth["eventsource-parser pipeline"];
  console.log(`  stream()'s growth / the pipeline's: ${ratio.toFixed(2)}×`);
}

async function many(origin, count) {
  console.log(`${count} tiny output events (2^24 = ${2 ** 24}) through stream(), one id each`);
  const start = performance.now();
  const events = await candidates["stream()"](`${origin}/many?n=${count}`);
  const s = (performance.now() - start) / 1000;
  const { many: connections } = await (await fetch(`${origin}/stats`)).json();
  console.log(
    `  ${events} events in ${s.toFixed(1)} s (${((events / s) * 1e-6).toFixed(2)} M events/s), ${connections} connection(s)`,
  );
  if (events !== count || connections !== 1) {
    console.error(`  FAILED: expected ${count} events over 1 connection`);
    process.exitCode = 1;
  }
}

if (process.argv[2] === "--child") await child(process.argv[3], process.argv[4], process.argv[5]);
else {
  const { origin, stop } = await startServer();
  try {
    if (process.argv[2] === "--many") await many(origin, Number(process.argv[3] ?? 2 ** 24 + 1000));
    else {
      const sizes = process.argv.slice(2).map(Number);
      for (const mb of sizes.length > 0 ? sizes : [200]) await memory(origin, mb);
    }
  } finally {
    stop();
  }
}
