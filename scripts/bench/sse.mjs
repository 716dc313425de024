#!/usr/bin/env node
// SSE parsing throughput against two baselines measured in the same run:
// - a raw line split (TextDecoder + split on "\n"): the least work any parser must do;
// - eventsource-parser, the common standalone parser.
// The input looks like a Replicate token stream: short `output` events with ids, some `logs`.
//
//   npm run build && node scripts/bench-sse.mjs
import { createParser } from "eventsource-parser";
import { createSseParser } from "../../dist/stream.js";

const EVENTS = 50_000;
let text = "";
for (let i = 0; i < EVENTS; i++) {
  text += i % 10 === 0 ? `event: logs\nid: 1690212292:${i}\ndata: step ${i}/50000\n\n` : "";
  text += `event: output\nid: 1690212292:${i}\ndata: tok${i % 97} \n\n`;
}
const bytes = new TextEncoder().encode(text);
const CHUNK = 1024; // about what one network read delivers for a token stream
const chunks = [];
for (let i = 0; i < bytes.length; i += CHUNK) chunks.push(bytes.subarray(i, i + CHUNK));

const candidates = {
  "raw line split": () => {
    const decoder = new TextDecoder();
    let rest = "";
    let lines = 0;
    for (const chunk of chunks) {
      const parts = (rest + decoder.decode(chunk, { stream: true })).split("\n");
      rest = parts.pop();
      lines += parts.length;
    }
    return lines;
  },
  "eventsource-parser": () => {
    let n = 0;
    const decoder = new TextDecoder();
    const parser = createParser({ onEvent: () => n++ });
    for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }));
    return n;
  },
  "replicate-kit": () => {
    let n = 0;
    const parser = createSseParser({ onEvent: () => n++ });
    for (const chunk of chunks) parser.feed(chunk);
    return n;
  },
};

function measure(fn) {
  for (let i = 0; i < 5; i++) fn(); // warm up the JIT
  const times = [];
  for (let i = 0; i < 15; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]; // median: robust to a noisy neighbour
}

const mb = bytes.length / 1024 / 1024;
const results = {};
for (const [name, fn] of Object.entries(candidates)) results[name] = measure(fn);
console.log(`${EVENTS} output events (+ logs), ${mb.toFixed(2)} MB in ${chunks.length} chunks of ${CHUNK} B`);
for (const [name, ms] of Object.entries(results)) {
  const vsRaw = (ms / results["raw line split"]).toFixed(2);
  const vsEsp = (results["eventsource-parser"] / ms).toFixed(2);
  console.log(
    `${name.padEnd(20)} ${ms.toFixed(1).padStart(7)} ms  ${(mb / (ms / 1000)).toFixed(0).padStart(5)} MB/s  ${vsRaw}× raw split's time  ${vsEsp}× eventsource-parser's speed`,
  );
}
