#!/usr/bin/env node
// The browser consumer: Debian's Chromium (driven by playwright-core) loads a page that
// imports the built ESM entry and runs the scenario through `createProxy`,
// mounted on the same loopback origin, in front of the fake Replicate. It also checks that
// an operation the proxy does not allow is refused. Prints each check; exits 1 on failure.
//
//   npm run build && node ecosystem-tests/browser.mjs      (needs /usr/bin/chromium)
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { chromium } from "playwright-core";
import { createProxy } from "../dist/index.js";
import { createFakeReplicate } from "../dist/testing.js";
import { addScenarioModels } from "./scenario-models.mjs";

const CHROMIUM = "/usr/bin/chromium";
if (!existsSync(CHROMIUM)) {
  // .ci/run installs Debian's chromium; on a machine without it, say so (and fail in CI).
  console.log(`chromium: skipped, ${CHROMIUM} is not installed (apt-get install chromium)`);
  process.exit(process.env.CI === "true" ? 1 : 0);
}

const dist = new URL("../dist/", import.meta.url);
const fake = createFakeReplicate({ token: "server-token", startDelayMs: 5 });
addScenarioModels(fake, "browser");
fake.faults.dropStreams = 1; // the browser's stream meets a dropped connection too
fake.faults.dropAfterEvents = 2;
const proxy = createProxy({
  prefix: "/api/replicate",
  allow: ["models.predictions.create", "predictions.get", "webhooks.default.secret.get"],
  auth: "server-token",
  fetch: fake.fetch,
});

const page = `<!doctype html><meta charset="utf-8"><title>replicate-kit in a browser</title>
<script type="module">
import { collectText, createReplicate, isApiError, run, signWebhook, stream, verifyWebhook, webhookSecret } from "/lib/index.js";
const results = [];
const check = (name, ok, detail = "") => results.push({ name, ok, detail: String(detail) });
try {
  const replicate = createReplicate({ baseUrl: "/api/replicate" }); // no token in the browser
  const out = await run(replicate, "browser/slow", { input: { text: "hi" }, wait: 1, interval: { initialMs: 100, maxMs: 200 } });
  check("run through the proxy: sync window, then polling", out === "slow: hi", out);
  const text = await collectText(stream(replicate, "browser/chat", { input: {}, reconnect: { delayMs: 10 } }));
  check("stream through the proxy, dropped connection resumed", text === "one two three four five ", JSON.stringify(text));
  const secret = await webhookSecret(replicate);
  const body = JSON.stringify({ id: "p1", status: "succeeded" });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = await signWebhook({ secret, id: "msg_1", timestamp, body });
  const payload = await verifyWebhook({ body, secret, headers: { "webhook-id": "msg_1", "webhook-timestamp": timestamp, "webhook-signature": signature } });
  check("verifyWebhook with WebCrypto", payload.id === "p1");
  const refused = await replicate.account.get().catch((e) => e);
  check("a forbidden operation is refused (ApiError 403)", isApiError(refused) && refused.status === 403, refused?.message);
} catch (error) {
  check("no unexpected error", false, error?.stack ?? error);
}
window.__results = results;
</script>`;

const server = createServer(async (req, res) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  if (url.pathname === "/") return res.writeHead(200, { "content-type": "text/html" }).end(page);
  if (url.pathname.startsWith("/lib/")) {
    const file = new URL(url.pathname.slice(5), dist);
    return res.writeHead(200, { "content-type": "text/javascript" }).end(readFileSync(file));
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const request = new Request(url, {
    method: req.method,
    headers,
    ...(hasBody && { body: Readable.toWeb(req), duplex: "half" }),
  });
  const response = await proxy(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) return res.end();
  for await (const chunk of response.body) res.write(chunk);
  res.end();
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"].concat([
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ]),
});
let failed = true;
try {
  const tab = await browser.newPage();
  tab.on("pageerror", (error) => console.log(`  page error: ${error.message}`));
  await tab.goto(origin);
  await tab.waitForFunction(() => window.__results, null, { timeout: 60_000 });
  const results = await tab.evaluate(() => window.__results);
  for (const r of results) console.log(`${r.ok ? "✓" : "✗"} ${r.name}${r.ok ? "" : ` (${r.detail})`}`);
  failed = results.length < 4 || results.some((r) => !r.ok);
} finally {
  await browser.close();
  server.close();
}
console.log(failed ? "chromium: FAILED" : "chromium: passed");
process.exit(failed ? 1 : 0);
