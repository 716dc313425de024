// The edge consumer: a module worker that runs the shared scenario when asked (GET /) and
// answers with the printed checks, 200 if all passed and 500 otherwise. The same worker
// runs in both edge runtimes: workerd serves it over HTTP, edge-runtime dispatches a fetch
// event to it (see host.mjs here and in ../edge-runtime/).
//
// Besides the scenario it checks what servers on the edge do with the package: a proxy
// answering a request (and passing a redirect on), a webhook Request verified, an output
// file downloaded, a list paged through, and a stream resumed from a non-ASCII event id,
// against the fake (FAKE_URL) and a stub upstream (STUB_URL, ../edge-stub.mjs). GET
// /deadline/busy and /deadline/hang are for the workerd host's check of two requests at once.
//
// run.mjs copies this file into the throwaway project, next to scenario.mjs, so that
// "replicate-kit" is the installed tarball and not this repo (esbuild would resolve the
// repo's own name to its dist/); the hosts bundle it from there with esbuild.
import * as lib from "replicate-kit";
import { scenario } from "./scenario.mjs";

/** A call under the client's 10 s deadline (shared-deadline sized) to the stub, as text. */
async function deadlineCall(env, path) {
  const started = Date.now();
  const replicate = lib.createReplicate({
    auth: "t",
    baseUrl: `${env.STUB_URL}${path}`,
    retry: false,
    timeoutMs: 10_000,
  });
  const result = await replicate.predictions.get({ prediction_id: "p1" }).then(
    (p) => p.id,
    (error) => error.name,
  );
  return `${result} after ${Math.round((Date.now() - started) / 1000)} s`;
}

async function edgeChecks(env, check) {
  const { createReplicate, createProxy, run, stream } = lib;
  const replicate = createReplicate({ auth: "consumer-token", baseUrl: env.FAKE_URL });

  const proxy = createProxy({ prefix: "/api", allow: ["models.list"], auth: "consumer-token", upstream: env.FAKE_URL });
  const listed = await proxy(new Request("http://edge.local/api/models")).then(async (r) => [r.status, await r.json()]);
  check("createProxy answers an allowed operation", listed[0] === 200 && Array.isArray(listed[1].results), listed);

  const moved = createProxy({ prefix: "/api", allow: ["predictions.get"], auth: "t", upstream: `${env.STUB_URL}/v1` });
  const hop = await moved(new Request("http://edge.local/api/predictions/moved"));
  const where = hop.headers.get("location");
  check(
    "createProxy passes a redirect on, pointed at itself",
    hop.status === 302 && where === "http://edge.local/api/predictions/p1",
    `${hop.status} ${where}`,
  );

  const secret = await lib.webhookSecret(replicate);
  const body = JSON.stringify({ id: "p2", status: "succeeded" });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = await lib.signWebhook({ secret, id: "msg_2", timestamp, body });
  const headers = { "webhook-id": "msg_2", "webhook-timestamp": timestamp, "webhook-signature": signature };
  const hook = await lib.verifyWebhookRequest(
    new Request("http://edge.local/hook", { method: "POST", body, headers }),
    secret,
  );
  check("verifyWebhookRequest reads a Request", hook.id === "p2", JSON.stringify(hook));

  const file = await run(replicate, "consumer/file", { input: {} });
  const text = await file.text();
  const streamed = await new Response(new lib.FileOutput(file.url).stream()).text();
  check(
    "FileOutput downloads (text and stream)",
    text === "file body" && streamed === "file body",
    `${text} ${streamed}`,
  );

  const names = [];
  for await (const model of replicate.models.list()) names.push(model.name);
  check("a list paged through", names.length >= 3 && new Set(names).size === names.length, names.join());

  // Sent as UTF-8, once: C3 A9 74 C3 A9 ("été"); workerd encodes header values itself.
  const events = [];
  const source = { id: "s1", status: "processing", urls: { stream: `${env.STUB_URL}/sse` } };
  for await (const e of stream(replicate, source, { reconnect: { delayMs: 10 } })) events.push(e.type);
  const sent = await (await fetch(`${env.STUB_URL}/seen`)).json();
  check(
    "a stream resumed from a non-ASCII id sends it as UTF-8",
    sent[1] === "c3a974c3a9" && events.at(-1) === "done",
    JSON.stringify(sent),
  );
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname.startsWith("/deadline/")) return new Response(await deadlineCall(env, pathname.slice(9)));
    if (pathname !== "/") return new Response("not found\n", { status: 404 });
    // What makes this an edge consumer: only web-standard globals, nothing from Node.
    let ok = !globalThis.process && !globalThis.Buffer && !globalThis.require;
    const lines = [`${ok ? "✓" : "✗"} edge globals only: no process, Buffer or require`];
    const check = (name, passed, detail = "") => {
      ok &&= passed;
      lines.push(
        `${passed ? "✓" : "✗"} ${name}${passed ? "" : ` (${typeof detail === "string" ? detail : JSON.stringify(detail)})`}`,
      );
    };
    try {
      // A client handed the platform's own fetch calls it unbound: workerd refuses any
      // other `this` ("Illegal invocation"), as one official client learned.
      const own = lib.createReplicate({ auth: "t", baseUrl: env.FAKE_URL, fetch: globalThis.fetch });
      const hardware = await own.hardware.list().then(
        (list) => Array.isArray(list),
        (error) => String(error),
      );
      check(`a client given the platform's fetch (${hardware})`, hardware === true);
      await scenario(lib, { FAKE_URL: env.FAKE_URL, log: (line) => lines.push(line) });
      await edgeChecks(env, check);
    } catch (error) {
      ok = false;
      lines.push(String(error?.stack ?? error));
    }
    return new Response(`${lines.join("\n")}\n`, { status: ok ? 200 : 500 });
  },
};
