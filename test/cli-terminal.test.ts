// The command line in a real terminal: driven in a pseudo-terminal by tmux
// (`new-session -d`, `send-keys`, `capture-pane`), against the bundled fake (--fake), so
// that what a person sees is what is checked: the progress line updating in place, and
// the final screen with the saved files' paths. .ci/run installs tmux; without it
// locally, the tests are skipped with the reason printed.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = new URL("../", import.meta.url).pathname;
const bin = join(root, "dist/bin/replicate-kit.js");
const cwd = mkdtempSync(join(tmpdir(), "replicate-kit-tty-"));
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
if (!hasTmux) console.log("cli-terminal tests skipped: tmux is not installed (apt-get install -y tmux)");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const session = `rk-${process.pid}`;
const tmux = (...args: string[]) => execFileSync("tmux", ["-L", session, ...args], { encoding: "utf8" });
const screen = () => tmux("capture-pane", "-p", "-t", session).replace(/\n+$/, "");

beforeAll(() => {
  if (hasTmux && !existsSync(bin)) execFileSync("npx", ["tsup", "--silent"], { cwd: root });
  if (hasTmux) tmux("new-session", "-d", "-s", session, "-x", "110", "-y", "20", "-c", cwd, "bash --norc --noprofile");
}, 60_000);
afterAll(() => {
  if (hasTmux) spawnSync("tmux", ["-L", session, "kill-server"]);
  rmSync(cwd, { recursive: true, force: true });
});

/** Type a command line and press Enter. */
function type(line: string) {
  tmux("send-keys", "-t", session, "clear", "Enter");
  tmux("send-keys", "-t", session, line, "Enter");
}

async function until(test: (text: string) => boolean, ms = 15_000): Promise<string> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) {
    const text = screen();
    if (test(text)) return text;
  }
  throw new Error(`the screen never showed what was expected:\n${screen()}`);
}

const env = "env -u NO_COLOR REPLICATE_KIT_DEMO_STEP_MS=400";

describe.skipIf(!hasTmux)("in a terminal", { timeout: 30_000 }, () => {
  it("redraws one progress line in place, then shows the saved files", async () => {
    type(
      `${env} node ${bin} run demo/fox-painter prompt="a fox in snow" num_outputs=2 --out out --fake; echo "exit=$?"`,
    );
    const bars: string[] = [];
    const final = await until((text) => {
      const bar = /^(\w+) {2}processing\s+\[[█░]+\] (\d+)% .*s$/m.exec(text)?.[0];
      if (bar && bars.at(-1) !== bar) bars.push(bar);
      return /^exit=\d+$/m.test(text);
    });
    // The bar moved, on the same line: never two progress lines on the screen at once.
    expect(new Set(bars.map((b) => /(\d+)%/.exec(b)?.[1])).size).toBeGreaterThan(1);
    const id = /^(\w+) {2}succeeded in \d+\.\ds$/m.exec(final)?.[1];
    expect(id).toBeDefined();
    expect(final).toContain(`out/${id}-0.svg\nout/${id}-1.svg\nexit=0`);
    expect(final.match(/processing|succeeded/g)).toHaveLength(1);
    console.log(`run, mid-way:\n${bars.at(-1)}\n\nrun, the final screen:\n${final}`);
  });

  it("prints a language model's tokens as they arrive", async () => {
    type(`${env} node ${bin} run demo/chat prompt="Why is the sky blue?" --fake; echo "exit=$?"`);
    const partial = await until((text) => /You asked: /.test(text) && !/one token at a time/.test(text));
    const final = await until((text) => /^exit=\d+$/m.test(text));
    expect(final).toMatch(
      /^You asked: "Why is the sky blue\?". Here is a short answer, one token at a time. ?\nexit=0$/m,
    );
    console.log(`stream, mid-way:\n${partial}\n\nstream, the final screen:\n${final}`);
  });
});
