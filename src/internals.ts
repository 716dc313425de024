/**
 * What the feature entries (`replicate-fetch/run`, `/stream`, `/train`, `/webhooks`,
 * `/api`) need from a client: its transport and base URL. They take the client as their
 * first argument, so an app bundles only the features it imports.
 *
 * The parts ride on the client under a `Symbol.for` key rather than in a module-level
 * map, so a client still works when a bundler ends up with two copies of this module
 * (the ESM and the CJS build of the package, say).
 */
import { InputError } from "./errors.js";
import type { Operations } from "./operations.js";
import type { Send } from "./transport.js";
import { VERSION } from "./version.js";

/** A client's hidden parts. */
export interface ClientParts {
  readonly send: Send;
  readonly baseUrl: string;
}

/**
 * The key a client's parts are kept under. It names the version: the parts' shape may
 * change between versions, and a client from another version is refused, not misread.
 */
const PARTS = Symbol.for(`replicate-fetch.client@${VERSION}`);

/** Keep `parts` on `client`, hidden: not enumerable (a spread or a log does not copy it), not writable. */
export function attachParts<T extends object>(client: T, parts: ClientParts): T {
  return Object.defineProperty(client, PARTS, { value: parts });
}

/**
 * One instance of a feature per client, made on first use and kept while the client
 * lives (a WeakMap: dropping the client frees it).
 *
 * @example
 * const runnerOf = perClient((client, { send }) => createRunner(client, send))
 * runnerOf(replicate).run("owner/name", { input })
 */
export function perClient<T>(make: (client: Operations, parts: ClientParts) => T): (client: Operations) => T {
  const made = new WeakMap<object, T>();
  return (client) => {
    let feature = made.get(client);
    if (feature === undefined) {
      const parts = (client as { [PARTS]?: ClientParts } | null | undefined)?.[PARTS];
      if (!parts) {
        throw new InputError(
          `Expected a client made by createReplicate() of replicate-fetch ${VERSION} as the first argument.`,
        );
      }
      feature = make(client, parts);
      made.set(client, feature);
    }
    return feature;
  };
}
