// Model references: every accepted form parses to the right target, and every malformed
// one is refused with an InputError that shows the forms that would have worked.
import { describe, expect, it } from "vitest";
import { InputError, isInputError, type ModelRef, parseRef } from "../src/index.js";

const V = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";
const FORMS =
  'Accepted forms: "owner/name", "owner/name:<64-hex version>", "<64-hex version>", { deployment: "owner/name" }.';

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
    ["a bare word", "llama", /64 lowercase hex digits/],
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

  it("the message quotes the reference as given", () => {
    expect(() => parseRef("a/b:c:d")).toThrow('Invalid model reference "a/b:c:d"');
    expect(() => parseRef({ deployment: "x" })).toThrow('Invalid model reference {"deployment":"x"}');
  });
});
