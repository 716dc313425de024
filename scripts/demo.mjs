#!/usr/bin/env node
// The tour: `npm run demo`.
// Without REPLICATE_API_TOKEN it runs offline against the embedded fake Replicate, served
// on a loopback port; with a token it talks to Replicate, using cheap public models
// (no training unless you pass --train, since that costs real money).
// With --build it builds the package first, quietly: the build's log is shown only if it fails.
import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:http";

if (process.argv.includes("--build")) {
  const root = new URL("..", import.meta.url).pathname;
  const build = spawnSync("npm", ["run", "build", "--silent"], { cwd: root, encoding: "utf8" });
  if (build.status !== 0) {
    console.error(`The build failed:\n${build.stdout}${build.stderr}`);
    process.exit(1);
  }
}
const { createPrediction, createReplicate, outputText, run, stream, train, verifyWebhook, webhookSecret } =
  await import("../dist/index.js");
const { createFakeReplicate } = await import("../dist/testing.js");
const { serveFake } = await import("../dist/testing-node.js");

const live = Boolean(process.env.REPLICATE_API_TOKEN);
const wantTraining = process.argv.includes("--train");
const MODELS = live
  ? {
      image: "black-forest-labs/flux-schnell",
      chat: "meta/meta-llama-3-8b-instruct",
      trainer: "ostris/flux-dev-lora-trainer",
    }
  : { image: "demo/fox-painter", chat: "demo/chat", trainer: "demo/style-trainer" };
const step = (title) => console.log(`\n── ${title}`);
const bar = (p) => (p ? `[${"#".repeat(Math.round(p.percent / 10)).padEnd(10, ".")}] ${p.percent}%` : "");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// Against the local fake, poll briskly so progress shows; against Replicate, the defaults.
const POLL = live ? {} : { interval: { initialMs: 150, maxMs: 300 } };

/** The fake's models: plain functions standing in for real ones. */
function fakeModels(fake) {
  fake.model(MODELS.image, async (input, ctx) => {
    for (let i = 1; i <= 5; i++) {
      await sleep(250);
      ctx.log(`${i * 20}%|${"█".repeat(i * 2).padEnd(10)}| ${i}/5 [00:0${i}<00:00]`);
    }
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80"><title>${input.prompt}</title><rect width="120" height="80" fill="#f4efe6"/><text x="10" y="45" font-size="14">${String(input.prompt).slice(0, 14)}</text></svg>`;
    return [`data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`];
  });
  fake.model(MODELS.chat, async function* (input) {
    for (const word of `You asked: "${input.prompt}". Here is a short answer, one token at a time.`.split(" ")) {
      await sleep(30);
      yield `${word} `;
    }
  });
  fake.model(MODELS.trainer, () => null, {
    train: async (input, ctx) => {
      for (let i = 1; i <= 4; i++) {
        await sleep(300);
        ctx.log(`${i * 25}%|${"█".repeat(i * 2)}| ${i}/4 [training]`);
      }
      return (runInput) => `${runInput.prompt}, in the style of ${input.style}`;
    },
  });
}

async function main() {
  const fake = live ? undefined : createFakeReplicate({ webhookThrottleMs: 100 });
  if (fake) fakeModels(fake);
  const server = fake ? await serveFake(fake) : undefined;
  const replicate = server ? createReplicate({ auth: "demo-token", baseUrl: server.url }) : createReplicate();
  console.log(
    live ? "Talking to Replicate (REPLICATE_API_TOKEN is set)." : `Offline: a fake Replicate on ${server.url}`,
  );

  try {
    step(`run ${MODELS.image}, then save the file`);
    const [image] = await run(replicate, MODELS.image, {
      input: { prompt: "a red fox in the snow" },
      ...POLL,
      wait: live ? 60 : 1, // a short sync window, so the progress of the polling shows
      onProgress: (p, progress) => progress && console.log(`  ${p.status} ${bar(progress)}`),
    });
    await mkdir("demo-output", { recursive: true });
    const file = `demo-output/fox.${image.url.startsWith("data:image/svg") ? "svg" : "webp"}`;
    await writeFile(file, new Uint8Array(await image.arrayBuffer()));
    console.log(`  saved ${file}`);

    step(`stream ${MODELS.chat}`);
    process.stdout.write("  ");
    const chat = stream(replicate, MODELS.chat, { input: { prompt: "Why is the sky blue?", max_tokens: 64 } });
    for await (const token of outputText(chat)) process.stdout.write(token);
    console.log();

    if (!live || wantTraining) {
      step(`fine-tune ${MODELS.trainer}, then run the trained version`);
      const { version } = await train(replicate, {
        model: MODELS.trainer,
        destination: live ? `${(await replicate.account.get()).username}/demo-style` : "demo/my-style",
        input: { style: "a watercolor" },
        createDestination: { visibility: "private", hardware: "cpu" },
        ...POLL,
        onProgress: (t, progress) => progress && console.log(`  ${t.status} ${bar(progress)}`),
      });
      console.log(`  trained: ${version}`);
      console.log(`  output: ${await run(replicate, version, { input: { prompt: "a lighthouse" } })}`);
    } else {
      step("fine-tuning skipped: it costs money on Replicate (pass --train to run it)");
    }

    if (live) {
      step("webhooks skipped: Replicate needs a public URL to deliver to");
    } else {
      step("receive and verify a webhook");
      console.log(`  verified: ${await webhookRoundTrip(replicate)}`);
    }
    const parts = live ? "run, stream" : "run, stream, fine-tune, webhook";
    console.log(
      `\nDone: ${parts}, ${live ? "on Replicate" : "offline, with no token"}. Read its code in scripts/demo.mjs.`,
    );
  } finally {
    await server?.close();
  }
}

/** A local receiver; resolves to what the verified delivery said. */
async function webhookRoundTrip(replicate) {
  const secret = await webhookSecret(replicate);
  let received;
  const done = new Promise((resolve) => (received = resolve));
  const receiver = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString("utf8");
    try {
      const payload = await verifyWebhook({ body, headers: req.headers, secret });
      res.writeHead(204).end();
      received(`prediction ${payload.id} ${payload.status}, output ${JSON.stringify(payload.output)}`);
    } catch (error) {
      res.writeHead(400).end(error.reason);
    }
  });
  await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = receiver.address();
    await createPrediction(replicate, MODELS.chat, {
      input: { prompt: "ping" },
      webhook: `http://127.0.0.1:${port}/hooks/replicate`,
      webhookEventsFilter: ["completed"],
    });
    return await done;
  } finally {
    receiver.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
