// The fake shares no code with the client it checks: it imports nothing from src/ but the
// generated schema types and operation table, so that a bug in the client (its terminal
// statuses, its duration parser, its webhook signing) cannot also be in the fake, where no
// test would see it. It routes by operationId from that table, answers every one of the 37
// operations, and a 501 naming any operation it does not handle.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { validateWebhook } from "replicate";
import { describe, expect, test } from "vitest";
import { operationTable } from "../src/generated/operations.js";
import { verifyWebhook } from "../src/index.js";
import { FAKE_ROUTES } from "../src/testing/fake.js";
import { createHandler } from "../src/testing/handler.js";
import { createFakeReplicate } from "../src/testing/index.js";
import { emptyState } from "../src/testing/state.js";
import { signDelivery } from "../src/testing/webhook-sign.js";

const src = new URL("../src/", import.meta.url).pathname;
const testing = join(src, "testing");
/** The Node-only entry (`replicate-kit/testing/node`): the only files that may use `node:` modules. */
const NODE_ONLY = new Set(["node.ts", "node-wire.ts"]);

/** What is wrong with the imports of `file` (under src/testing/), given its source `code`. */
function violations(file: string, code: string): string[] {
  const found: string[] = [];
  const specs = [...code.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/g)].map(
    (m) => m[1] as string,
  );
  specs.push(...[...code.matchAll(/\b(?:import|require)\s*\(\s*["']([^"']+)["']/g)].map((m) => m[1] as string));
  for (const spec of specs) {
    if (spec.startsWith(".")) {
      const target = relative(src, resolve(dirname(file), spec));
      if (!target.startsWith("testing/") && !target.startsWith("generated/")) found.push(`${spec} (${target})`);
    } else if (!(spec.startsWith("node:") && NODE_ONLY.has(relative(testing, file)))) {
      found.push(spec);
    }
  }
  return found;
}

describe("the fake imports nothing from the client", () => {
  const files = readdirSync(testing).filter((name) => name.endsWith(".ts"));

  test("every module of src/testing imports only src/testing and src/generated (and node: in node.ts)", () => {
    expect(files.length).toBeGreaterThan(15);
    const found = files.flatMap((name) =>
      violations(join(testing, name), readFileSync(join(testing, name), "utf8")).map((v) => `${name}: ${v}`),
    );
    expect(found).toEqual([]);
  });

  test("the check fails when a client module is imported, type-only and re-exports included", () => {
    const jobs = join(testing, "jobs.ts");
    expect(violations(jobs, 'import { TERMINAL } from "../core/domain.js";')).toEqual([
      "../core/domain.js (core/domain.js)",
    ]);
    expect(violations(jobs, 'import type { Prediction } from "../core/types.js";')).toHaveLength(1);
    expect(violations(jobs, 'export { signWebhook } from "../webhooks/signature.js";')).toHaveLength(1);
    expect(violations(jobs, 'const m = await import("../run/create.js");')).toHaveLength(1);
    expect(violations(jobs, 'import { x } from "some-package";')).toEqual(["some-package"]);
    expect(violations(jobs, 'import { createServer } from "node:http";')).toEqual(["node:http"]);
    expect(violations(join(testing, "node.ts"), 'import { createServer } from "node:http";')).toEqual([]);
    expect(violations(jobs, 'import type { OperationId } from "../generated/operations.js";')).toEqual([]);
    expect(violations(jobs, 'import { newId } from "./http.js";')).toEqual([]);
  });
});

describe("routing by operationId", () => {
  test("the route table answers exactly the 37 operations of the generated table", () => {
    expect(Object.keys(operationTable)).toHaveLength(37);
    expect(Object.keys(FAKE_ROUTES).sort()).toEqual(Object.keys(operationTable).sort());
  });

  test("every one of the 37 operations is handled: none is a 501 or an unknown route", async () => {
    const fake = createFakeReplicate();
    for (const [id, spec] of Object.entries(operationTable)) {
      const path = spec.path.replace(/\{[^}]+\}/g, "x");
      const body = spec.method === "GET" || spec.method === "DELETE" ? undefined : spec.method === "QUERY" ? "x" : "{}";
      const response = await fake.fetch(
        new Request(`https://api.replicate.com/v1${path}?query=x&owner=o&expiry=1&signature=s`, {
          method: spec.method,
          headers: { authorization: "Bearer r8_test", "content-type": "application/json" },
          ...(body !== undefined && { body }),
        }),
      );
      const text = await response.text();
      expect(response.status, `${id}: ${text}`).not.toBe(501);
      expect(text, id).not.toContain("No route for");
    }
  });

  test("an operation the fake does not handle answers 501 problem+json, naming it", async () => {
    const { "account.get": _, ...routes } = FAKE_ROUTES;
    const handle = createHandler({
      routes,
      state: emptyState(),
      faults: { statuses: [], maxInFlight: 10, retryAfterSec: 1, latencyMs: 0, dropStreams: 0, dropAfterEvents: 1 },
      settings: { startDelayMs: 1, pageSize: 10, secret: "whsec_AAAA", username: "fake" },
      token: undefined,
      watch: () => {},
    });
    const response = await handle("https://api.replicate.com/v1/account", { headers: { authorization: "Bearer x" } });
    expect(response.status).toBe(501);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await response.json()) as { status: number; detail: string; operation: string };
    expect(problem).toMatchObject({ status: 501, operation: "account.get" });
    expect(problem.detail).toContain("account.get (GET /account)");
    const hardware = await handle("https://api.replicate.com/v1/hardware", { headers: { authorization: "Bearer x" } });
    expect(hardware.status).toBe(200);
  });
});

describe("the fake's own webhook signer", () => {
  test("signs the Standard Webhooks test vector as published", async () => {
    const signature = await signDelivery(
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "1614265330",
      '{"test": 2432232314}',
    );
    expect(signature).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  test("what it signs with fake.secret verifies with the library's verifyWebhook and the official validateWebhook", async () => {
    const { secret } = createFakeReplicate();
    const id = "msg_1";
    const timestamp = String(Math.floor(Date.now() / 1000));
    const body = JSON.stringify({ id: "p1", status: "succeeded" });
    const signature = await signDelivery(secret, id, timestamp, body);
    const headers = { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature };
    await expect(verifyWebhook({ body, headers, secret })).resolves.toMatchObject({ id: "p1" });
    await expect(validateWebhook({ id, timestamp, signature, body, secret })).resolves.toBe(true);
  });

  test("a secret that is not base64 cannot sign", async () => {
    await expect(signDelivery("whsec_not base64!", "msg_1", "1", "{}")).rejects.toThrow(/base64/);
  });
});
