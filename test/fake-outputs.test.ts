// Files out of fake models: a model that returns (or yields) a Blob, File, Uint8Array or
// ArrayBuffer gets a URL the fake serves itself, on a delivery-like path under its own
// origin, readable without a token as replicate.delivery URLs are; reading it through
// FileOutput gives the bytes back. JSON alone would have made a Blob `{}` and bytes
// `{"0":1,"1":2,…}`.
import { afterEach, describe, expect, test } from "vitest";
import { createPrediction, createReplicate, FileOutput, run, stream } from "../src/index.js";
import { createFakeReplicate, type FakeReplicate } from "../src/testing/index.js";
import { type FakeServer, serveFake } from "../src/testing/node.js";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 254, 255]);
const DELIVERY = /^https:\/\/api\.replicate\.com\/fake-delivery\/[a-z2-7]{26}\/\d+\.\w+$/;

const bytesOf = async (file: FileOutput) => new Uint8Array(await file.arrayBuffer());

function fakeWithFiles(): FakeReplicate {
  const fake = createFakeReplicate({ startDelayMs: 1 });
  fake.model("acme/blob", () => new Blob([PNG], { type: "image/png" }));
  fake.model("acme/file", () => new File([PNG], "speech.wav", { type: "audio/wav" }));
  fake.model("acme/bytes", () => PNG.slice());
  fake.model("acme/buffer", () => PNG.slice().buffer);
  fake.model("acme/node-buffer", () => Buffer.from(PNG));
  fake.model("acme/nested", () => ({ images: [new Blob(["a"]), new Blob(["b"])], caption: "two" }));
  fake.model("acme/frames", async function* () {
    for (let i = 0; i < 3; i++) yield new Uint8Array([i, i, i]);
  });
  return fake;
}

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("a model's files become URLs the fake serves", () => {
  test.each([
    ["acme/blob", "png", "image/png"],
    ["acme/file", "wav", "audio/wav"],
    ["acme/bytes", "bin", "application/octet-stream"],
    ["acme/buffer", "bin", "application/octet-stream"],
    ["acme/node-buffer", "bin", "application/octet-stream"],
  ])("%s: run resolves to a FileOutput whose bytes are the model's (.%s, %s)", async (ref, ext, type) => {
    const fake = fakeWithFiles();
    const replicate = createReplicate({ auth: "t", fetch: fake.fetch });
    const output = await run<FileOutput>(replicate, ref, { input: {} });
    expect(output).toBeInstanceOf(FileOutput);
    expect(output.url).toMatch(DELIVERY);
    expect(output.url.endsWith(`/0.${ext}`)).toBe(true);
    expect(await bytesOf(output)).toEqual(PNG);
    const raw = await fake.fetch(new Request(output.url)); // no Authorization: delivery URLs need none
    expect(raw.status).toBe(200);
    expect(raw.headers.get("content-type")).toBe(type);
    expect(raw.headers.get("content-length")).toBe(String(PNG.length));
  });

  test("files nested in lists and objects are numbered; the rest of the output is as returned", async () => {
    const fake = fakeWithFiles();
    const replicate = createReplicate({ auth: "t", fetch: fake.fetch });
    const p = await createPrediction(replicate, "acme/nested", { input: {}, wait: 5 });
    const output = p.output as { images: string[]; caption: string };
    expect(output.caption).toBe("two");
    expect(output.images.map((url) => url.replace(/^.*\//, ""))).toEqual(["0.bin", "1.bin"]);
    const texts = await Promise.all(output.images.map(async (url) => (await fake.fetch(url)).text()));
    expect(texts).toEqual(["a", "b"]);
  });

  test("files yielded while streaming: each output event is the URL of one, in order", async () => {
    const fake = fakeWithFiles();
    const replicate = createReplicate({ auth: "t", fetch: fake.fetch });
    const urls: string[] = [];
    for await (const event of stream(replicate, "acme/frames", { input: {} })) {
      if (event.type === "output") urls.push(String(event.data));
    }
    expect(urls).toHaveLength(3);
    for (const [i, url] of urls.entries()) {
      expect(url).toMatch(DELIVERY);
      expect(new Uint8Array(await (await fake.fetch(url)).arrayBuffer())).toEqual(new Uint8Array([i, i, i]));
    }
  });

  test("the bytes are copied when returned: a model that reuses its buffer does not change them", async () => {
    const fake = createFakeReplicate({ startDelayMs: 1 });
    const buffer = new Uint8Array([1, 2, 3]);
    fake.model("acme/reuse", async function* () {
      yield buffer;
      buffer.fill(9);
      yield buffer;
    });
    const replicate = createReplicate({ auth: "t", fetch: fake.fetch });
    const p = await createPrediction(replicate, "acme/reuse", { input: {}, wait: 5 });
    const [first, second] = await Promise.all(
      (p.output as string[]).map(async (url) => [...new Uint8Array(await (await fake.fetch(url)).arrayBuffer())]),
    );
    expect(first).toEqual([1, 2, 3]);
    expect(second).toEqual([9, 9, 9]);
  });

  test("an unknown delivery URL is a 404 problem", async () => {
    const fake = fakeWithFiles();
    const response = await fake.fetch("https://api.replicate.com/fake-delivery/nope/0.png");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });

  test("over serveFake: the URL is on the server's own origin, and reads without a token", async () => {
    const fake = fakeWithFiles();
    server = await serveFake(fake);
    const replicate = createReplicate({ auth: "t", baseUrl: server.url });
    const p = await createPrediction(replicate, "acme/blob", { input: {}, wait: 5 });
    const url = String(p.output);
    expect(url).toMatch(new RegExp(`^${new URL(server.url).origin}/fake-delivery/\\w+/0\\.png$`));
    const response = await fetch(url);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(PNG);
    expect(await bytesOf(new FileOutput(url))).toEqual(PNG);
    // run takes a loopback http URL for a file, as it takes https ones.
    const file = await run(replicate, "acme/blob", { input: {} });
    expect(file).toBeInstanceOf(FileOutput);
    expect(await bytesOf(file as FileOutput)).toEqual(PNG);
  });
});
