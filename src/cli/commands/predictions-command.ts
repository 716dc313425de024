/**
 * `replicate-kit predictions list | get <id> | wait <id> | cancel <id>`.
 */
import type { Replicate } from "../../core/client.js";
import { InputError, PredictionError } from "../../core/errors.js";
import { partsOf } from "../../core/parts.js";
import type { Prediction } from "../../core/types.js";
import { downloader } from "../../run/file-output.js";
import { normalizeOutput, type OutputSchema } from "../../run/output.js";
import { wait } from "../../run/wait.js";
import { type CliIO, EXIT, EXIT_HELP } from "../cli-io.js";
import { deliver } from "../outputs.js";
import { progressLine } from "../progress-line.js";
import { COMMON_HELP, clientOf, command, interruptible, pollInterval, table } from "../shared.js";

/** The command's help text. */
export const PREDICTIONS_HELP = `Usage: replicate-kit predictions <list | get <id> | wait <id> | cancel <id>> [options]

  list          your recent predictions (the first page)
  get <id>      one prediction, as JSON
  wait <id>     wait for a prediction to finish, then print or save its output as run does
  cancel <id>   cancel a prediction

Options:
  -o, --out <dir>             wait: where files are saved (default: the current folder)
      --logs                  wait: print the logs instead of the progress line
${COMMON_HELP}

${EXIT_HELP}

Example:
  npx replicate-kit predictions wait ufawqhfynnddngldkgtslldrkq --out ./out
`;

const OPTIONS = { out: { type: "string", short: "o" }, logs: { type: "boolean" } } as const;

/** The output as `run` gives it: token streams joined, `format: uri` values as files. */
async function normalized(replicate: Replicate, p: Prediction): Promise<unknown> {
  const [model_owner, model_name] = (p.model ?? "").split("/");
  let root: { components?: { schemas?: { Output?: OutputSchema } } } | undefined;
  if (model_owner && model_name && p.version) {
    const params = { model_owner, model_name, version_id: p.version };
    root = await replicate.models.versions.get(params).then(
      (v) => v.openapi_schema as typeof root,
      () => undefined, // no schema: every URL becomes a file
    );
  }
  const download = downloader(partsOf(replicate).send);
  return normalizeOutput(p.output, { download, schema: root?.components?.schemas?.Output, root });
}

/**
 * The `predictions` command.
 *
 * @example
 * const code = await predictionsCommand(["get", "ufawqhfynnddngldkgtslldrkq"], io)
 */
export function predictionsCommand(argv: string[], io: CliIO): Promise<number> {
  return command(
    argv,
    io,
    "predictions",
    OPTIONS,
    PREDICTIONS_HELP,
    async ({ values, positionals }) => {
      const [action = "", id, ...extra] = positionals; // never empty: command() asks for an action
      const replicate = clientOf(io, values["base-url"]);
      if (action === "list") {
        const page = await replicate.predictions.list({});
        const items = page.results as Prediction[];
        if (values.json) io.out(`${JSON.stringify(items, null, 2)}\n`);
        else if (items.length === 0) io.out("No predictions yet.\n");
        else {
          const rows = items.map((p) => [p.id, p.status, p.model ?? "", p.created_at ?? ""]);
          io.out(table([["ID", "STATUS", "MODEL", "CREATED"], ...rows]));
        }
        return EXIT.ok;
      }
      if (!["get", "wait", "cancel"].includes(action))
        throw new InputError(`Unknown action "${action}": use list, get, wait or cancel.`);
      if (id === undefined || extra.length > 0) throw new InputError(`predictions ${action} takes one prediction id.`);
      if (action === "get") {
        io.out(`${JSON.stringify(await replicate.predictions.get({ prediction_id: id }), null, 2)}\n`);
      } else if (action === "cancel") {
        const p = await replicate.predictions.cancel({ prediction_id: id });
        io.out(values.json ? `${JSON.stringify(p, null, 2)}\n` : `${p.id} ${p.status}\n`);
      } else {
        const line = progressLine(io, { quiet: values.quiet || values.json, logs: values.logs });
        let done: Prediction;
        try {
          const options = {
            interval: pollInterval(io),
            onProgress: (p: Prediction, progress: Parameters<typeof line.update>[1]) => line.update(p, progress),
          };
          done = await interruptible(io, (signal) => wait(replicate, id, { ...options, signal }));
        } finally {
          line.end();
        }
        if (done.status !== "succeeded") {
          // Worded as run's failures are (an `error` object as JSON, not "[object Object]").
          io.err(`${new PredictionError(done).message}\n`);
          if (values.json) io.out(`${JSON.stringify(done, null, 2)}\n`);
          return EXIT.prediction;
        }
        await deliver(await normalized(replicate, done), done, values, io);
      }
      return EXIT.ok;
    },
    true,
  );
}
