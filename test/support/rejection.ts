// Reading rejections in tests: what a promise rejected with, typed loosely enough for any of the client's errors.
import type { JobSnapshot } from "../../src/index.js";

/** Rejections as these tests read them. */
export interface Failure extends Error {
  cause?: unknown;
  reason?: string;
  logs?: string | undefined;
  timeoutMs?: number;
  status?: number;
  url?: string;
  prediction?: JobSnapshot;
  training?: JobSnapshot;
}

/** What `promise` rejected with; a resolution fails the test. */
export const failed = (promise: Promise<unknown>): Promise<Failure> =>
  promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error as Failure,
  );
