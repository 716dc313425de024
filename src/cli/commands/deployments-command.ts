/**
 * `replicate-kit deployments list | get <owner/name> | create <name> | update <owner/name>`.
 */
import type { Replicate } from "../../core/client.js";
import { InputError } from "../../core/errors.js";
import type { Deployment } from "../../core/types.js";
import { type CliIO, EXIT, EXIT_HELP } from "../cli-io.js";
import { modelSchema } from "../model-schema.js";
import { COMMON_HELP, clientOf, command, ownerName, type parseCommand, table } from "../shared.js";

/** The command's help text. */
export const DEPLOYMENTS_HELP = `Usage: replicate-kit deployments <action> [options]

  list                        your deployments
  get <owner/name>            one deployment, as JSON
  create <name> --model <owner/name[:version]> --hardware <sku> [--min n] [--max n]
  update <owner/name> [--version <id>] [--hardware <sku>] [--min n] [--max n]

Options:
      --model <ref>           create: the model (its latest version unless one is given)
      --version <id>          update: the version to serve
      --hardware <sku>        the hardware (see replicate-kit hardware)
      --min <n>, --max <n>    the fewest and most instances
${COMMON_HELP}

${EXIT_HELP}

Example:
  npx replicate-kit deployments create my-sdxl --model stability-ai/sdxl --hardware gpu-t4 --min 0 --max 2
`;

const OPTIONS = {
  model: { type: "string" },
  version: { type: "string" },
  hardware: { type: "string" },
  min: { type: "string" },
  max: { type: "string" },
} as const;

type Values = ReturnType<typeof parseCommand<typeof OPTIONS>>["values"];

function count(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new InputError(`--${name} must be a whole number, got "${text}".`);
  return Number(text);
}

/** The body of create and update: only what was given. */
function configuration(values: Values) {
  const min = count(values.min, "min");
  const max = count(values.max, "max");
  return {
    ...(values.hardware !== undefined && { hardware: values.hardware }),
    ...(min !== undefined && { min_instances: min }),
    ...(max !== undefined && { max_instances: max }),
  };
}

function summary(d: Deployment): string {
  const r = d.current_release;
  const c = r?.configuration;
  return `${d.owner}/${d.name}  release ${r?.number ?? "?"}: ${r?.model}:${r?.version}  ${c?.hardware} (${c?.min_instances}–${c?.max_instances} instances)\n`;
}

async function create(replicate: Replicate, name: string, values: Values): Promise<Deployment> {
  if (!values.model) throw new InputError("create needs --model <owner/name[:version]>.");
  if (!values.hardware) throw new InputError("create needs --hardware <sku> (see replicate-kit hardware).");
  const { model, version } = await modelSchema(replicate, values.model);
  if (!version) throw new InputError(`${model} has no version to deploy.`);
  const body = { name, model, version, min_instances: 0, max_instances: 1, ...configuration(values) };
  return replicate.deployments.create({ body: body as Parameters<Replicate["deployments"]["create"]>[0]["body"] });
}

/**
 * The `deployments` command.
 *
 * @example
 * const code = await deploymentsCommand(["get", "acme/sdxl"], io)
 */
export function deploymentsCommand(argv: string[], io: CliIO): Promise<number> {
  return command(
    argv,
    io,
    "deployments",
    OPTIONS,
    DEPLOYMENTS_HELP,
    async ({ values, positionals }) => {
      const [action, arg, ...extra] = positionals;
      const replicate = clientOf(io, values["base-url"]);
      const print = (d: Deployment) => io.out(values.json ? `${JSON.stringify(d, null, 2)}\n` : summary(d));
      if (action === "list") {
        const items = (await replicate.deployments.list({})).results as Deployment[];
        if (values.json) io.out(`${JSON.stringify(items, null, 2)}\n`);
        else if (items.length === 0) io.out("No deployments yet.\n");
        else
          io.out(
            table(
              items.map((d) => [
                `${d.owner}/${d.name}`,
                `${d.current_release?.model ?? ""}`,
                `${d.current_release?.configuration?.hardware ?? ""}`,
              ]),
            ),
          );
        return EXIT.ok;
      }
      if (arg === undefined || extra.length > 0) throw new InputError(`deployments ${action} takes one name.`);
      if (action === "create") print(await create(replicate, arg, values));
      else {
        const [deployment_owner, deployment_name] = ownerName(arg);
        const params = { deployment_owner, deployment_name };
        if (action === "get") print(await replicate.deployments.get(params));
        else if (action === "update") {
          const body = { ...configuration(values), ...(values.version !== undefined && { version: values.version }) };
          if (Object.keys(body).length === 0)
            throw new InputError("Nothing to update: give --version, --hardware, --min or --max.");
          print(await replicate.deployments.update({ ...params, body }));
        } else throw new InputError(`Unknown action "${action}": use list, get, create or update.`);
      }
      return EXIT.ok;
    },
    true,
  );
}
