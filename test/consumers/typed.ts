// Typechecked as a consumer would: the published .d.ts only, skipLibCheck off.
import {
  type ApiError,
  createReplicate,
  type FileOutput,
  isApiError,
  type Prediction,
  verifyWebhook,
} from "replicate-fetch";
import { createProxy } from "replicate-fetch/proxy";
import { createFakeReplicate } from "replicate-fetch/testing";
import { serveFake } from "replicate-fetch/testing/node";

export async function typed(): Promise<void> {
  const fake = createFakeReplicate();
  fake.model("acme/echo", (input) => input.text);
  const server = await serveFake(fake);
  const replicate = createReplicate({ auth: "t", baseUrl: server.url, retry: { retries: 1 } });
  const prediction: Prediction = await replicate.predictions.get({ prediction_id: "p1" });
  const [file] = await replicate.run<FileOutput[]>("acme/echo", { input: { text: "x" } });
  const url: string | undefined = file?.url;
  const payload = await verifyWebhook({ body: "{}", headers: new Headers(), secret: "whsec_AAAA" });
  const proxy: (request: Request) => Promise<Response> = createProxy({ prefix: "/api", allow: ["predictions.get"] });
  try {
    await replicate.account.get();
  } catch (error) {
    if (isApiError(error)) {
      const e: ApiError = error;
      console.log(e.status, e.invalidFields, prediction.id, url, payload, proxy);
    }
  }
  // @ts-expect-error: a misspelled parameter must not typecheck
  await replicate.predictions.get({ predictionid: "p1" });
  await server.close();
}
