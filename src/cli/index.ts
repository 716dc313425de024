#!/usr/bin/env node
/**
 * `replicate-kit`, the command line (Node only; the package's `bin`). The only module
 * that touches `process`: everything else takes a {@link CliIO}, so it runs in tests.
 *
 * @example
 * // npx replicate-kit types black-forest-labs/flux-schnell --out src/replicate-models.ts
 */
import process from "node:process";
import type { CliIO } from "./cli-io.js";
import { main } from "./main.js";

const io: CliIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
};

// exitCode, not exit(): output still being written to a pipe is not cut off.
process.exitCode = await main(process.argv.slice(2), io);
