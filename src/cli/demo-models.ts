/**
 * The models of the offline fake (`demo` and `--fake`): plain functions standing in for
 * real ones, each with a Cog schema, so that every command (coercion included) works as
 * it does against Replicate. Small and quick: a newcomer's first minute, and the tests'.
 */
import type { FakeReplicate } from "../testing/fake.js";

/** The models, by what they show. */
export const DEMO_MODELS = {
  image: "demo/fox-painter",
  chat: "demo/chat",
  upscaler: "demo/upscaler",
  trainer: "demo/style-trainer",
  deployment: "demo/painter-prod",
} as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const uri = { type: "string", format: "uri" };
const escapeXml = (text: string) => text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small SVG picture of `prompt`: a real file with a real type, so it saves as .svg. */
function picture(prompt: string, index: number): Blob {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="90"><title>${escapeXml(prompt)}</title><rect width="160" height="90" fill="#f4efe6"/><text x="8" y="50" font-size="13">${escapeXml(prompt.slice(0, 20))} #${index + 1}</text></svg>`;
  return new Blob([svg], { type: "image/svg+xml" });
}

/**
 * Register the demo's models (and a deployment of the painter) on `fake`. `stepMs` paces
 * them: the tour's default shows a progress bar moving; tests pass a few milliseconds.
 *
 * @example
 * const fake = createFakeReplicate()
 * addDemoModels(fake)
 */
export function addDemoModels(fake: FakeReplicate, { stepMs = 250 }: { stepMs?: number } = {}): void {
  fake.model(
    DEMO_MODELS.image,
    async (input, ctx) => {
      for (let i = 1; i <= 5; i++) {
        await sleep(stepMs);
        ctx.log(`${i * 20}%|${"█".repeat(i * 2).padEnd(10)}| ${i}/5 [00:0${i}<00:00]`);
      }
      return Array.from({ length: Number(input.num_outputs ?? 1) }, (_, i) => picture(String(input.prompt), i));
    },
    {
      description: "Paints a prompt (as a small SVG).",
      input: {
        type: "object",
        required: ["prompt"],
        properties: {
          prompt: { type: "string", description: "What to paint", "x-order": 0 },
          num_outputs: {
            type: "integer",
            minimum: 1,
            maximum: 4,
            default: 1,
            description: "How many pictures",
            "x-order": 1,
          },
          style: {
            type: "string",
            enum: ["ink", "watercolor", "oil"],
            default: "ink",
            description: "The brush",
            "x-order": 2,
          },
        },
      },
      output: { type: "array", items: uri },
    },
  );
  fake.model(
    DEMO_MODELS.chat,
    async function* (input) {
      const words = `You asked: "${input.prompt}". Here is a short answer, one token at a time.`.split(" ");
      for (const word of words.slice(0, Number(input.max_tokens ?? 64))) {
        await sleep(stepMs / 8);
        yield `${word} `;
      }
    },
    {
      description: "Answers, one token at a time.",
      input: {
        type: "object",
        required: ["prompt"],
        properties: {
          prompt: { type: "string", description: "What to ask", "x-order": 0 },
          max_tokens: { type: "integer", default: 64, description: "The longest answer, in tokens", "x-order": 1 },
        },
      },
      output: {
        type: "array",
        items: { type: "string" },
        "x-cog-array-type": "iterator",
        "x-cog-array-display": "concatenate",
      },
    },
  );
  fake.model(
    DEMO_MODELS.upscaler,
    async (input) => {
      await sleep(stepMs);
      // The "upscaled" image is the uploaded one, as the fake holds it: its bytes, unchanged.
      const id = String(input.image).split("/").pop() ?? "";
      const file = fake.state.files.get(id);
      return file ? new File([file.content], file.name, { type: file.content.type }) : input.image;
    },
    {
      description: "Upscales an image (the fake gives it back as it was).",
      input: {
        type: "object",
        required: ["image"],
        properties: {
          image: { ...uri, description: "The image to upscale", "x-order": 0 },
          scale: { type: "integer", enum: [2, 4], default: 2, description: "How many times larger", "x-order": 1 },
        },
      },
      output: uri,
    },
  );
  fake.model(DEMO_MODELS.trainer, () => null, {
    description: "Learns a style, and paints in it.",
    train: async (input, ctx) => {
      for (let i = 1; i <= 4; i++) {
        await sleep(stepMs);
        ctx.log(`${i * 25}%|${"█".repeat(i * 2)}| ${i}/4 [training]`);
      }
      return (runInput: Record<string, unknown>) => `${runInput.prompt}, in the style of ${input.style}`;
    },
  });
  fake.deployment(DEMO_MODELS.deployment, DEMO_MODELS.image);
}
