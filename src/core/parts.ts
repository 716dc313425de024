/**
 * What the feature functions (`run`, `stream`, `train`, `webhookSecret`, ...) need from a
 * client beyond its methods: its transport and base URL. They take the client as their
 * first argument, so an app bundles only the features it imports.
 *
 * The parts ride on the client under a `Symbol.for` key rather than in a module-level
 * map, so a client still works when an app ends up with two copies of this module (the
 * ESM and the CJS build, or two versions of the package).
 */
import { InputError } from "./errors.js";
import type { Operations } from "./methods.js";
import type { Send } from "./transport.js";

/** A client's hidden parts. */
export interface ClientParts {
  readonly send: Send;
  readonly baseUrl: string;
  /** The client's deadline per request (`Infinity` for none): a sync window must end before it. */
  readonly timeoutMs: number;
}

/**
 * The key the parts are kept under. It names the protocol, the shape of
 * {@link ClientParts}, and not the package version: bump it only when that shape
 * changes, so two releases with the same parts accept each other's clients.
 */
const PARTS = /* @__PURE__ */ Symbol.for("replicate-kit.client-parts.v1");

/** Keep `parts` on `client`, hidden: not enumerable (a spread or a log does not copy it), not writable. */
export function attachParts<T extends object>(client: T, parts: ClientParts): T {
  return Object.defineProperty(client, PARTS, { value: parts });
}

/**
 * The parts of a client made by `createReplicate()`, or an InputError (before anything is
 * sent) when `client` is something else.
 *
 * @example
 * const { send } = partsOf(replicate)
 */
export function partsOf(client: Operations): ClientParts {
  const parts = (client as { [PARTS]?: ClientParts } | null | undefined)?.[PARTS];
  if (!parts) throw new InputError("Expected a client made by createReplicate() as the first argument.");
  return parts;
}
