#!/usr/bin/env node
// Print the minified + gzipped size of the built ESM entry, bundled the way an app's
// bundler would (esbuild, minify), so the figure is comparable with other clients'.
//   npm run build && npm run size
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const entry = new URL("../dist/index.js", import.meta.url).pathname;

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
const rows = [
  ["whole main entry", `export * from ${JSON.stringify(entry)};`],
  ["createReplicate only", `export { createReplicate } from ${JSON.stringify(entry)};`],
  ["verifyWebhook only", `export { verifyWebhook } from ${JSON.stringify(entry)};`],
  ["createSseParser only", `export { createSseParser } from ${JSON.stringify(entry)};`],
];
for (const [label, contents] of rows) {
  const { min, gz } = await measure(contents);
  console.log(`${label.padEnd(22)} ${kb(min).padStart(10)} min  ${kb(gz).padStart(9)} min+gz`);
}
