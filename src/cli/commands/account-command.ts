/**
 * The small read-only commands: `hardware`, `account` and `webhooks secret`.
 */
import { InputError } from "../../core/errors.js";
import { webhookSecret } from "../../webhooks/secret.js";
import { type CliIO, type Command, EXIT, EXIT_HELP } from "../cli-io.js";
import { COMMON_HELP, clientOf, command, table } from "../shared.js";

const help = (usage: string, what: string, example: string) =>
  `Usage: replicate-kit ${usage} [options]\n\n${what}\n\nOptions:\n${COMMON_HELP}\n\n${EXIT_HELP}\n\nExample:\n  npx replicate-kit ${example}\n`;

/** A command that fetches one thing and prints it, as text or with --json. */
function simple(
  name: string,
  helpText: string,
  action: string | undefined,
  get: (io: CliIO, baseUrl?: string) => Promise<[unknown, string]>,
): Command {
  return (argv, io) =>
    command(argv, io, name, {}, helpText, async ({ values, positionals }) => {
      const expected = action === undefined ? [] : [action];
      if (positionals.join(" ") !== expected.join(" "))
        throw new InputError(`Usage: replicate-kit ${[name, ...expected].join(" ")}`);
      const [value, text] = await get(io, values["base-url"]);
      io.out(values.json ? `${JSON.stringify(value, null, 2)}\n` : text);
      return EXIT.ok;
    });
}

/** `replicate-kit hardware`. @example await hardwareCommand([], io) */
export const hardwareCommand = simple(
  "hardware",
  help("hardware", "The hardware models and deployments can run on.", "hardware"),
  undefined,
  async (io, url) => {
    const list = await clientOf(io, url).hardware.list();
    return [list, table([["SKU", "NAME"], ...list.map((h) => [h.sku ?? "", h.name ?? ""])])];
  },
);

/** `replicate-kit account`. @example await accountCommand([], io) */
export const accountCommand = simple(
  "account",
  help("account", "The account the token belongs to.", "account"),
  undefined,
  async (io, url) => {
    const a = await clientOf(io, url).account.get();
    return [a, `${a.username} (${a.type}${a.name ? `, ${a.name}` : ""})\n`];
  },
);

/** `replicate-kit webhooks secret`. @example await webhooksCommand(["secret"], io) */
export const webhooksCommand = simple(
  "webhooks",
  help("webhooks secret", "The secret webhooks are signed with: verify deliveries with it.", "webhooks secret"),
  "secret",
  async (io, url) => {
    const key = await webhookSecret(clientOf(io, url));
    return [{ key }, `${key}\n`];
  },
);
