// The command line's key=value coercion, read the way Cog writes schemas: enums behind
// `allOf: [{ $ref }]`, Optional values as `anyOf` with null, lists and numbers.
import { describe, expect, it } from "vitest";
import { coerceInput } from "../src/cli/coerce.js";
import { InputError } from "../src/index.js";

const document = {
  components: {
    schemas: {
      aspect_ratio: { title: "aspect_ratio", type: "string", enum: ["1:1", "16:9"], description: "An enumeration." },
      Input: {
        type: "object",
        properties: {
          prompt: { type: "string", description: "What to draw" },
          aspect_ratio: { allOf: [{ $ref: "#/components/schemas/aspect_ratio" }], default: "1:1", "x-order": 1 },
          num_outputs: { type: "integer", minimum: 1, maximum: 4, description: "How many images" },
          guidance: { anyOf: [{ type: "number" }, { type: "null" }] },
          seeds: { type: "array", items: { type: "integer" } },
        },
      },
    },
  },
};

describe("coerceInput, on a Cog schema", () => {
  it("reads an enum behind allOf/$ref, an Optional number, integers and lists", () => {
    const input = coerceInput(
      [
        ["prompt", "a fox"],
        ["aspect_ratio", "16:9"],
        ["num_outputs", "2"],
        ["guidance", "3.5"],
        ["seeds", "1"],
        ["seeds", "2"],
      ],
      document,
    );
    expect(input).toEqual({ prompt: "a fox", aspect_ratio: "16:9", num_outputs: 2, guidance: 3.5, seeds: [1, 2] });
  });

  it("refuses a value outside an enum behind $ref, listing the allowed ones, with every other mistake", () => {
    let error: unknown;
    try {
      coerceInput(
        [
          ["aspect_ratio", "4:3"],
          ["num_outputs", "two"],
          ["colour", "red"],
        ],
        document,
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    expect(message).toContain("1:1");
    expect(message).toContain("16:9");
    expect(message).toContain("How many images"); // the field's own description
    expect(message).toContain('Unknown input "colour"');
  });
});
