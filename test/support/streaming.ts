// A prediction with a stream URL, and a client whose fetch plays a script: for stream
// tests that control every answer (the stream's and the polls') from one list of steps.
import { createReplicate, type Prediction } from "../../src/index.js";
import { type Step, scriptedFetch } from "./fake-fetch.js";
import { prediction } from "./fixtures.js";

/** The stream URL of prediction p1, on Replicate's stream host. */
export const STREAM_URL = "https://stream.replicate.com/v1/files/p1";

/** A client (no retries) whose fetch answers with `steps` in turn, and that fetch. */
export function client(...steps: Step[]) {
  const fetch = scriptedFetch(...steps);
  return { fetch, replicate: createReplicate({ auth: "r8_test", fetch, retry: false }) };
}

/** Prediction p1 in `status`, with its stream URL. */
export const streaming = (status = "processing") =>
  prediction("p1", status, {
    urls: { get: "https://api.replicate.com/v1/predictions/p1", stream: STREAM_URL },
  }) as unknown as Prediction;
