#!/usr/bin/env node
// Cold start: a fresh Node process imports the built package and makes a client, timed
// inside the process (import + createReplicate, from before the import to after the
// client exists), against the official client (`replicate`, a devDependency) doing
// `import Replicate from "replicate"; new Replicate({ auth })`. Each is run RUNS times,
// interleaved so both see the same machine load; the figures are medians. Also reports
// whether making the client loaded Node's fetch implementation (undici), which costs
// more than everything else together and should wait for the first request.
//
//   npm run bench:cold
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const RUNS = 40;
const ours = new URL("../../dist/index.js", import.meta.url).href;
const official = pathToFileURL(createRequire(import.meta.url).resolve("replicate")).href;

/** A child's script: time `body`, then say how long it took and whether undici got loaded. */
const script = (body) => `
const started = performance.now();
${body}
const ms = performance.now() - started;
const fetchLoaded = process.moduleLoadList.some((m) => m.includes("undici"));
console.log(JSON.stringify({ ms, fetchLoaded }));`;

const cases = {
  "replicate-kit: import + createReplicate()": script(
    `const { createReplicate } = await import(${JSON.stringify(ours)});\ncreateReplicate({ auth: "r8_cold" });`,
  ),
  "official: import + new Replicate()": script(
    `const { default: Replicate } = await import(${JSON.stringify(official)});\nnew Replicate({ auth: "r8_cold" });`,
  ),
};

const results = Object.fromEntries(Object.keys(cases).map((label) => [label, []]));
for (let i = 0; i < RUNS; i++) {
  const labels = Object.keys(cases);
  if (i % 2) labels.reverse();
  for (const label of labels) {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", cases[label]], { encoding: "utf8" });
    results[label].push(JSON.parse(out));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const medians = {};
for (const [label, runs] of Object.entries(results)) {
  medians[label] = median(runs.map((r) => r.ms));
  const loaded = runs.some((r) => r.fetchLoaded) ? "yes" : "no";
  console.log(
    `${label.padEnd(44)} median ${medians[label].toFixed(1)} ms over ${RUNS} fresh processes; fetch machinery loaded: ${loaded}`,
  );
}
const [kit, peer] = Object.values(medians);
console.log(`ratio replicate-kit / official: ${(kit / peer).toFixed(2)}×`);
