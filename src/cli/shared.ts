/**
 * What every command but `types` shares: the options each one takes, reading arguments
 * into an InputError (exit 2) instead of node:util's TypeError, and the client.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { createReplicate, type Replicate } from "../core/client.js";
import { InputError } from "../core/errors.js";
import type { PollInterval } from "../run/wait.js";
import { type CliIO, EXIT } from "./cli-io.js";
import { reportFailure } from "./report.js";

/** The options every command takes. */
export const COMMON_OPTIONS = {
  json: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  debug: { type: "boolean" },
  "base-url": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** The common options, for the end of each command's help. */
export const COMMON_HELP = `      --json                  print JSON (the API's objects), and nothing else on stdout
  -q, --quiet                 no progress line: plain status lines only
      --debug                 show the stack of an error
      --fake                  use a fake Replicate in this process (no token, no network)
      --base-url <url>        the API (default: REPLICATE_BASE_URL, else Replicate's)
  -h, --help                  this help`;

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Read a command's arguments with its own options and the common ones; a mistake is an
 * InputError with node:util's own message ("Unknown option '--outt'").
 *
 * @example
 * const { values, positionals } = parseCommand(args, { out: { type: "string", short: "o" } })
 */
export function parseCommand<const O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new InputError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * A client as an app would make one: the token from REPLICATE_API_TOKEN (an empty one
 * when unset, not the process's own env), the base URL from `--base-url` or the env.
 *
 * @example
 * const replicate = clientOf(io, values["base-url"])
 */
export function clientOf(io: CliIO, baseUrl?: string): Replicate {
  const url = baseUrl ?? (io.env.REPLICATE_BASE_URL || undefined);
  return createReplicate({
    auth: io.env.REPLICATE_API_TOKEN ?? "",
    ...(url && { baseUrl: url }),
    ...(io.fetch && { fetch: io.fetch }),
  });
}

/**
 * Polling intervals: the library's defaults, unless REPLICATE_KIT_POLL_MS (undocumented,
 * for tests and the demo against the fake) asks for a brisk fixed interval.
 *
 * @example
 * run(replicate, ref, { input, interval: pollInterval(io) })
 */
export function pollInterval(io: CliIO): PollInterval | undefined {
  const ms = Number(io.env.REPLICATE_KIT_POLL_MS);
  return Number.isFinite(ms) && ms > 0 ? { initialMs: ms, factor: 1, maxMs: ms } : undefined;
}

/** `owner/name`, split; anything else is an InputError naming what was expected. */
export function ownerName(text: string | undefined, what = "owner/name"): [string, string] {
  const [owner, name, ...more] = (text ?? "").split("/");
  if (!owner || !name || more.length > 0) throw new InputError(`Expected ${what}, got "${text ?? ""}".`);
  return [owner, name];
}

/** Left-aligned columns, for the lists commands print. */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return `${rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}

/**
 * A signal that Ctrl-C aborts, for the length of `work`: the library then cancels the
 * job on Replicate (its `cancelOnAbort`), so billing stops. The entry exits at once on a
 * second Ctrl-C. Work that can only cancel once it has the job's id (a create held open
 * by a sync window) calls `created()` when it has it: a Ctrl-C before waits for that.
 *
 * @example
 * await interruptible(io, (signal, created) => run(replicate, ref, { input, signal, onProgress: created }))
 */
export async function interruptible<T>(
  io: CliIO,
  work: (signal: AbortSignal, created: () => void) => Promise<T>,
  { deferred = false } = {},
): Promise<T> {
  const controller = new AbortController();
  let ready = !deferred;
  let asked = false;
  const abort = () => controller.abort(new Error("Interrupted (Ctrl-C)"));
  const stop = io.onInterrupt?.(() => {
    io.err("\nCanceling… (Ctrl-C again to exit at once)\n");
    asked = true;
    if (ready) abort();
  });
  const created = () => {
    ready = true;
    if (asked && !controller.signal.aborted) abort();
  };
  try {
    return await work(controller.signal, created);
  } finally {
    stop?.();
  }
}

/**
 * One command's frame, the same for every command: read the arguments, print `help` for
 * `--help` (exit 0) or, when the command needs an action and got none, as usage (exit 2),
 * run `body`, and turn whatever it throws into one plain sentence and an exit code.
 *
 * @example
 * export const hardware = (argv, io) => command(argv, io, "hardware", {}, HELP, async ({ values }) => EXIT.ok)
 */
export async function command<const O extends Options>(
  argv: string[],
  io: CliIO,
  name: string,
  options: O,
  help: string,
  body: (parsed: ReturnType<typeof parseCommand<O>>) => Promise<number>,
  needsAction = false,
): Promise<number> {
  let debug = false;
  try {
    const parsed = parseCommand(argv, options);
    // The common options are always there, whatever the command's own are.
    const common = parsed.values as { debug?: boolean; help?: boolean };
    debug = common.debug === true;
    if (common.help || (needsAction && parsed.positionals.length === 0)) {
      io.out(help);
      return common.help ? EXIT.ok : EXIT.usage;
    }
    return await body(parsed);
  } catch (error) {
    return reportFailure(error, name, io, debug);
  }
}
