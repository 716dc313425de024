#!/usr/bin/env node
// Print the minified + gzipped size of what an app bundles from the built ESM entries,
// bundled the way an app's bundler would (esbuild, minify), so the figures are comparable
// with other clients'. Budgets fail the run; the other rows are for the record.
//   npm run build && npm run size
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const dist = (name) => JSON.stringify(new URL(`../dist/${name}.js`, import.meta.url).pathname);

async function measure(contents) {
  const result = await build({
    stdin: { contents, resolveDir: new URL("..", import.meta.url).pathname },
    bundle: true,
    minify: true,
    format: "esm",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0].contents;
  return { min: code.length, gz: gzipSync(code, { level: 9 }).length };
}

const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
// [label, module source, budget in min+gz bytes or undefined]
const rows = [
  ["whole main entry", `export * from ${dist("index")};`, 5120],
  ["verifyWebhook only", `export { verifyWebhook } from ${dist("webhooks")};`, 1536],
  ["createReplicate only", `export { createReplicate } from ${dist("index")};`],
  ["createReplicate + run", `export { createReplicate } from ${dist("index")}; export { run } from ${dist("run")};`],
  [
    "createReplicate + run + stream",
    `export { createReplicate } from ${dist("index")}; export { run } from ${dist("run")}; export { stream } from ${dist("stream")};`,
  ],
  ["createSseParser only", `export { createSseParser } from ${dist("stream")};`],
  [
    "every entry but testing, whole",
    ["index", "run", "stream", "train", "webhooks", "api", "limit", "proxy"]
      .map((name, i) => `export * as e${i} from ${dist(name)};`)
      .join("\n"),
  ],
];
let over = false;
for (const [label, contents, budget] of rows) {
  const { min, gz } = await measure(contents);
  let note = "";
  if (budget !== undefined) {
    note = `  (budget ${kb(budget)}: ${gz <= budget ? "ok" : "OVER"})`;
    if (gz > budget) over = true;
  }
  console.log(`${label.padEnd(32)} ${kb(min).padStart(10)} min  ${kb(gz).padStart(9)} min+gz${note}`);
}
if (over) process.exit(1);
