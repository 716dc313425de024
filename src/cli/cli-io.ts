/**
 * What a command gets from the process, passed in so that tests run commands in-process
 * (with an in-memory fake as `fetch`) and the entry alone touches `process`.
 */
import type { FetchLike } from "../core/transport.js";

/** A command's view of the process. */
export interface CliIO {
  /** Writes to standard output. */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** The environment: `REPLICATE_API_TOKEN`, `REPLICATE_BASE_URL`, `SOURCE_DATE_EPOCH`. */
  env: Record<string, string | undefined>;
  /** The directory relative paths start from. */
  cwd: string;
  /** The client's `fetch`: tests pass a fake's handler. @default globalThis.fetch */
  fetch?: FetchLike | undefined;
  /** Standard input, read whole (for `key=@-`). */
  stdin?: (() => Promise<Uint8Array>) | undefined;
  /** Standard error is a terminal: progress redraws one line in place. */
  isTTY?: boolean | undefined;
  /**
   * Subscribes to Ctrl-C (SIGINT) for the duration of a command; returns the unsubscribe.
   * Without it (in-process tests) nothing interrupts.
   */
  onInterrupt?: ((handler: () => void) => () => void) | undefined;
}

/**
 * Exit codes, the same for every command:
 * 0 done; 1 the prediction failed or was canceled (`types --check`: the file is out of
 * date); 2 a usage or input error; 3 the API or the network failed; 4 anything else (the
 * output could not be written); 130 interrupted (Ctrl-C).
 *
 * @example
 * if (stale.length > 0) return EXIT.outdated
 */
export const EXIT = { ok: 0, outdated: 1, prediction: 1, usage: 2, api: 3, failed: 4, interrupted: 130 } as const;

/** The exit codes, as every command's `--help` ends. */
export const EXIT_HELP =
  "Exit codes: 0 success, 1 the prediction failed or was canceled, 2 usage or input error,\n" +
  "3 API or network error, 4 other, 130 interrupted (Ctrl-C).";

/** A command: its arguments (after its name) in, an exit code out. */
export type Command = (args: string[], io: CliIO) => Promise<number>;

/**
 * The message of anything thrown, for one line of standard error.
 *
 * @example
 * messageOf(new Error("boom")) // "boom"
 */
export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
