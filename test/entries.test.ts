// The feature entries take the client as their first argument: anything else is refused
// before a request, and the client carries what they need without showing it.
import { describe, expect, it } from "vitest";
import { createApiClient } from "../src/core/openapi-client.js";
import {
  createPrediction,
  createReplicate,
  InputError,
  type Replicate,
  run,
  startTraining,
  stream,
  train,
  VERSION,
  wait,
  waitForTraining,
  webhookSecret,
} from "../src/index.js";
import { json, scriptedFetch } from "./support/fake-fetch.js";

const notClients: [string, unknown][] = [
  ["undefined", undefined],
  ["null", null],
  ["a plain object", {}],
  ["an object shaped like a client", { predictions: { get: () => {} }, baseUrl: "https://api.replicate.com/v1" }],
];

describe("feature functions need a client from createReplicate()", () => {
  const calls: [string, (client: Replicate) => Promise<unknown>][] = [
    ["run", (c) => run(c, "acme/model", { input: {} })],
    ["wait", (c) => wait(c, "p1")],
    ["createPrediction", (c) => createPrediction(c, "acme/model", { input: {} })],
    ["stream", (c) => stream(c, "acme/model", { input: {} }).next()],
    ["train", (c) => train(c, { model: "a/b", destination: "c/d", input: {} })],
    ["startTraining", (c) => startTraining(c, { model: "a/b", destination: "c/d", input: {} })],
    ["waitForTraining", (c) => waitForTraining(c, "t1")],
    ["webhookSecret", (c) => webhookSecret(c)],
    ["createApiClient", async (c) => createApiClient(c)],
  ];
  for (const [name, call] of calls) {
    it.each(notClients)(`${name} refuses %s with an InputError`, async (_, value) => {
      const error = await (async () => call(value as Replicate))().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toBe("Expected a client made by createReplicate() as the first argument.");
    });
  }
});

describe("the client", () => {
  it("shows only its operations, request and baseUrl; its transport stays hidden", () => {
    const replicate = createReplicate({ auth: "r8_secret_token" });
    expect(Object.keys(replicate).sort()).toEqual(
      [
        "account",
        "baseUrl",
        "collections",
        "deployments",
        "files",
        "hardware",
        "models",
        "predictions",
        "request",
        "search",
        "trainings",
        "webhooks",
      ].sort(),
    );
    expect(JSON.stringify(replicate)).not.toContain("r8_secret_token");
  });

  it("keeps its parts under a key that names the parts' protocol, not the package version", () => {
    const replicate = createReplicate({ auth: "r8" });
    const keys = Object.getOwnPropertySymbols(replicate).map((s) => s.description);
    expect(keys).toEqual(["replicate-kit.client-parts.v1"]);
    expect(keys[0]).not.toContain(VERSION);
  });

  it("a copy of the client (a spread, a log) does not carry its transport", async () => {
    const replicate = createReplicate({ auth: "r8" });
    const copy = { ...replicate } as Replicate;
    expect(Object.getOwnPropertySymbols(copy)).toEqual([]);
    await expect(webhookSecret(copy)).rejects.toBeInstanceOf(InputError);
  });

  it("each feature is made once per client and shared by its calls", async () => {
    const fetch = scriptedFetch(json(200, { key: "whsec_AAAA" }));
    const replicate = createReplicate({ auth: "r8", fetch });
    const [a, b] = await Promise.all([webhookSecret(replicate), webhookSecret(replicate)]);
    expect([a, b]).toEqual(["whsec_AAAA", "whsec_AAAA"]);
    expect(fetch.calls).toHaveLength(1); // one cache, so one request
    expect(createApiClient(replicate)).toBe(createApiClient(replicate));
    // Another client has its own.
    const other = createReplicate({ auth: "r8", fetch: scriptedFetch(json(200, { key: "whsec_BBBB" })) });
    expect(await webhookSecret(other)).toBe("whsec_BBBB");
  });
});
