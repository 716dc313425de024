// The README's main command, `npm run demo` (an alias of `npx replicate-kit demo`), must
// work offline: run its script without a token and check that every part of the tour happened.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";

const root = new URL("../", import.meta.url).pathname;
const cwd = mkdtempSync(join(tmpdir(), "replicate-kit-demo-"));

beforeAll(() => {
  if (!existsSync(join(root, "dist/bin/replicate-kit.js"))) execFileSync("npx", ["tsup", "--silent"], { cwd: root });
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
  expect(out.status).toBe(0);
  // Progress goes to standard error (plain lines off a terminal), and nothing else does.
  expect(out.stderr).toMatch(/^\w+ processing \(\d+\.\ds\)$/m);
  expect(
    out.stderr
      .split("\n")
      .filter(Boolean)
      .every((l) => /^\w+ \w+ \(\d+\.\ds\)$/.test(l)),
  ).toBe(true);
  expect(out.stdout).toMatch(/^Offline: a fake Replicate on http:\/\/127\.0\.0\.1:\d+\/v1$/m);
  const saved = [...out.stdout.matchAll(/^demo-output\/(\w+-\d\.svg)$/gm)].map((m) => m[1] as string);
  expect(saved).toHaveLength(2); // num_outputs=2, each saved with its real extension
  for (const name of saved) expect(readFileSync(join(cwd, "demo-output", name), "utf8")).toContain("a red fox in t");
  expect(out.stdout).toContain('You asked: "Why is the sky blue?"');
  const trained = /^demo\/my-style:[0-9a-f]{64}$/m.exec(out.stdout)?.[0];
  expect(trained).toBeDefined();
  expect(out.stdout).toContain(`$ replicate-kit run ${trained} prompt="a lighthouse" --fake`);
  expect(out.stdout).toMatch(/^a lighthouse, in the style of a watercolor$/m);
  expect(out.stdout).toMatch(/verified: prediction \w+ succeeded/);
  // It ends with a one-line summary that says where to read its code.
  expect(out.stdout).toMatch(/^Done: .* Read how in src\/cli\/commands\/demo-command\.ts\.$/m);
}, 60_000);
