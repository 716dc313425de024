#!/usr/bin/env node
// The workerd consumer (Cloudflare's runtime): bundles the throwaway project's worker.mjs
// (the installed tarball + scenario.mjs) into one ES module, serves it with `workerd serve`
// on 127.0.0.1, asks it to run the scenario against the fake Replicate at FAKE_URL, prints
// the checks it answers with, and exits 1 if any failed. Then two requests at once, the
// first of which ends before the second's deadline: that deadline must still fire (a
// workerd timer belongs to the request that armed it). Always stops workerd.
//
//   cd <project> && FAKE_URL=http://127.0.0.1:PORT node ecosystem-tests/workerd/host.mjs
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { join } from "node:path";
import { bundleWorker } from "../bundle-worker.mjs";
import { startStub } from "../edge-stub.mjs";

const project = process.cwd();
const stub = await startStub();
const dir = join(project, "workerd");
mkdirSync(dir, { recursive: true });

// workerd cannot resolve node_modules: one self-contained module, resolved as an edge
// bundler would (wrangler's conditions), from the packed package's own dist/.
await bundleWorker(project, {
  outfile: join(dir, "worker.js"),
  format: "esm",
  conditions: ["workerd", "worker", "browser"],
});

// workerd's config takes a fixed port: ask the OS for a free one on loopback first.
const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});

// Outbound fetch() goes through the service named "internet", which by default refuses
// private and loopback addresses; this one allows only loopback, where the fake listens.
writeFileSync(
  join(dir, "config.capnp"),
  `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "2025-06-01",
  bindings = [
    (name = "FAKE_URL", text = ${JSON.stringify(process.env.FAKE_URL)}),
    (name = "STUB_URL", text = ${JSON.stringify(stub.url)}),
  ],
);
`,
);

const binary = createRequire(import.meta.url).resolve("workerd/bin/workerd");
const workerd = spawn(binary, ["serve", join(dir, "config.capnp")], { stdio: ["ignore", "pipe", "pipe"] });
let logs = "";
workerd.stdout.on("data", (d) => (logs += d));
workerd.stderr.on("data", (d) => (logs += d));
const exited = new Promise((resolve) => workerd.on("exit", (code) => resolve(code)));
// SIGKILL: on SIGTERM workerd drains in-flight requests first, and a hung one never ends.
const stop = () => workerd.exitCode === null && workerd.kill("SIGKILL");
process.on("SIGTERM", () => {
  stop(); // run.mjs's timeout: never leave workerd behind
  process.exit(1);
});

try {
  const base = `http://127.0.0.1:${port}`;
  // Ready once it answers anything (404 for /ready); give up if it exits or takes 20 s.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ready = await fetch(`${base}/ready`).then(
      () => true,
      () => false,
    );
    if (ready) break;
    if (workerd.exitCode !== null || Date.now() > deadline) throw new Error(`workerd did not start\n${logs}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const response = await fetch(base, { signal: AbortSignal.timeout(60_000) });
  process.stdout.write(await response.text());
  if (!response.ok) {
    if (logs.trim()) console.log(logs.trim());
    process.exitCode = 1;
  }
  // Request A (answered in 500 ms) arms the deadline timer; request B, 100 ms later, waits
  // on an upstream that never answers, under a 10 s deadline of its own.
  const ask = (path) =>
    fetch(`${base}${path}`, { signal: AbortSignal.timeout(20_000) }).then(
      (r) => r.text(),
      (error) => `no answer (${error.name})`,
    );
  const first = ask("/deadline/busy");
  await new Promise((resolve) => setTimeout(resolve, 100));
  const [a, b] = await Promise.all([first, ask("/deadline/hang")]);
  const fired = a.startsWith("p1") && /^TimeoutError after 1\d s$/.test(b);
  console.log(`${fired ? "✓" : "✗"} a deadline fires after another request that shared it has ended (${a}; ${b})`);
  if (!fired) process.exitCode = 1;
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  stop();
  await exited;
  stub.close();
}
