/**
 * How a command's failure reaches the user: one short, plain sentence, then the API's
 * details (its `invalid_fields`), and an exit code. A stack only with `--debug`, or for
 * a bug (an error that is none of the library's), where it is what a report needs.
 */
import {
  isAbortError,
  isApiError,
  isInputError,
  isPredictionError,
  isReplicateError,
  isTimeoutError,
} from "../core/guards.js";
import { type CliIO, EXIT, messageOf } from "./cli-io.js";

const idOf = (error: unknown) => (error as { prediction?: { id?: string } }).prediction?.id;

/** The sentence and the exit code of a library error; undefined for anything else. */
function explain(error: unknown, command: string, io: CliIO): [string, number] | undefined {
  if (isInputError(error)) {
    const hint = /No API token/.test(messageOf(error))
      ? "Get one at https://replicate.com/account/api-tokens, or try the command offline with --fake."
      : `Run \`replicate-kit ${command} --help\` for the options.`;
    return [`${messageOf(error)}\n${hint}`, EXIT.usage];
  }
  if (isAbortError(error) || (isPredictionError(error) && error.reason === "aborted")) {
    const id = idOf(error);
    return [id ? `Interrupted: prediction ${id} was canceled.` : "Interrupted.", EXIT.interrupted];
  }
  if (isPredictionError(error)) {
    const p = error.prediction;
    const why = p.error ? `: ${typeof p.error === "string" ? p.error : JSON.stringify(p.error)}` : ".";
    const verb = error.reason === "canceled" ? "was canceled" : "failed";
    return [`${error.name === "TrainingError" ? "Training" : "Prediction"} ${p.id} ${verb}${why}`, EXIT.prediction];
  }
  if (isApiError(error)) {
    const fields = (error.invalidFields ?? []).map((f) => `  ${f.field}: ${f.description}`);
    const hint =
      error.status === 401 && !io.env.REPLICATE_API_TOKEN
        ? "\nSet REPLICATE_API_TOKEN (https://replicate.com/account/api-tokens), or try the command with --fake."
        : "";
    // The API refusing an input is the user's to fix, as is a bad argument.
    const code = error.status === 422 && fields.length > 0 ? EXIT.usage : EXIT.api;
    return [[`${error.detail ?? error.title ?? error.message}`, ...fields].join("\n") + hint, code];
  }
  if (isTimeoutError(error)) return [messageOf(error), EXIT.api];
  if (isReplicateError(error)) return [messageOf(error), EXIT.api];
  return undefined;
}

/**
 * Tell the user what went wrong, and resolve to the exit code it earns.
 *
 * @example
 * catch (error) { return reportFailure(error, "run", io, values.debug) }
 */
export function reportFailure(error: unknown, command: string, io: CliIO, debug = false): number {
  const known = explain(error, command, io);
  if (!known) {
    io.err(`replicate-kit ${command}: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`);
    return EXIT.failed;
  }
  io.err(`${known[0]}\n`);
  if (debug && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
  return known[1];
}
