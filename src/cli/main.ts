/**
 * The command line's dispatcher: the first argument names the command, the rest is the
 * command's own. Each command is a module of its own under commands/; adding one is a
 * line in {@link COMMANDS}. `--fake`, anywhere, runs the command against the bundled fake.
 */
import { VERSION } from "../core/version.js";
import { type CliIO, type Command, EXIT, EXIT_HELP } from "./cli-io.js";
import { accountCommand, hardwareCommand, webhooksCommand } from "./commands/account-command.js";
import { demoCommand } from "./commands/demo-command.js";
import { deploymentsCommand } from "./commands/deployments-command.js";
import { modelsCommand } from "./commands/models-command.js";
import { predictionsCommand } from "./commands/predictions-command.js";
import { runCommand } from "./commands/run-command.js";
import { trainCommand } from "./commands/train-command.js";
import { typesCommand } from "./commands/types-command.js";
import { startFake } from "./fake-server.js";

/** The commands, by name, each with a one-line summary for the top-level help. */
export const COMMANDS: Record<string, { run: Command; summary: string }> = {
  run: { run: runCommand, summary: "run a model (or --deployment) and print or save its output" },
  train: { run: trainCommand, summary: "fine-tune a model into a version of your own" },
  predictions: { run: predictionsCommand, summary: "list | get <id> | wait <id> | cancel <id>" },
  models: { run: modelsCommand, summary: "get <owner/name> | schema <owner/name> | search <query>" },
  deployments: { run: deploymentsCommand, summary: "list | get <owner/name> | create <name> | update <owner/name>" },
  types: { run: typesCommand, summary: "generate TypeScript types of models from their schemas" },
  hardware: { run: hardwareCommand, summary: "list the hardware models can run on" },
  account: { run: accountCommand, summary: "show the account the token belongs to" },
  webhooks: { run: webhooksCommand, summary: "secret: print the webhook signing secret" },
  demo: { run: demoCommand, summary: "the offline tour: no token, no network" },
};

const usage = () =>
  [
    "Usage: replicate-kit <command> [options]",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`),
    "",
    "Run `replicate-kit <command> --help` for a command's options and an example.",
    "The token is read from REPLICATE_API_TOKEN. Any command takes --fake: a fake Replicate",
    "in this process, with the demo's models (try: replicate-kit run demo/fox-painter prompt=hi --fake).",
    EXIT_HELP,
    "",
    "Example:",
    "  npx replicate-kit demo",
    "",
  ].join("\n");

/**
 * Run the command line with `argv` (without `node` and the script), resolving to the
 * exit code.
 *
 * @example
 * process.exitCode = await main(["run", "acme/echo", "text=hi"], io)
 */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...given] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === "--version" || name === "-v") {
    io.out(`${VERSION}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`replicate-kit: unknown command "${name}".\n\n${usage()}`);
    return EXIT.usage;
  }
  // Before `--`, `--fake` is the dispatcher's; after it, a model's input.
  const end = given.indexOf("--");
  const fakeAt = given.indexOf("--fake");
  const fake = fakeAt !== -1 && (end === -1 || fakeAt < end) && name !== "demo";
  const rest = fake ? given.filter((_, i) => i !== fakeAt) : given;
  const running = fake ? await startFake(io) : undefined;
  try {
    return await command.run(rest, running?.io ?? io);
  } catch (error) {
    // A bug, not a user's mistake: say so, with the stack, and exit apart from the rest.
    io.err(`replicate-kit ${name}: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`);
    return EXIT.failed;
  } finally {
    await running?.close();
  }
}
