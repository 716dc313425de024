#!/usr/bin/env node
// Pull Replicate's OpenAPI schema into openapi/ and record where it came from.
//
//   npm run schema:pull                      # from https://api.replicate.com/openapi.json
//   npm run schema:pull -- ./path/to/schema.json
//   REPLICATE_OPENAPI_SOURCE=./schema.json npm run schema:pull
//
// The schema itself is Replicate's, so it lands in a git-ignored file; only the lock
// (source, date, sha256) is committed. Pulling the same bytes again leaves the lock
// untouched, so CI can pull and then check without producing a diff.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { DEFAULT_SOURCE, LOCK, PULLED, sha256 } from "./schema-source.mjs";

const source = process.argv[2] ?? process.env.REPLICATE_OPENAPI_SOURCE ?? DEFAULT_SOURCE;

async function read(from) {
  if (/^https?:\/\//.test(from)) {
    const res = await fetch(from, { headers: { accept: "application/json" } });
    if (!res.ok) throw new Error(`GET ${from} answered ${res.status}`);
    return await res.text();
  }
  return readFileSync(from, "utf8");
}

const text = await read(source);
const doc = JSON.parse(text); // fail here, not in generate, if it is not JSON
if (!doc.openapi || !doc.paths) throw new Error(`${source} is not an OpenAPI document`);

const hash = sha256(text);
const previous = existsSync(LOCK) ? JSON.parse(readFileSync(LOCK, "utf8")) : null;
writeFileSync(PULLED, text);
if (previous?.sha256 === hash && previous?.source === source) {
  console.log(`schema unchanged (sha256 ${hash})`);
} else {
  const lock = { source, retrievedAt: new Date().toISOString(), sha256: hash };
  writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(`schema pulled from ${source} (sha256 ${hash}); run npm run generate`);
}
