// Model references: every accepted form parses to the right target (a model page URL on
// replicate.com included), and every malformed one is refused with an InputError that
// says what is wrong and shows the forms that would have worked.
import { describe, expect, it } from "vitest";
import { InputError, isInputError, type ModelRef, parseRef } from "../src/index.js";

const V = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";
const FORMS =
  'Accepted forms: "owner/name", "owner/name:<64-hex version>", "<64-hex version>", ' +
  '"https://replicate.com/owner/name", "https://replicate.com/owner/name/versions/<64-hex version>", ' +
  '{ deployment: "owner/name" }.';

describe("accepted forms", () => {
  it("owner/name is a model's latest version", () => {
    expect(parseRef("meta/llama-3-8b")).toStrictEqual({ kind: "model", owner: "meta", name: "llama-3-8b" });
  });

  it("owner and name may hold letters, digits, '.', '_' and '-'", () => {
    expect(parseRef("Black-Forest_Labs.ai/flux.1-schnell_v2")).toStrictEqual({
      kind: "model",
      owner: "Black-Forest_Labs.ai",
      name: "flux.1-schnell_v2",
    });
  });

  it("owner/name:<64 hex> is one version of a model", () => {
    expect(parseRef(`stability-ai/sdxl:${V}`)).toStrictEqual({
      kind: "version",
      owner: "stability-ai",
      name: "sdxl",
      version: V,
    });
  });

  it("a bare 64-hex id is a version, with no owner or name", () => {
    expect(parseRef(V)).toStrictEqual({ kind: "version", version: V });
  });

  it("{ deployment: owner/name } is a deployment", () => {
    expect(parseRef({ deployment: "acme/sdxl" })).toStrictEqual({ kind: "deployment", owner: "acme", name: "sdxl" });
  });
});

describe("a model page URL on replicate.com, as pasted from the browser", () => {
  const model = { kind: "model", owner: "black-forest-labs", name: "flux-schnell" };
  it.each([
    "https://replicate.com/black-forest-labs/flux-schnell",
    "https://replicate.com/black-forest-labs/flux-schnell/",
    "http://replicate.com/black-forest-labs/flux-schnell",
    "HTTPS://Replicate.COM/black-forest-labs/flux-schnell",
    "replicate.com/black-forest-labs/flux-schnell",
    "https://replicate.com/black-forest-labs/flux-schnell?input=prompt#readme",
  ])("%s is the model owner/name", (url) => {
    expect(parseRef(url)).toStrictEqual(model);
  });

  it.each([
    `https://replicate.com/stability-ai/sdxl/versions/${V}`,
    `https://replicate.com/stability-ai/sdxl/versions/${V}/`,
    `replicate.com/stability-ai/sdxl/versions/${V}`,
  ])("%s is that version of the model", (url) => {
    expect(parseRef(url)).toStrictEqual({ kind: "version", owner: "stability-ai", name: "sdxl", version: V });
  });
});

describe("malformed references are an InputError listing the accepted forms", () => {
  const cases: [string, unknown, RegExp][] = [
    ["the empty string", "", /is empty/],
    ["an empty owner", "/b", /is not owner\/name/],
    ["an empty name", "a/", /is not owner\/name/],
    ["an empty version", "a/b:", /the version "" is not 64 lowercase hex digits/],
    ["an empty owner before a version", `/b:${V}`, /is not owner\/name/],
    ["a space inside", "meta/llama 3", /whitespace/],
    ["a leading space", " meta/llama", /whitespace/],
    ["a trailing space", "meta/llama ", /whitespace/],
    ["a space around the slash", "meta / llama", /whitespace/],
    ["two colons", "a/b:c:d", /more than one ':'/],
    ["two colons around a valid version", `a/b:${V}:${V}`, /more than one ':'/],
    ["a non-hex version", `a/b:${"g".repeat(64)}`, /not 64 lowercase hex digits/],
    ["a short version", `a/b:${V.slice(1)}`, /not 64 lowercase hex digits/],
    ["a long version", `a/b:${V}0`, /not 64 lowercase hex digits/],
    ["an uppercase version", `a/b:${V.toUpperCase()}`, /not 64 lowercase hex digits/],
    ["a bare non-hex id", "z".repeat(64), /64 lowercase hex digits/],
    ["a bare short id", V.slice(0, 63), /64 lowercase hex digits/],
    ["a bare uppercase id", V.toUpperCase(), /64 lowercase hex digits/],
    ["a bare word", "llama", /the owner is missing/],
    ["a bare word with a hex-looking start", "deadbeef-model", /the owner is missing/],
    ["a bare 64-character non-hex string", `${"x".repeat(60)}-abc`, /is not 64 lowercase hex digits/],
    ["a model page on another host", "https://github.com/black-forest-labs/flux-schnell", /only replicate\.com/],
    ["an API URL", "https://api.replicate.com/v1/models/a/b", /only replicate\.com/],
    ["a look-alike host", "https://replicate.com.example.com/a/b", /only replicate\.com/],
    ["a host on another port", "https://replicate.com:8443/a/b", /only replicate\.com/],
    ["another scheme", "ftp://replicate.com/a/b", /only replicate\.com/],
    ["a tab of a model page", "https://replicate.com/a/b/api", /not a model or version page/],
    ["an owner's page", "https://replicate.com/a", /not a model or version page/],
    ["a deployment page", "https://replicate.com/deployments/acme/sdxl", /not a model or version page/],
    ["a version page with a short id", `https://replicate.com/a/b/versions/${V.slice(1)}`, /not 64 lowercase hex/],
    ["a version page without an id", "https://replicate.com/a/b/versions/", /not 64 lowercase hex/],
    ["a URL with a space", "https://replicate.com/a/b ", /whitespace/],
    ["a URL that does not parse", "https://", /only replicate\.com/],
    ["three path parts", "a/b/c", /is not owner\/name/],
    ["a name starting with punctuation", "a/.b", /is not owner\/name/],
    ["a deployment without a slash", { deployment: "x" }, /"x" is not owner\/name/],
    ["a deployment with a version", { deployment: `acme/sdxl:${V}` }, /is not owner\/name/],
    ["an empty deployment", { deployment: "" }, /is not owner\/name/],
    ["a number", 42, /neither a string nor \{ deployment \}/],
    ["null", null, /neither a string nor \{ deployment \}/],
    ["undefined", undefined, /neither a string nor \{ deployment \}/],
    ["an object without deployment", { model: "a/b" }, /neither a string nor \{ deployment \}/],
    ["a deployment that is not a string", { deployment: 1 }, /neither a string nor \{ deployment \}/],
  ];

  it.each(cases)("%s", (_label, ref, why) => {
    let error: unknown;
    try {
      parseRef(ref as ModelRef);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect(isInputError(error)).toBe(true);
    const message = (error as InputError).message;
    expect(message).toMatch(/^Invalid model reference /);
    expect(message).toMatch(why);
    expect(message.endsWith(FORMS)).toBe(true);
  });

  it("a bare word says the owner is missing and how to write it", () => {
    expect(() => parseRef("flux-schnell")).toThrow(
      new InputError(
        'Invalid model reference "flux-schnell": the owner is missing; write it as "owner/name", ' +
          `e.g. "black-forest-labs/flux-schnell". ${FORMS}`,
      ),
    );
  });

  it("a bare 64-character string that is not hex says it is not a valid version", () => {
    const ref = "z".repeat(64);
    expect(() => parseRef(ref)).toThrow(
      new InputError(`Invalid model reference "${ref}": the version "${ref}" is not 64 lowercase hex digits. ${FORMS}`),
    );
  });

  it("a URL on another host says which host is accepted", () => {
    expect(() => parseRef("https://huggingface.co/black-forest-labs/FLUX.1-schnell")).toThrow(
      new InputError(
        'Invalid model reference "https://huggingface.co/black-forest-labs/FLUX.1-schnell": only replicate.com ' +
          `model URLs are accepted, such as "https://replicate.com/owner/name". ${FORMS}`,
      ),
    );
  });

  it("the message quotes the reference as given", () => {
    expect(() => parseRef("a/b:c:d")).toThrow('Invalid model reference "a/b:c:d"');
    expect(() => parseRef({ deployment: "x" })).toThrow('Invalid model reference {"deployment":"x"}');
  });
});
