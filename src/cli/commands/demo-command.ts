/**
 * `replicate-kit demo` (and `npm run demo`): the offline tour. A fake Replicate starts in
 * this process with the demo's models, and the tour runs the command line's own commands
 * against it, each shown as you would type it: run and save files, stream a language
 * model, fine-tune and run the new version, then a verified webhook.
 */
import { type CliIO, type Command, EXIT, EXIT_HELP } from "../cli-io.js";
import { DEMO_MODELS } from "../demo-models.js";
import { webhookRoundTrip } from "../demo-webhook.js";
import { startFake } from "../fake-server.js";
import { reportFailure } from "../report.js";
import { clientOf, parseCommand } from "../shared.js";
import { runCommand } from "./run-command.js";
import { trainCommand } from "./train-command.js";

/** The command's help text. */
export const DEMO_HELP = `Usage: replicate-kit demo [--out <dir>]

The offline tour: a fake Replicate starts in this process (no token, no network), and
the tour runs a model and saves its pictures, streams a language model's tokens,
fine-tunes a model and runs the new version, then receives and verifies a webhook.
Every command it shows takes --fake, to try it against the same models.

Options:
  -o, --out <dir>             where the pictures are saved (default: demo-output)
  -h, --help                  this help

${EXIT_HELP}

Example:
  npx replicate-kit demo
`;

const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : arg.replace(/=(.*)$/, '="$1"'));

/**
 * The `demo` command.
 *
 * @example
 * const code = await demoCommand([], io)
 */
export async function demoCommand(argv: string[], io: CliIO): Promise<number> {
  let debug = false;
  try {
    const { values } = parseCommand(argv, { out: { type: "string", short: "o" } });
    debug = values.debug ?? false;
    if (values.help) {
      io.out(DEMO_HELP);
      return EXIT.ok;
    }
    const running = await startFake(io);
    try {
      io.out(`Offline: a fake Replicate on ${running.url}\n`);
      const step = async (title: string, command: Command, args: string[], fake = running.io) => {
        io.out(`\n── ${title}\n$ replicate-kit ${args.map(quote).join(" ")} --fake\n`);
        const code = await command(args.slice(1), fake);
        if (code !== EXIT.ok) throw Object.assign(new Error(`the step "${title}" exited with ${code}`), { code });
      };
      const out = values.out ?? "demo-output";
      await step("run a model, and save its pictures", runCommand, [
        "run",
        DEMO_MODELS.image,
        "prompt=a red fox in the snow",
        "num_outputs=2",
        "--out",
        out,
      ]);
      await step("stream a language model's tokens", runCommand, [
        "run",
        DEMO_MODELS.chat,
        "prompt=Why is the sky blue?",
      ]);
      // The trained version is printed on stdout: kept, to run it next.
      let trained = "";
      const capture = {
        ...running.io,
        out: (text: string) => {
          trained += text;
          io.out(text);
        },
      };
      await step(
        "fine-tune a model",
        trainCommand,
        ["train", DEMO_MODELS.trainer, "--destination", "demo/my-style", "style=a watercolor"],
        capture,
      );
      await step("run the fine-tuned version", runCommand, ["run", trained.trim(), "prompt=a lighthouse"]);
      io.out("\n── receive and verify a webhook\n");
      io.out(`verified: ${await webhookRoundTrip(clientOf(running.io), DEMO_MODELS.chat)}\n`);
      io.out(
        "\nDone: run, stream, fine-tune and a webhook, offline, with no token. " +
          "Read how in src/cli/commands/demo-command.ts.\n" +
          `Try any command with --fake, e.g. replicate-kit models schema ${DEMO_MODELS.image} --fake\n`,
      );
    } finally {
      await running.close();
    }
    return EXIT.ok;
  } catch (error) {
    const code = (error as { code?: number }).code;
    return typeof code === "number" ? code : reportFailure(error, "demo", io, debug);
  }
}
