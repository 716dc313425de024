/**
 * `--fake` and `demo`: the bundled fake Replicate, in this process, served on a loopback
 * port, with the demo's models. A command then runs against it exactly as against
 * Replicate: its own client, over HTTP, with a token (any token does).
 */
import { createFakeReplicate, type FakeReplicate } from "../testing/fake.js";
import { serveFake } from "../testing/node.js";
import type { CliIO } from "./cli-io.js";
import { addDemoModels } from "./demo-models.js";

/** A running fake, the IO that points at it, and a way to stop it. */
export interface RunningFake {
  fake: FakeReplicate;
  url: string;
  io: CliIO;
  close(): Promise<void>;
}

/**
 * Start the fake with the demo's models; `io`'s environment then points at it.
 *
 * @example
 * const running = await startFake(io)
 * try { return await command(args, running.io) } finally { await running.close() }
 */
export async function startFake(io: CliIO): Promise<RunningFake> {
  const fake = createFakeReplicate({ username: "demo", webhookThrottleMs: 100 });
  const stepMs = Number(io.env.REPLICATE_KIT_DEMO_STEP_MS) || undefined; // tests: quicker models
  addDemoModels(fake, stepMs ? { stepMs } : {});
  const server = await serveFake(fake);
  // Against the local fake, poll briskly so the progress shows moving (unless a test set its own).
  const env = {
    ...io.env,
    REPLICATE_API_TOKEN: "fake-token",
    REPLICATE_BASE_URL: server.url,
    REPLICATE_KIT_POLL_MS: io.env.REPLICATE_KIT_POLL_MS ?? "150",
  };
  const { fetch: _, ...rest } = io; // the fake is reached over HTTP, not through a test's fetch
  return { fake, url: server.url, io: { ...rest, env }, close: () => server.close() };
}
