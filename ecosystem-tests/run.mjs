#!/usr/bin/env node
// Packed-artifact tests: `npm pack`, install the tarball into a throwaway project, and run
// the same scenario from each consumer against a fake Replicate on loopback HTTP. Run by
// .ci/run after the build; prints what each consumer checked, and exits 1 if any fails.
//
//   npm run build && node ecosystem-tests/run.mjs
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addScenarioModels } from "./scenario-models.mjs";

const root = new URL("..", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "replicate-kit-consumers-"));
const failures = [];

function run(label, command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 120_000, ...options });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
  console.log(`\n[${label}] ${result.status === 0 ? "passed" : "FAILED"}`);
  if (output) console.log(output.replace(/^/gm, "  "));
  if (result.status !== 0) failures.push(label);
}

try {
  // The artifact, exactly as it would be published.
  const tarball = // --ignore-scripts: pack the build that was just tested, not a fresh one (prepack builds).
    execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", work], {
      cwd: root,
      encoding: "utf8",
    })
      .trim()
      .split("\n")
      .at(-1);
  const project = join(work, "consumer");
  cpSync(join(root, "ecosystem-tests/consumer"), project, { recursive: true });
  // The edge runtimes' worker sits next to scenario.mjs so that it imports the installed tarball.
  cpSync(join(root, "ecosystem-tests/workerd/worker.mjs"), join(project, "worker.mjs"));
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--silent", join(work, tarball)], { cwd: project });

  // The fake Replicate, from the installed package's own testing entries.
  const { createFakeReplicate } = await import(join(project, "node_modules/replicate-kit/dist/testing.js"));
  const { serveFake } = await import(join(project, "node_modules/replicate-kit/dist/testing-node.js"));
  const fake = createFakeReplicate({ startDelayMs: 5, pageSize: 2 }); // lists of more than one page
  addScenarioModels(fake, "consumer");
  const server = await serveFake(fake);
  const env = { ...process.env, FAKE_URL: server.url, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" };
  const each = (label, command, args) => {
    fake.faults.dropStreams = 1; // every consumer's stream meets a dropped connection
    fake.faults.dropAfterEvents = 2;
    // Spawned asynchronously, so the fake (in this process) keeps answering meanwhile.
    return new Promise((resolve) => {
      const child = spawn(command, args, { cwd: project, env });
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      // No consumer may hang the run: SIGTERM after 2 minutes (the edge hosts stop their own
      // runtimes on it), SIGKILL if that is ignored.
      const timer = setTimeout(() => {
        output += "\n(timed out after 120 s)";
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }, 120_000);
      child.on("close", (code) => {
        clearTimeout(timer);
        console.log(`\n[${label}] ${code === 0 ? "passed" : "FAILED"}`);
        if (output.trim()) console.log(output.trim().replace(/^/gm, "  "));
        if (code !== 0) failures.push(label);
        resolve();
      });
    });
  };
  await each("node ESM", process.execPath, ["esm.mjs"]);
  await each("node CJS", process.execPath, ["cjs.cjs"]);
  await each("node, ESM and CJS copies together", process.execPath, ["dual.mjs"]);
  // Deno with only the permissions the scenario needs: the fake's address and one variable.
  const { host } = new URL(server.url);
  const deno = join(root, "node_modules/.bin/deno");
  await each("deno", deno, ["run", `--allow-net=${host}`, "--allow-env=FAKE_URL", "esm.mjs"]);
  await each("bun", join(root, "node_modules/.bin/bun"), ["esm.mjs"]);
  // Edge runtimes, web-standard globals only: the same scenario in a module worker served by
  // Cloudflare's workerd, and in Vercel's edge-runtime VM (ecosystem-tests/*/host.mjs).
  await each("workerd", process.execPath, [join(root, "ecosystem-tests/workerd/host.mjs")]);
  await each("edge-runtime", process.execPath, [join(root, "ecosystem-tests/edge-runtime/host.mjs")]);
  await server.close();

  // The command line, as `npx replicate-kit` finds it in the installed tarball: its command list.
  const help = spawnSync("npx", ["--no-install", "replicate-kit", "--help"], { cwd: project, encoding: "utf8" });
  const listed = help.status === 0 && /^ {2}run +/m.test(help.stdout) && /^ {2}demo +/m.test(help.stdout);
  console.log(`\n[npx replicate-kit --help] ${listed ? "passed" : "FAILED"}`);
  if (!listed) console.log(`${help.stdout}${help.stderr}`.trim().replace(/^/gm, "  "));
  if (!listed) failures.push("npx replicate-kit --help");

  // TypeScript consumers: the published types only, skipLibCheck off, two resolutions.
  const tsc = join(root, "node_modules/typescript/bin/tsc");
  for (const resolution of ["node16", "bundler"]) {
    const module = resolution === "node16" ? "node16" : "esnext";
    const args = ["--noEmit", "--strict", "--skipLibCheck", "false", "--target", "es2022", "--lib", "es2022,dom"];
    args.push("--module", module, "--moduleResolution", resolution, "--types", "node", "typed.ts");
    for (const dep of ["@types/node", "undici-types"]) {
      cpSync(join(root, "node_modules", dep), join(project, "node_modules", dep), { recursive: true });
    }
    run(`TypeScript, moduleResolution ${resolution}`, process.execPath, [tsc, ...args], { cwd: project });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

console.log(failures.length ? `\nconsumers failed: ${failures.join(", ")}` : "\nall consumers passed");
process.exit(failures.length ? 1 : 0);
