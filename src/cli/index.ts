#!/usr/bin/env node
import process from "node:process";
/**
 * `replicate-kit`, the command line (Node only; the package's `bin`). The only module
 * that touches `process`: everything else takes a {@link CliIO}, so it runs in tests.
 *
 * @example
 * // npx replicate-kit run black-forest-labs/flux-schnell prompt="a fox in snow"
 */
import { buffer } from "node:stream/consumers";
import { type CliIO, EXIT } from "./cli-io.js";
import { main } from "./main.js";

/** Ctrl-C: the first goes to the running command (which cancels its job), a second exits at once. */
const handlers = new Set<() => void>();
let interrupts = 0;
process.on("SIGINT", () => {
  interrupts++;
  if (interrupts > 1 || handlers.size === 0) process.exit(EXIT.interrupted);
  for (const handler of handlers) handler();
});

const io: CliIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  stdin: async () => new Uint8Array(await buffer(process.stdin)),
  isTTY: process.stderr.isTTY,
  onInterrupt: (handler) => {
    handlers.add(handler);
    return () => handlers.delete(handler);
  },
};

// exitCode, not exit(): output still being written to a pipe is not cut off.
process.exitCode = await main(process.argv.slice(2), io);
