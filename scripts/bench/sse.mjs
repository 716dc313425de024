#!/usr/bin/env node
// Streaming throughput as users see it: `stream()` end to end, from a loopback HTTP server
// to a `for await` loop, against two baselines measured in the same run, interleaved:
// - the pipeline a user would build with eventsource-parser (`TextDecoderStream` →
//   `EventSourceParserStream` → `for await`);
// - the floor: fetch, TextDecoder and a hand split on "\n\n", the least any reader does.
// The body looks like a Replicate token stream: short `output` events with ids, some
// `logs`, then `done`. The server runs in its own process, so it never competes with the
// client for the event loop. Figures are MB/s of wall time (what a user waits for) and of
// the client's CPU time (steadier on a busy machine). The bare parsers (no network) after.
//
//   npm run bench:sse          node scripts/bench/sse.mjs [MB ...]   (default 20 50)
//   npm run bench:sse:memory   RSS growth streaming 200 MB; bench:sse:many, past 2^24 events
//                              (both in sse-memory.mjs)
import { fork } from "node:child_process";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { createParser } from "eventsource-parser";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { createReplicate, createSseParser, stream } from "../../dist/index.js";

const MB = 1024 * 1024;

const DONE = "event: done\ndata: {}\n\n";

/** `bytes` of token events (1 in 10 preceded by a logs event), without the final `done`. */
export function tokenBody(bytes) {
  const parts = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const logs = i % 10 === 0 ? `event: logs\nid: 1690212292:${i}\ndata: step ${i}\n\n` : "";
    const part = `${logs}event: output\nid: 1690212292:${i}\ndata: tok${i % 97} \n\n`;
    parts.push(part);
    size += part.length;
  }
  return Buffer.from(parts.join(""));
}

/**
 * Write `body` `times` over in slices of 1–16 KB (a fixed sequence), as network writes of
 * a busy server look, then `done`.
 */
async function writeSliced(res, body, times) {
  let seed = 7;
  for (let i = 0; i < times; i++) {
    for (let at = 0; at < body.length; ) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const size = 1024 + (seed % (15 * 1024));
      if (!res.write(body.subarray(at, at + size))) await new Promise((resolve) => res.once("drain", resolve));
      at += size;
    }
  }
  res.end(DONE);
}

/**
 * `count` tiny output events, each with its own id, made as they are sent. Each write
 * waits for the last to drain: the whole body is never held.
 */
async function writeMany(res, count) {
  for (let i = 0; i < count; ) {
    let chunk = "";
    for (const end = Math.min(count, i + 2000); i < end; i++) chunk += `id:${i}\nevent:output\ndata:x\n\n`;
    if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
  }
  res.end(DONE);
}

/**
 * The server process: `/events?mb=N` (bodies made once and cached; past 100 MB, a 100 MB
 * body repeated, so N must then be a multiple of 100), `/many?n=N`, `/stats`.
 */
function serve() {
  const bodies = new Map();
  const connections = { events: 0, many: 0 };
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/stats") return res.end(JSON.stringify(connections));
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
    if (url.pathname === "/many") {
      connections.many++;
      return void writeMany(res, Number(url.searchParams.get("n")));
    }
    connections.events++;
    const mb = Number(url.searchParams.get("mb"));
    const block = Math.min(mb, 100);
    if (!bodies.has(block)) bodies.set(block, tokenBody(block * MB));
    void writeSliced(res, bodies.get(block), Math.round(mb / block));
  });
  server.listen(0, "127.0.0.1", () => process.send(`http://127.0.0.1:${server.address().port}`));
  process.on("disconnect", () => process.exit(0));
}

/** Start the server process; resolves to its origin and a function that stops it. */
export function startServer() {
  const child = fork(fileURLToPath(import.meta.url), ["--serve"], { stdio: "inherit" });
  return new Promise((resolve) =>
    child.once("message", (origin) => resolve({ origin, stop: () => child.disconnect() })),
  );
}

/** The candidates: each reads the stream at `url` and resolves to the number of output events. */
export const candidates = {
  "stream()": async (url) => {
    const replicate = createReplicate({ auth: "unused" });
    const prediction = { id: "p1", status: "processing", urls: { get: `${url}/get`, stream: url } };
    let n = 0;
    for await (const event of stream(replicate, prediction)) if (event.type === "output") n++;
    return n;
  },
  "eventsource-parser pipeline": async (url) => {
    const response = await fetch(url, { headers: { accept: "text/event-stream" } });
    let n = 0;
    const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
    for await (const event of events) if (event.event === "output") n++;
    return n;
  },
  "raw decode + split": async (url) => {
    const response = await fetch(url, { headers: { accept: "text/event-stream" } });
    const decoder = new TextDecoder();
    let rest = "";
    let n = 0;
    for await (const chunk of response.body) {
      const text = rest + decoder.decode(chunk, { stream: true });
      let at = 0;
      for (let end = text.indexOf("\n\n"); end >= 0; end = text.indexOf("\n\n", at)) {
        n++;
        at = end + 2;
      }
      rest = text.slice(at);
    }
    return n;
  },
};

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const pad = (s, n) => String(s).padEnd(n);

async function endToEnd(origin, sizes, reps) {
  const names = Object.keys(candidates);
  for (const mb of sizes) {
    const url = `${origin}/events?mb=${mb}`;
    await candidates["raw decode + split"](url); // the server makes and caches the body
    const wall = Object.fromEntries(names.map((name) => [name, []]));
    const cpu = Object.fromEntries(names.map((name) => [name, []]));
    const counts = new Set();
    for (let rep = 0; rep < reps + 1; rep++) {
      // Interleaved, the order rotating each round: a noisy moment hurts all alike.
      for (let k = 0; k < names.length; k++) {
        const name = names[(rep + k) % names.length];
        const start = performance.now();
        const used = process.cpuUsage();
        const n = await candidates[name](url);
        const { user, system } = process.cpuUsage(used);
        if (rep > 0) {
          // Round 0 warms up.
          wall[name].push(performance.now() - start);
          cpu[name].push((user + system) / 1000);
        }
        if (name !== "raw decode + split") counts.add(n);
      }
    }
    if (counts.size !== 1) throw new Error(`the candidates disagree on the number of output events: ${[...counts]}`);
    console.log(`\n${mb} MB body, ${[...counts][0]} output events; median of ${reps} runs each, interleaved`);
    console.log(`  ${pad("", 30)} ${"wall".padStart(16)} ${"client CPU".padStart(22)}`);
    const ms = {};
    const cpuMs = {};
    for (const name of names) {
      ms[name] = median(wall[name]);
      cpuMs[name] = median(cpu[name]);
      const rate = (t) => `${(mb / (t / 1000)).toFixed(1).padStart(6)} MB/s`;
      console.log(
        `  ${pad(name, 30)} ${ms[name].toFixed(0).padStart(5)} ms ${rate(ms[name])} ${cpuMs[name].toFixed(0).padStart(7)} ms ${rate(cpuMs[name])}`,
      );
    }
    const ratio = (t, name) => `${(t[name] / t["stream()"]).toFixed(2)}×`;
    console.log(
      `  stream() / pipeline: ${ratio(ms, "eventsource-parser pipeline")} (CPU ${ratio(cpuMs, "eventsource-parser pipeline")})` +
        `   stream() / raw floor: ${ratio(ms, "raw decode + split")} (CPU ${ratio(cpuMs, "raw decode + split")})`,
    );
  }
}

/** The parsers alone on chunks held in memory: no network, no iteration. */
function bareParsers() {
  const bytes = tokenBody(8 * MB);
  const chunks = [];
  for (let i = 0; i < bytes.length; i += 4096) chunks.push(bytes.subarray(i, i + 4096));
  const bare = {
    "createSseParser (bytes)": () => {
      let n = 0;
      const parser = createSseParser({ onEvent: () => n++ });
      for (const chunk of chunks) parser.feed(chunk);
      return n;
    },
    "eventsource-parser createParser": () => {
      let n = 0;
      const decoder = new TextDecoder();
      const parser = createParser({ onEvent: () => n++ });
      for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }));
      return n;
    },
  };
  const times = Object.fromEntries(Object.keys(bare).map((name) => [name, []]));
  for (let rep = 0; rep < 12; rep++) {
    for (const [name, fn] of Object.entries(bare)) {
      const start = performance.now();
      fn();
      if (rep >= 3) times[name].push(performance.now() - start);
    }
  }
  console.log(`\nbare parsers, 8 MB in memory in 4 KB chunks (no network, no iteration)`);
  for (const name of Object.keys(bare)) {
    const ms = median(times[name]);
    console.log(`  ${pad(name, 34)} ${ms.toFixed(1).padStart(6)} ms ${(8 / (ms / 1000)).toFixed(0).padStart(5)} MB/s`);
  }
}

async function main() {
  const sizes = process.argv.slice(2).map(Number).filter(Boolean);
  const { origin, stop } = await startServer();
  try {
    console.log(`node ${process.version}; server in its own process at ${origin}`);
    await endToEnd(origin, sizes.length ? sizes : [20, 50], 9);
    bareParsers();
  } finally {
    stop();
  }
}

if (process.argv[2] === "--serve") serve();
else if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
