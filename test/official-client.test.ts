// The official `replicate` client (a devDependency at an exact version), unchanged, against
// the fake over loopback HTTP: an independent client checking that the fake answers as
// Replicate does. Nothing here goes through replicate-kit's own client; a flow that fails
// here fails for any user whose code uses the official client against the fake.
import Replicate, { validateWebhook } from "replicate";
import { afterEach, describe, expect, test } from "vitest";
import { createFakeReplicate, type FakeReplicate } from "../src/testing/index.js";
import { type FakeServer, serveFake } from "../src/testing/node.js";
import { startReceiver, type WebhookReceiver } from "./support/webhook-receiver.js";

const V1 = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";
const TRAINER = "b8f9c3a5e0d14a6f9c2e7d3b1a0f5e4c8d7b6a5f4e3d2c1b0a9f8e7d6c5b4a39";
const TOKENS = ["Hello", ", ", "world", "!"];
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255]);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fake with every kind of model the flows below need. */
function seeded(options: { pageSize?: number } = {}): FakeReplicate {
  const fake = createFakeReplicate({ startDelayMs: 2, webhookThrottleMs: 5, ...options });
  fake.model("acme/upper", (input) => String(input.text).toUpperCase(), { version: V1 });
  fake.model("acme/strict", (input) => input.text, {
    input: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
  });
  fake.model("acme/llm", async function* (_input, ctx) {
    ctx.log("generating");
    for (const token of TOKENS) {
      await sleep(2);
      yield token;
    }
  });
  fake.model("acme/forever", (_input, ctx) => new Promise((resolve) => ctx.signal.addEventListener("abort", resolve)));
  fake.model("acme/painter", () => new Blob([PNG], { type: "image/png" }));
  fake.model("acme/trainer", () => "base", {
    version: TRAINER,
    train: async (input) => (i: Record<string, unknown>) => `${String(input.style)} ${String(i.text)}`,
  });
  fake.model("me/dest", () => "untrained");
  return fake;
}

let server: FakeServer | undefined;
let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await server?.close();
  await receiver?.close();
  server = undefined;
  receiver = undefined;
});

/** The official client on `fake`, served over loopback HTTP. */
async function official(fake: FakeReplicate): Promise<Replicate> {
  server = await serveFake(fake);
  return new Replicate({ auth: "r8_test", baseUrl: server.url });
}

/** Poll with the official client until `get` says the job is terminal. */
async function settle<T extends { status: string }>(get: () => Promise<T>): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const job = await get();
    if (["succeeded", "failed", "canceled", "aborted"].includes(job.status)) return job;
    await sleep(5);
  }
  throw new Error("the job never settled");
}

describe("the official replicate client against the fake over HTTP", () => {
  test("run: an official model (owner/name) and a pinned version (owner/name:version)", async () => {
    const replicate = await official(seeded());
    await expect(replicate.run("acme/upper", { input: { text: "hi" } })).resolves.toBe("HI");
    await expect(replicate.run(`acme/upper:${V1}`, { input: { text: "again" } })).resolves.toBe("AGAIN");
  });

  test("stream: the stream URL is read without a token, and every token arrives, then done", async () => {
    const replicate = await official(seeded());
    const events: { event: string; data: string }[] = [];
    for await (const event of replicate.stream("acme/llm", { input: {} })) events.push(event);
    expect(events.filter((e) => e.event === "output").map((e) => e.data)).toEqual(TOKENS);
    expect(events.at(-1)?.event).toBe("done");
  });

  test("predictions.create, then wait, then predictions.get", async () => {
    const replicate = await official(seeded());
    const created = await replicate.predictions.create({ model: "acme/upper", input: { text: "later" } });
    expect(created.status).toBe("starting");
    const done = await replicate.wait(created, { interval: 5 });
    expect(done).toMatchObject({ id: created.id, status: "succeeded", output: "LATER" });
    await expect(replicate.predictions.get(created.id)).resolves.toMatchObject({ output: "LATER" });
  });

  test("trainings: create, get until succeeded, run the trained version; cancel; list", async () => {
    const fake = seeded();
    fake.model("acme/slow-trainer", () => "x", {
      train: (_i, ctx) => new Promise((resolve) => ctx.signal.addEventListener("abort", resolve)),
    });
    const replicate = await official(fake);
    const created = await replicate.trainings.create("acme", "trainer", TRAINER, {
      destination: "me/dest",
      input: { style: "loud" },
    });
    const training = await settle(() => replicate.trainings.get(created.id));
    expect(training.status).toBe("succeeded");
    const version = (training.output as { version: `${string}/${string}:${string}` }).version;
    await expect(replicate.run(version, { input: { text: "hello" } })).resolves.toBe("loud hello");

    const slow = fake.state.models.get("acme/slow-trainer")?.versions[0]?.id ?? "";
    const running = await replicate.trainings.create("acme", "slow-trainer", slow, {
      destination: "me/dest",
      input: {},
    });
    const canceled = await replicate.trainings.cancel(running.id);
    expect(canceled).toMatchObject({ status: "canceled", output: null });
    const listed = (await replicate.trainings.list()).results.map((t) => t.id);
    expect(listed).toEqual([running.id, created.id]);
  });

  test("paginate follows next over every page", async () => {
    const fake = seeded({ pageSize: 2 });
    const replicate = await official(fake);
    const pages: number[] = [];
    const names: string[] = [];
    for await (const page of replicate.paginate(() => replicate.models.list())) {
      pages.push(page.length);
      names.push(...page.map((m) => `${m.owner}/${m.name}`));
    }
    expect(pages).toEqual([2, 2, 2, 1]);
    expect(names.sort()).toEqual([...fake.state.models.keys()].sort());
  });

  test("deployments: create, run a prediction on it, get, list, update, delete", async () => {
    const replicate = await official(seeded());
    const created = await replicate.deployments.create({
      name: "prod",
      model: "acme/upper",
      version: V1,
      hardware: "cpu",
      min_instances: 0,
      max_instances: 1,
    });
    expect(created).toMatchObject({ owner: "fake", name: "prod", current_release: { version: V1 } });
    const p = await replicate.deployments.predictions.create("fake", "prod", { input: { text: "dep" }, wait: true });
    expect(p).toMatchObject({ status: "succeeded", output: "DEP" });
    await expect(replicate.deployments.get("fake", "prod")).resolves.toMatchObject({ name: "prod" });
    expect((await replicate.deployments.list()).results.map((d) => d.name)).toEqual(["prod"]);
    const updated = await replicate.deployments.update("fake", "prod", { max_instances: 3 });
    expect(updated.current_release.configuration.max_instances).toBe(3);
    await expect(replicate.deployments.delete("fake", "prod")).resolves.toBe(true);
  });

  test("files.create keeps the metadata the official client sends as a JSON part", async () => {
    const replicate = await official(seeded());
    const file = await replicate.files.create(new Blob(["hello"], { type: "text/plain" }), { customer: 7 });
    expect(file).toMatchObject({
      content_type: "text/plain",
      size: 5,
      metadata: { customer: 7 },
      etag: "5d41402abc4b2a76b9719d911017c592",
      checksums: {
        md5: "5d41402abc4b2a76b9719d911017c592",
        sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
      },
    });
    await expect(replicate.files.get(file.id)).resolves.toEqual(file);
    expect((await replicate.files.list()).results.map((f) => f.id)).toEqual([file.id]);
    await expect(replicate.files.delete(file.id)).resolves.toBe(true);
  });

  test("validateWebhook accepts a delivered webhook with the secret from webhooks.default.secret.get", async () => {
    receiver = await startReceiver();
    const fake = seeded();
    const replicate = await official(fake);
    const p = await replicate.predictions.create({
      model: "acme/upper",
      input: { text: "hook" },
      webhook: receiver.url,
      webhook_events_filter: ["start", "completed"],
    });
    await fake.idle();
    expect(fake.deliveries.map((d) => d.status)).toEqual([204, 204]);
    const { key } = await replicate.webhooks.default.secret.get();
    expect(receiver.received).toHaveLength(2);
    for (const delivery of receiver.received) {
      const [id, timestamp, signature] = ["webhook-id", "webhook-timestamp", "webhook-signature"].map((h) =>
        String(delivery.headers[h]),
      ) as [string, string, string];
      await expect(validateWebhook({ id, timestamp, signature, body: delivery.body, secret: key })).resolves.toBe(true);
      const request = new Request(receiver.url, {
        method: "POST",
        headers: { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature },
        body: delivery.body,
      });
      await expect(validateWebhook(request, key)).resolves.toBe(true);
      const tampered = delivery.body.replace(p.id, "someone-else");
      await expect(validateWebhook({ id, timestamp, signature, body: tampered, secret: key })).resolves.toBe(false);
    }
    const completed = JSON.parse(receiver.received.at(-1)?.body ?? "{}");
    expect(completed).toMatchObject({ id: p.id, status: "succeeded", output: "HOOK" });
  });

  test("predictions.cancel cancels a running prediction", async () => {
    const replicate = await official(seeded());
    const p = await replicate.predictions.create({ model: "acme/forever", input: {} });
    const canceled = await replicate.predictions.cancel(p.id);
    expect(canceled.status).toBe("canceled");
    await expect(replicate.wait(canceled, { interval: 5 })).resolves.toMatchObject({ status: "canceled" });
  });

  test("an input the model's schema refuses is a 422 with the invalid fields", async () => {
    const replicate = await official(seeded());
    const error = (await replicate.run("acme/strict", { input: { text: 1 } }).catch((e: unknown) => e)) as Error & {
      response?: Response;
    };
    expect(error.name).toBe("ApiError");
    expect(error.response?.status).toBe(422);
    expect(error.message).toContain("input.text");
    await expect(replicate.run("acme/strict", { input: { text: "ok" } })).resolves.toBe("ok");
  });

  test("a model that returns a Blob: run gives a URL the fake serves, with the bytes", async () => {
    const replicate = await official(seeded());
    const url = String(await replicate.run("acme/painter", { input: {} }));
    expect(url).toMatch(new RegExp(`^${new URL(server?.url ?? "").origin}/fake-delivery/\\w+/0\\.png$`));
    const response = await fetch(url); // no token: delivery URLs need none
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(PNG);
  });
});

describe("the official replicate client on the in-memory fake.fetch", () => {
  test("run, stream and a file output, with fake.fetch as the client's fetch", async () => {
    const fake = seeded();
    const replicate = new Replicate({ auth: "r8_test", fetch: fake.fetch });
    await expect(replicate.run("acme/upper", { input: { text: "mem" } })).resolves.toBe("MEM");
    const tokens: string[] = [];
    for await (const event of replicate.stream("acme/llm", { input: {} }))
      if (event.event === "output") tokens.push(event.data);
    expect(tokens).toEqual(TOKENS);
    // An https URL (the in-memory fake answers as api.replicate.com): the official client's FileOutput.
    const image = (await replicate.run("acme/painter", { input: {} })) as { blob(): Promise<Blob> };
    expect(new Uint8Array(await (await image.blob()).arrayBuffer())).toEqual(PNG);
  });
});
