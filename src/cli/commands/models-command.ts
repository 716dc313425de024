/**
 * `replicate-kit models get <owner/name> | schema <owner/name[:version]> | search <query>`.
 */
import { InputError } from "../../core/errors.js";
import type { Model } from "../../core/types.js";
import { type CliIO, EXIT, EXIT_HELP } from "../cli-io.js";
import { inputFields } from "../coerce.js";
import { modelSchema } from "../model-schema.js";
import { COMMON_HELP, clientOf, command, ownerName, table } from "../shared.js";

/** The command's help text. */
export const MODELS_HELP = `Usage: replicate-kit models <get <owner/name> | schema <owner/name[:version]> | search <query>> [options]

  get <owner/name>        a model: its description, latest version and runs
  schema <model>          the inputs a model takes (what run's key=value pairs can be)
  search <query>          models that match, by name and description

Options:
${COMMON_HELP}

${EXIT_HELP}

Example:
  npx replicate-kit models schema black-forest-labs/flux-schnell
`;

const describe = (field: Record<string, unknown>) => {
  const type =
    field.type === "array" ? `${(field.items as { type?: string })?.type ?? "any"}[]` : String(field.type ?? "any");
  const extra = [
    field.format === "uri" ? "file" : "",
    Array.isArray(field.enum) ? `one of ${field.enum.map((e) => JSON.stringify(e)).join(", ")}` : "",
    field.default !== undefined ? `default ${JSON.stringify(field.default)}` : "",
  ].filter(Boolean);
  return [type, extra.join("; "), String(field.description ?? "")];
};

/**
 * The `models` command.
 *
 * @example
 * const code = await modelsCommand(["schema", "black-forest-labs/flux-schnell"], io)
 */
export function modelsCommand(argv: string[], io: CliIO): Promise<number> {
  return command(
    argv,
    io,
    "models",
    {},
    MODELS_HELP,
    async ({ values, positionals }) => {
      const [action, arg, ...extra] = positionals;
      if (arg === undefined || extra.length > 0) throw new InputError(`models ${action} takes one argument.`);
      const replicate = clientOf(io, values["base-url"]);
      if (action === "get") {
        const [model_owner, model_name] = ownerName(arg);
        const model = await replicate.models.get({ model_owner, model_name });
        if (values.json) io.out(`${JSON.stringify(model, null, 2)}\n`);
        else {
          const latest = (model.latest_version as { id?: string } | null)?.id ?? "none";
          io.out(`${model.owner}/${model.name}  ${model.visibility}  ${model.run_count} runs\n`);
          io.out(`${model.description ?? ""}\nlatest version: ${latest}\n${model.url}\n`);
        }
      } else if (action === "schema") {
        const { model, version, document } = await modelSchema(replicate, arg);
        if (values.json) {
          io.out(`${JSON.stringify(document, null, 2)}\n`);
          return EXIT.ok;
        }
        const fields = inputFields(document) ?? {};
        const required = new Set(
          (document as { components: { schemas: { Input: { required?: string[] } } } }).components?.schemas?.Input
            ?.required ?? [],
        );
        const rows = Object.entries(fields).map(([name, f]) => [
          required.has(name) ? `${name}*` : name,
          ...describe(f as Record<string, unknown>),
        ]);
        io.out(`${model}:${version ?? "?"}  inputs (* required)\n`);
        io.out(rows.length ? table([["NAME", "TYPE", "ALLOWED", "DESCRIPTION"], ...rows]) : "  (none described)\n");
      } else if (action === "search") {
        const page = await replicate.models.search({ body: arg });
        const models = page.results as Model[];
        if (values.json) io.out(`${JSON.stringify(models, null, 2)}\n`);
        else if (models.length === 0) io.out(`No models match "${arg}".\n`);
        else io.out(table(models.map((m) => [`${m.owner}/${m.name}`, (m.description ?? "").slice(0, 70)])));
      } else throw new InputError(`Unknown action "${action}": use get, schema or search.`);
      return EXIT.ok;
    },
    true,
  );
}
