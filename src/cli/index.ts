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
import { guardedIO } from "./terminal-text.js";

/** Ctrl-C: the first goes to the running command (which cancels its job), a second exits at once. */
const handlers = new Set<() => void>();
let interrupts = 0;
process.on("SIGINT", () => {
  interrupts++;
  if (interrupts > 1 || handlers.size === 0) process.exit(EXIT.interrupted);
  for (const handler of handlers) handler();
});

/**
 * A writer that stops when its reader goes away (`replicate-kit run ... | head -1` closes
 * the pipe): Node reports EPIPE as an "error" event, which unhandled kills the process
 * with a stack. `gone` then drops further writes; `closed` says what else to do.
 */
function writer(stream: NodeJS.WriteStream, closed: (error: NodeJS.ErrnoException) => void) {
  let gone = false;
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (gone) return;
    gone = true;
    closed(error);
  });
  return (text: string) => {
    if (!gone) stream.write(text);
  };
}

let unwritten = false;
const out = writer(process.stdout, (error) => {
  // Not a reader that has read enough (EPIPE): the output was lost, which the exit code says.
  if (error.code !== "EPIPE") unwritten = true;
  // Nothing more can be shown: stop the running job as Ctrl-C does, so that it stops costing.
  for (const handler of handlers) handler();
});
const err = writer(process.stderr, () => {}); // nowhere left to say anything

// Text from the API is escaped before it reaches a terminal (see terminal-text.ts).
const io: CliIO = guardedIO(
  {
    out,
    err,
    env: process.env,
    cwd: process.cwd(),
    stdin: async () => new Uint8Array(await buffer(process.stdin)),
    isTTY: process.stderr.isTTY,
    onInterrupt: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  },
  { stdoutIsTTY: process.stdout.isTTY },
);

// exitCode, not exit(): output still being written to a pipe is not cut off.
const code = await main(process.argv.slice(2), io);
process.exitCode = unwritten && code === EXIT.ok ? EXIT.failed : code;
