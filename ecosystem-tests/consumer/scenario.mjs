// One scenario, run by every consumer of the packed package (Node ESM here; the CJS
// consumer and other runtimes run the same checks). It talks to a fake Replicate served
// over loopback HTTP at FAKE_URL (started by ecosystem-tests/run.mjs) and prints each check.
//
// `lib` is the package's main entry, however the runtime loaded it. `env.log` (optional,
// console.log by default) receives each printed line, for runtimes whose console the runner
// cannot read (workerd, edge-runtime).
export async function scenario(lib, env) {
  const { createReplicate, ApiError, isApiError, ReplicateError, run, stream, collectText } = lib;
  const { verifyWebhook, signWebhook, webhookSecret } = lib;
  const replicate = createReplicate({ auth: "consumer-token", baseUrl: env.FAKE_URL });
  const log = env.log ?? console.log;
  const checks = [];
  const check = (name, ok, detail = "") => {
    checks.push(ok);
    log(`${ok ? "✓" : "✗"} ${name}${ok ? "" : ` (${detail})`}`);
  };

  // 1. run: the sync window (1 s) ends while the model still works, then polling finishes it.
  const seen = new Set();
  const out = await run(replicate, "consumer/slow", {
    input: { text: "hi" },
    wait: 1,
    interval: { initialMs: 100, maxMs: 200 },
    onProgress: (p) => seen.add(p.status),
  });
  check("run: sync window, then polling", out === "slow: hi" && seen.has("processing"), `${out} ${[...seen]}`);

  // 2. stream: the fake drops the first connection mid-event; it resumes with Last-Event-ID.
  const text = await collectText(stream(replicate, "consumer/chat", { input: {}, reconnect: { delayMs: 10 } }));
  check("stream: dropped connection resumed", text === "one two three four five ", JSON.stringify(text));

  // 3. verifyWebhook of a payload signed the Standard Webhooks way.
  const secret = await webhookSecret(replicate);
  const body = JSON.stringify({ id: "p1", status: "succeeded", output: "ok" });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers = { "webhook-id": "msg_1", "webhook-timestamp": timestamp };
  headers["webhook-signature"] = await signWebhook({ secret, id: "msg_1", timestamp, body });
  const payload = await verifyWebhook({ body, headers, secret });
  check("verifyWebhook: signed payload accepted", payload.id === "p1", JSON.stringify(payload));

  // 4. ApiError with its fields, from the API's 422.
  const error = await run(replicate, "consumer/slow", { input: { text: 42 } }).catch((e) => e);
  const fields =
    error instanceof ApiError && isApiError(error) && error.status === 422 && error.invalidFields?.length > 0;
  check("ApiError: status, detail, invalidFields", fields, `${error?.name} ${error?.status}`);

  // 5. One family of errors: each is a ReplicateError, and its guard knows it.
  const failed = new lib.PredictionError({ id: "p1", status: "failed" });
  const family =
    failed instanceof ReplicateError &&
    lib.isPredictionError(failed) &&
    lib.WebhookVerificationError.prototype instanceof ReplicateError;
  check("errors are one family, with guards", family);

  if (checks.some((ok) => !ok)) throw new Error("a consumer check failed");
}
