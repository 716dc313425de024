/**
 * The command line's dispatcher: the first argument names the command, the rest is the
 * command's own. Each command is a module of its own under commands/; adding one is a
 * line in {@link COMMANDS}.
 */
import { VERSION } from "../core/version.js";
import { type CliIO, type Command, EXIT } from "./cli-io.js";
import { typesCommand } from "./commands/types-command.js";

/** The commands, by name, each with a one-line summary for the top-level help. */
export const COMMANDS: Record<string, { run: Command; summary: string }> = {
  types: { run: typesCommand, summary: "generate TypeScript types of models from their schemas" },
};

const usage = () =>
  [
    "Usage: replicate-kit <command> [options]",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
    "",
    "Run `replicate-kit <command> --help` for a command's options.",
    "The token is read from REPLICATE_API_TOKEN.",
    "",
  ].join("\n");

/**
 * Run the command line with `argv` (without `node` and the script), resolving to the
 * exit code.
 *
 * @example
 * process.exitCode = await main(["types", "acme/echo", "--out", "models.ts"], io)
 */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
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
  try {
    return await command.run(rest, io);
  } catch (error) {
    // A bug, not a user's mistake: say so, with the stack, and exit apart from the rest.
    io.err(`replicate-kit ${name}: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`);
    return EXIT.failed;
  }
}
