#!/usr/bin/env node
// After the build, for Deno and JSR, which find a module's types through a
// `@ts-self-types` comment in its JavaScript rather than by file name:
// - each entry's JavaScript gets the comment, pointing at its .d.ts;
// - each shared declaration chunk (types split out of several entries' .d.ts, with no
//   JavaScript of its own) gets an empty module carrying the comment, so the `./x.js`
//   specifiers in the .d.ts files resolve. Nothing imports these at run time.
// Shared JavaScript chunks get nothing: they are reached only through an entry.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";

const dist = new URL("../../dist/", import.meta.url);
const banner = (file) => `/* @ts-self-types="./${file.replace(/\.js$/, ".d.ts")}" */\n`;
for (const file of readdirSync(dist)) {
  if (file.endsWith(".d.ts")) {
    const js = file.replace(/\.d\.ts$/, ".js");
    if (!existsSync(new URL(js, dist))) writeFileSync(new URL(js, dist), `${banner(js)}export {};\n`);
    continue;
  }
  if (!file.endsWith(".js") || file.startsWith("chunk-")) continue;
  const path = new URL(file, dist);
  const code = readFileSync(path, "utf8");
  if (!code.startsWith(banner(file))) writeFileSync(path, banner(file) + code);
}
