// The README's main command, `npm run demo`, must work offline: run its script without a
// token and check that every part of the tour happened.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";

const root = new URL("../", import.meta.url).pathname;
const cwd = mkdtempSync(join(tmpdir(), "replicate-kit-demo-"));

beforeAll(() => {
  if (!existsSync(join(root, "dist/testing-node.js"))) execFileSync("npx", ["tsup", "--silent"], { cwd: root });
}, 60_000);
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

it("runs the whole tour against the fake, with no token", () => {
  const env = { ...process.env };
  delete env.REPLICATE_API_TOKEN;
  const out = spawnSync(process.execPath, [join(root, "scripts/demo.mjs")], {
    cwd,
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(out.stderr).toBe("");
  expect(out.status).toBe(0);
  expect(out.stdout).toMatch(/^Offline: a fake Replicate on http:\/\/127\.0\.0\.1:\d+\/v1$/m);
  expect(out.stdout).toContain("saved demo-output/fox.svg");
  expect(out.stdout).toMatch(/processing \[#+\.*\] \d+%/); // progress of a long step was shown
  expect(out.stdout).toContain('You asked: "Why is the sky blue?"');
  expect(out.stdout).toMatch(/trained: demo\/my-style:[0-9a-f]{64}/);
  expect(out.stdout).toContain("output: a lighthouse, in the style of a watercolor");
  expect(out.stdout).toMatch(/verified: prediction \w+ succeeded/);
  expect(readFileSync(join(cwd, "demo-output/fox.svg"), "utf8")).toContain("a red fox in t");
}, 60_000);
