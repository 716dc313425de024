// Typechecked as a consumer would: the published .d.ts only, skipLibCheck off.
import {
  type ApiError,
  createApiClient,
  createLimiter,
  createProxy,
  createReplicate,
  type FileOutput,
  isApiError,
  isPredictionError,
  type Prediction,
  run,
  type StreamEvent,
  stream,
  trainedVersion,
  verifyWebhook,
  webhookSecret,
} from "replicate-kit";
import { createFakeReplicate } from "replicate-kit/testing";
import { serveFake } from "replicate-kit/testing/node";

export async function typed(): Promise<void> {
  const fake = createFakeReplicate();
  fake.model("acme/echo", (input) => input.text);
  const server = await serveFake(fake);
  const limiter = createLimiter(4);
  const replicate = createReplicate({ auth: "t", baseUrl: server.url, retry: { retries: 1 }, limiter });
  const prediction: Prediction = await replicate.predictions.get({ prediction_id: "p1" });
  const [file] = await run<FileOutput[]>(replicate, "acme/echo", { input: { text: "x" } });
  for await (const event of stream(replicate, "acme/echo", { input: { text: "x" } })) {
    const typedEvent: StreamEvent = event;
    console.log(typedEvent.type);
  }
  const { data } = await createApiClient(replicate).GET("/account");
  const secret: string = await webhookSecret(replicate);
  const version: string = trainedVersion(
    { id: "t", status: "succeeded", output: { version: "a".repeat(64) } },
    "me/mine",
  );
  const url: string | undefined = file?.url;
  const payload = await verifyWebhook({ body: "{}", headers: new Headers(), secret: "whsec_AAAA" });
  const proxy: (request: Request) => Promise<Response> = createProxy({ prefix: "/api", allow: ["predictions.get"] });
  try {
    await replicate.account.get();
  } catch (error) {
    if (isApiError(error)) {
      const e: ApiError = error;
      console.log(e.status, e.invalidFields, prediction.id, url, payload, proxy, data?.username, secret, version);
    }
    if (isPredictionError(error)) console.log(error.prediction.id);
  }
  // @ts-expect-error: a misspelled parameter must not typecheck
  await replicate.predictions.get({ predictionid: "p1" });
  // @ts-expect-error: run is a function of the client, not a method on it
  await replicate.run("acme/echo", { input: {} });
  await server.close();
}
