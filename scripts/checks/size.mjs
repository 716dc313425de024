#!/usr/bin/env node
// What an app bundles from the built package, per app shape: each row is a tiny app that
// imports some functions from the main entry and uses them, bundled the way an app's
// bundler would (esbuild, minify), then gzip -9. Budgets fail the run; the other rows are
// for the record. The figures are comparable with other clients' bundle sizes.
//   npm run build && npm run size
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const main = JSON.stringify(new URL("../../dist/index.js", import.meta.url).pathname);

async function measure(contents) {
  const result = await build({
    stdin: { contents, resolveDir: new URL("../..", import.meta.url).pathname },
    bundle: true,
    minify: true,
    format: "esm",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0].contents;
  return { min: code.length, gz: gzipSync(code, { level: 9 }).length };
}

/** An app that imports `names` and keeps each alive (so tree-shaking cannot drop it). */
const app = (...names) => `import { ${names.join(", ")} } from ${main};\nglobalThis.keep = [${names.join(", ")}];`;

const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
const KB = 1024;
// [label, app source, budget (enforced), target (the issues' goal, printed)] in min+gz bytes.
// Two budgets sit above their targets: the hardening of the transport (redirects followed
// by hand, a deadline over bodies, header checks) and the adaptive limiter cost about
// 2 KB of the core. The budgets stop growth; the targets say where to get back to.
const rows = [
  [
    "client + one operation",
    `import { createReplicate } from ${main};\nglobalThis.keep = createReplicate().predictions.get;`,
    7.2 * KB,
    5 * KB,
  ],
  [
    "typical: client + run + stream + verifyWebhook",
    app("createReplicate", "run", "stream", "verifyWebhook"),
    16.6 * KB,
    10 * KB,
  ],
  ["verifyWebhook alone", app("verifyWebhook"), 1.5 * KB],
  ["createSseParser alone", app("createSseParser"), 1 * KB],
  ["client + run", app("createReplicate", "run")],
  ["client + train", app("createReplicate", "train")],
  ["createProxy alone", app("createProxy")],
  ["client + createApiClient", app("createReplicate", "createApiClient")],
  ["the whole main entry", `export * from ${main};`],
];
let over = false;
for (const [label, contents, budget, target] of rows) {
  const { min, gz } = await measure(contents);
  let note = "";
  if (budget !== undefined) {
    note = `  (budget ${kb(budget)}: ${gz <= budget ? "ok" : "OVER"}`;
    if (target !== undefined) note += `; target ${kb(target)}: ${gz <= target ? "met" : "not yet"}`;
    note += ")";
    if (gz > budget) over = true;
  }
  console.log(`${label.padEnd(48)} ${kb(min).padStart(10)} min  ${kb(gz).padStart(9)} min+gz${note}`);
}
if (over) process.exit(1);
