// The dual-package case: an app that loads the package both ways (its own code imports
// it, a dependency require()s it) holds two copies of every class. A client from the
// CJS build must still work with the ESM build's features, which recognise its errors
// by name. Node only; no network: the client's fetch is scripted.
import { createRequire } from "node:module";
import { ApiError, isApiError, registerModelOutputs, run, wait } from "replicate-kit";

const require = createRequire(import.meta.url);
const cjs = require("replicate-kit");

const answers = [
  Response.json({ detail: "slow down" }, { status: 429, headers: { "retry-after": "0" } }),
  Response.json({ id: "p1", status: "succeeded", output: "ok" }),
];
const replicate = cjs.createReplicate({ auth: "t", retry: false, fetch: async () => answers.shift() });

const probe = await replicate.predictions.get({ prediction_id: "p1" }).catch((e) => e);
answers.unshift(Response.json({ detail: "slow down" }, { status: 429, headers: { "retry-after": "0" } }));
// Two copies indeed (else this file tests nothing), and the guard still knows the error.
const twoCopies = probe instanceof cjs.ApiError && !(probe instanceof ApiError);
const checks = [["a CJS client's ApiError is another class, matched by name", twoCopies && isApiError(probe)]];
const done = await wait(replicate, "p1", { interval: { initialMs: 1 } }).catch((e) => e);
checks.push(["the ESM wait() with the CJS client waits out a 429 and finishes", done?.status === "succeeded"]);

// An error from the CJS client's transport, met by the ESM run once the prediction exists,
// still carries it (recognised as one of ours by name).
const job = (status, extra) => Response.json({ id: "p2", status, version: "v", urls: {}, ...extra });
answers.push(job("starting"), Response.json({ detail: "gone" }, { status: 404 }));
const lost = await run(replicate, "o/m", { input: {}, interval: { initialMs: 1 } }).catch((e) => e);
checks.push(["an ESM run with the CJS client: the error carries the prediction", lost?.prediction?.id === "p2"]);

// Output shapes registered through one copy (a generated file imported) serve the other's run.
registerModelOutputs({
  "o/llm": { type: "array", "x-cog-array-type": "iterator", "x-cog-array-display": "concatenate" },
});
answers.push(job("succeeded", { output: ["Hel", "lo"] }));
const text = await cjs.run(replicate, "o/llm", { input: {} });
checks.push(["shapes registered through the ESM copy serve the CJS copy's run", text === "Hello"]);
for (const [name, ok] of checks) console.log(`${ok ? "✓" : "✗"} ${name}`);
if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
