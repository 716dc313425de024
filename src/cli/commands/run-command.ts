/**
 * `replicate-kit run`: a model (or a deployment) with `key=value` inputs checked against
 * its schema before anything is created. A language model's tokens print as they arrive
 * (`stream()`, which resumes and falls back to polling); anything else shows its progress
 * and saves its files. Ctrl-C cancels the prediction on Replicate.
 */
import type { Replicate } from "../../core/client.js";
import { InputError } from "../../core/errors.js";
import type { Prediction } from "../../core/types.js";
import type { ModelRef } from "../../run/refs.js";
import { run } from "../../run/run.js";
import { stream } from "../../stream/stream.js";
import { type CliIO, EXIT, EXIT_HELP } from "../cli-io.js";
import { buildInput } from "../inputs.js";
import { deploymentSchema, modelSchema, streamsText, type VersionSchema } from "../model-schema.js";
import { deliver } from "../outputs.js";
import { progressLine } from "../progress-line.js";
import {
  COMMON_HELP,
  clientOf,
  command,
  interruptible,
  ownerName,
  type parseCommand,
  pollInterval,
} from "../shared.js";

/** The command's help text. */
export const RUN_HELP = `Usage: replicate-kit run <owner/name[:version]> [key=value]... [options]
       replicate-kit run --deployment <owner/name> [key=value]... [options]

Run a model and print its output: text on stdout, files saved into --out with their
paths printed. A language model's tokens print as they arrive.

Inputs are checked against the model's schema before the prediction is created:
  key=value         coerced to the field's type (integer, number, boolean, enum)
  key=a key=b       a list (or key='["a","b"]')
  key=@photo.jpg    a file, uploaded; key=@- reads standard input

Options:
  -o, --out <dir>             where files are saved (default: the current folder)
  -i, --input <file.json>     inputs as a JSON object (key=value pairs go over it)
      --deployment <o/n>      run on a deployment (its current version's schema, if readable)
      --logs                  print the model's logs instead of the progress line
      --no-stream             poll, even for a language model
${COMMON_HELP}

Ctrl-C cancels the prediction on Replicate and prints its id; Ctrl-C again exits at once.
${EXIT_HELP}

Examples:
  npx replicate-kit run black-forest-labs/flux-schnell prompt="a fox in snow" num_outputs=2 --out ./out
  npx replicate-kit run meta/meta-llama-3-8b-instruct prompt="Write a haiku" > haiku.txt
`;

const OPTIONS = {
  out: { type: "string", short: "o" },
  input: { type: "string", short: "i" },
  deployment: { type: "string" },
  logs: { type: "boolean" },
  "no-stream": { type: "boolean" },
} as const;

/** The interval option, only when there is one (exact optional types). */
const poll = (io: CliIO) => {
  const interval = pollInterval(io);
  return interval ? { interval } : {};
};

type Values = ReturnType<typeof parseCommand<typeof OPTIONS>>["values"];

/** Tokens on stdout as they arrive; the prediction id comes with an error, if any. */
async function streamed(
  replicate: Replicate,
  ref: ModelRef,
  input: Record<string, unknown>,
  values: Values,
  io: CliIO,
) {
  let last = "";
  await interruptible(io, async (signal) => {
    const events = stream(replicate, ref, { input, signal, ...poll(io) });
    for await (const event of events) {
      if (event.type === "logs" && values.logs) io.err(event.data);
      if (event.type !== "output") continue;
      last = String(event.data);
      io.out(last);
    }
  });
  if (last !== "" && !last.endsWith("\n")) io.out("\n");
}

/** Polled with a progress line; files saved, the output (or the prediction, with --json) printed. */
async function polled(replicate: Replicate, ref: ModelRef, input: Record<string, unknown>, values: Values, io: CliIO) {
  let last: Prediction | undefined;
  const line = progressLine(io, { quiet: values.quiet || values.json, logs: values.logs });
  let output: unknown;
  try {
    // Deferred: run's create holds a sync window, and aborting it would lose the id to cancel.
    output = await interruptible(
      io,
      (signal, created) =>
        run(replicate, ref, {
          input,
          signal,
          ...poll(io),
          outputSchema: true,
          onProgress: (p, progress) => {
            last = p;
            created();
            line.update(p, progress);
          },
        }),
      { deferred: true },
    );
  } finally {
    line.end();
  }
  await deliver(output, last, values, io);
}

/**
 * The `run` command.
 *
 * @example
 * const code = await runCommand(["acme/echo", "text=hi"], io)
 */
export function runCommand(argv: string[], io: CliIO): Promise<number> {
  return command(argv, io, "run", OPTIONS, RUN_HELP, async ({ values, positionals }) => {
    const replicate = clientOf(io, values["base-url"]);
    let ref: ModelRef;
    let schema: VersionSchema | undefined;
    let pairs = positionals;
    if (values.deployment !== undefined) {
      const [owner, name] = ownerName(values.deployment, "--deployment owner/name");
      ref = { deployment: `${owner}/${name}` };
      schema = await deploymentSchema(replicate, owner, name);
    } else {
      const [model, ...rest] = positionals;
      if (model === undefined || model.includes("="))
        throw new InputError("Name the model to run: replicate-kit run <owner/name> key=value...");
      ref = model;
      pairs = rest;
      schema = await modelSchema(replicate, model);
    }
    const input = await buildInput(pairs, values.input, schema?.document, io);
    const streaming = !values.json && !values["no-stream"] && streamsText(schema?.document);
    await (streaming ? streamed : polled)(replicate, ref, input, values, io);
    return EXIT.ok;
  });
}
