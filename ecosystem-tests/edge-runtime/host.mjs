#!/usr/bin/env node
// The edge-runtime consumer (Vercel's Edge runtime, a Node VM with the edge globals only:
// no process, Buffer, require or Node modules, and no eval). Bundles the throwaway project's
// worker.mjs (the installed tarball + scenario.mjs) into one script, evaluates it in an
// EdgeRuntime, dispatches a fetch event that runs the scenario against the fake Replicate at
// FAKE_URL, prints the checks it answers with, and exits 1 if any failed.
//
//   cd <project> && FAKE_URL=http://127.0.0.1:PORT node ecosystem-tests/edge-runtime/host.mjs
import { EdgeRuntime } from "edge-runtime";
import { bundleWorker } from "../bundle-worker.mjs";
import { startStub } from "../edge-stub.mjs";

const project = process.cwd();

// EdgeRuntime evaluates scripts, not modules: an IIFE exposing the worker as `consumer`,
// resolved as Vercel bundles edge functions (the "edge-light" condition first).
const { outputFiles } = await bundleWorker(project, {
  write: false,
  format: "iife",
  globalName: "consumer",
  conditions: ["edge-light", "worker", "browser"],
});

// The worker answers fetch events, the way the runtime serves an edge function.
const stub = await startStub();
const env = { FAKE_URL: process.env.FAKE_URL, STUB_URL: stub.url };
const runtime = new EdgeRuntime({
  initialCode: `${outputFiles[0].text}
addEventListener("fetch", (event) => event.respondWith(consumer.default.fetch(event.request, ${JSON.stringify(env)})));`,
});

let timer;
const timeout = new Promise((_, reject) => {
  timer = setTimeout(() => reject(new Error("edge-runtime: no answer within 60 s")), 60_000);
});
try {
  const response = await Promise.race([runtime.dispatchFetch("http://edge.localhost/"), timeout]);
  process.stdout.write(await response.text());
  if (!response.ok) process.exitCode = 1;
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  clearTimeout(timer);
  stub.close();
}
// Whatever the VM may still hold open (keep-alive sockets, timers), this consumer is done.
process.exit();
