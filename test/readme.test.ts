// The README's quick start, run as written against nock: the first example a user
// copies must work, and send exactly what it appears to send.
import nock from "nock";
import { afterEach, expect, it, vi } from "vitest";
import { createReplicate } from "../src/index.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

it("runs the quick start", async () => {
  vi.stubEnv("REPLICATE_API_TOKEN", "r8_readme");
  const created = { id: "q1", status: "succeeded", output: ["https://replicate.delivery/x/out.webp"] };
  const api = nock("https://api.replicate.com", { reqheaders: { authorization: "Bearer r8_readme" } })
    .post("/v1/models/black-forest-labs/flux-schnell/predictions", {
      input: { prompt: "an astronaut riding a horse" },
    })
    .matchHeader("prefer", "wait=60")
    .matchHeader("content-type", "application/json")
    .reply(201, created)
    .get("/v1/models")
    .query({ sort_by: "model_created_at" })
    .reply(200, {
      next: "https://api.replicate.com/v1/models?sort_by=model_created_at&cursor=c2",
      results: [{ owner: "a", name: "one" }],
    })
    .get("/v1/models")
    .query({ sort_by: "model_created_at", cursor: "c2" })
    .reply(200, { next: null, results: [{ owner: "b", name: "two" }] });
  const log = vi.spyOn(console, "log").mockImplementation(() => {});

  // --- from README.md, "Quick start" ---
  const replicate = createReplicate(); // token from REPLICATE_API_TOKEN

  const prediction = await replicate.models.predictions.create({
    model_owner: "black-forest-labs",
    model_name: "flux-schnell",
    Prefer: "wait=60",
    body: { input: { prompt: "an astronaut riding a horse" } },
  });
  console.log(prediction.status, prediction.output);

  for await (const model of replicate.models.list({ sort_by: "model_created_at" })) {
    console.log(`${model.owner}/${model.name}`);
  }
  // --- end ---

  const printed = [...log.mock.calls];
  log.mockRestore();
  expect(printed).toEqual([["succeeded", created.output], ["a/one"], ["b/two"]]);
  api.done();
});
