/**
 * `replicate-kit train`: fine-tune a trainer into a version of your own, with the same
 * inputs, progress and Ctrl-C as `run`; the new version is printed for `run`.
 */
import { InputError } from "../../core/errors.js";
import type { Training } from "../../core/types.js";
import { train } from "../../train/train.js";
import { type CliIO, EXIT, EXIT_HELP } from "../cli-io.js";
import { buildInput } from "../inputs.js";
import { modelSchema } from "../model-schema.js";
import { progressLine } from "../progress-line.js";
import { COMMON_HELP, clientOf, command, interruptible, ownerName, pollInterval } from "../shared.js";

/** The command's help text. */
export const TRAIN_HELP = `Usage: replicate-kit train <owner/name[:version]> --destination <owner/name> [key=value]... [options]

Fine-tune a trainer and print the new version ("owner/name:version"), ready for run.
Inputs are given as for run (key=value, key=@file, --input file.json), checked against
the trainer's training inputs when it describes them.

Options:
  -d, --destination <o/n>     the model the version goes to (created, private, if missing)
  -i, --input <file.json>     inputs as a JSON object (key=value pairs go over it)
      --hardware <sku>        the destination's hardware, when it is created (default: cpu)
      --logs                  print the logs instead of the progress line
${COMMON_HELP}

${EXIT_HELP}

Example:
  npx replicate-kit train ostris/flux-dev-lora-trainer --destination me/my-flux input_images=@photos.zip steps=1000
`;

const OPTIONS = {
  destination: { type: "string", short: "d" },
  input: { type: "string", short: "i" },
  hardware: { type: "string" },
  logs: { type: "boolean" },
} as const;

/**
 * The `train` command.
 *
 * @example
 * const code = await trainCommand(["acme/trainer", "--destination", "me/style", "steps=10"], io)
 */
export function trainCommand(argv: string[], io: CliIO): Promise<number> {
  return command(argv, io, "train", OPTIONS, TRAIN_HELP, async ({ values, positionals }) => {
    const [trainer, ...pairs] = positionals;
    if (trainer === undefined || trainer.includes("="))
      throw new InputError(
        "Name the trainer: replicate-kit train <owner/name> --destination <owner/name> key=value...",
      );
    const destination = ownerName(values.destination, "--destination owner/name").join("/");
    const replicate = clientOf(io, values["base-url"]);
    const schema = await modelSchema(replicate, trainer);
    const input = await buildInput(pairs, values.input, schema.document, io, "TrainingInput");
    const line = progressLine(io, { quiet: values.quiet || values.json, logs: values.logs });
    let result: { training: Training; version: string };
    try {
      result = await interruptible(io, (signal) =>
        train(replicate, {
          model: `${schema.model}:${schema.version}`,
          destination,
          input,
          signal,
          interval: pollInterval(io),
          createDestination: { visibility: "private", hardware: values.hardware ?? "cpu" },
          onProgress: (t, progress) => line.update(t, progress),
        }),
      );
    } finally {
      line.end();
    }
    io.out(values.json ? `${JSON.stringify(result.training, null, 2)}\n` : `${result.version}\n`);
    return EXIT.ok;
  });
}
