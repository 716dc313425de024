/**
 * The tour's last step: a prediction whose webhook is delivered to a receiver on a
 * loopback port and verified there with the account's signing secret, as an app would.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Replicate } from "../core/client.js";
import { createPrediction } from "../run/create.js";
import { webhookSecret } from "../webhooks/secret.js";
import { verifyWebhook } from "../webhooks/verify.js";

/**
 * Create a prediction of `model` with a webhook, and resolve to what the verified delivery said.
 *
 * @example
 * console.log(await webhookRoundTrip(replicate, "demo/chat")) // "prediction … succeeded, output …"
 */
export async function webhookRoundTrip(replicate: Replicate, model: string): Promise<string> {
  const secret = await webhookSecret(replicate);
  let received: (text: string) => void = () => {};
  const done = new Promise<string>((resolve) => (received = resolve));
  const receiver = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    try {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const payload = await verifyWebhook({ body, headers, secret });
      res.writeHead(204).end();
      received(`prediction ${payload.id} ${payload.status}, output ${JSON.stringify(payload.output)}`);
    } catch (error) {
      res.writeHead(400).end(String((error as { reason?: string }).reason ?? error));
    }
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = receiver.address() as AddressInfo;
    await createPrediction(replicate, model, {
      input: { prompt: "ping" },
      webhook: `http://127.0.0.1:${port}/hooks/replicate`,
      webhookEventsFilter: ["completed"],
    });
    return await done;
  } finally {
    receiver.close();
  }
}
