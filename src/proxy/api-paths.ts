/**
 * The API's operation paths, as the proxy sees them: which operation a request names
 * (for `allow`), and whether a stream target is really an API operation in disguise.
 */
import { DEFAULT_BASE_URL } from "../core/domain.js";
import { type OperationId, type OperationSpec, operationTable } from "../generated/operations.js";

/** A path parameter: one segment. */
const PARAM = /\{[^}]+\}/g;

const OPERATIONS = /* @__PURE__ */ Object.entries(operationTable).map(([id, spec]) => ({
  id: id as OperationId,
  method: spec.method,
  path: spec.path,
  /** Exactly the template: what `allow` is checked against. */
  exact: new RegExp(`^${spec.path.replace(PARAM, "[^/]+")}$`),
  /** The template give or take case and trailing slashes, for refusing (never for allowing). */
  loose: new RegExp(`^${spec.path.replace(PARAM, "[^/]+")}/*$`, "i"),
}));

/**
 * Replicate serves streams at `/v1/files/{id}` on its stream host: the path of files.get
 * (and .delete). Read when needed, not at load: a property read at the top of a module
 * would keep the whole operation table in every app's bundle.
 */
const streamShaped = () => operationTable["files.get"].path;

/**
 * The operation `method path` calls, if any (path relative to the API's base URL). No
 * path parameter holds a slash, and a server that decodes `%2F` before routing would read
 * an encoded one as a path of another operation than the one allowed: such a path is none.
 *
 * @example
 * findOperation("GET", "/predictions/p1") // "predictions.get"
 * findOperation("GET", "/models/a/b%2Fversions") // undefined
 */
export function findOperation(method: string, path: string): OperationId | undefined {
  // The parameters as the API may read them, decoded. No id or name needs any of these: a
  // slash or backslash is another route; a `%` decoded again (a second layer in front of
  // the API) is one too (`%252F`, `%252e%252e`); so are `?` and `#`, a query or fragment
  // once decoded (the query then escapes forwardedQuery); `;` starts a path parameter that
  // Tomcat-like servers drop (`..;` is `..`: `/models/..;/account/versions/..;` is
  // `/account`); a control character may cut the path short (`/predictions/%00` read as
  // `/predictions/`); and undecodable bytes (the overlong `%c0%af`, a slash to old
  // decoders) leave no telling.
  if (/%(?:[01][0-9a-f]|7f)/i.test(path)) return undefined; // (a URL encodes every control character)
  try {
    if (/[\\/%?#;]/.test(decodeURIComponent(path.replace(/\//g, "")))) return undefined;
  } catch {
    return undefined;
  }
  return OPERATIONS.find((op) => op.method === method && op.exact.test(path))?.id;
}

/**
 * The query to send upstream for operation `id`: only the parameters it defines, and
 * `cursor` on a list (how a page's `next` asks for the following one). Others are dropped,
 * as headers not forwarded are: `_method=DELETE` (a method override some servers honour)
 * or a parameter the API may one day read never rides along on an allowed operation.
 * Written out anew, so `;` (a separator to some servers) stays inside its value and every
 * layer splits the query the same way.
 *
 * @example
 * forwardedQuery("predictions.list", "?cursor=c1&_method=DELETE") // "?cursor=c1"
 * forwardedQuery("predictions.get", "?cursor=c1") // ""
 */
export function forwardedQuery(id: OperationId, search: string): string {
  const spec: OperationSpec = operationTable[id];
  const known = [...(spec.query ?? []), ...(spec.paginated ? ["cursor"] : [])];
  const kept = [...new URLSearchParams(search)].filter(([name]) => known.includes(name));
  const query = new URLSearchParams(kept).toString();
  return query && `?${query}`;
}

/**
 * The path as written and as a server might read it: percent-decoded once, and again (a
 * layer in front of it may decode too), each also with `\` as `/` and dot segments
 * resolved, as URL parsers do. Undefined if undecodable, or encoded over and over.
 */
function spellings(pathname: string): string[] | undefined {
  const paths: string[] = [];
  let path = pathname;
  try {
    for (let round = 0; ; round++) {
      // No `//` left for the parser to read as a host; `?` and `#` kept inside the path; and
      // once more without `;` path parameters, which Tomcat-like servers drop (`..;` is `..`).
      for (const spelling of [path, path.replace(/;[^/?#\\]*/g, "")])
        paths.push(spelling.replace(/\/{2,}/g, "/"), new URL(spelling.replace(/[?#\\/]+/g, "/"), "https://x").pathname);
      const decoded = decodeURIComponent(path);
      if (decoded === path) return paths;
      if (round === 3) return undefined; // encoded deeper than any real URL is
      path = decoded;
    }
  } catch {
    return undefined;
  }
}

/**
 * Whether `target` is an API operation's path (any method), under the upstream's base path,
 * the API's own `/v1`, or none. On the API's origins every operation counts. On other
 * hosts `/v1/files/{id}` does not: that is where Replicate's stream host serves streams.
 *
 * @example
 * isOperationPath(new URL("https://api.replicate.com/v1/account"), upstream) // true
 * isOperationPath(new URL("https://stream.replicate.com/v1/files/abc"), upstream) // false
 */
export function isOperationPath(target: URL, upstream: URL): boolean {
  const api = new URL(DEFAULT_BASE_URL);
  const onApi = target.origin === upstream.origin || target.origin === api.origin;
  const bases = new Set([upstream.pathname.replace(/\/+$/, "").toLowerCase(), api.pathname, ""]);
  const paths = spellings(target.pathname);
  if (!paths) return true; // undecodable: no telling what a server makes of it, so refuse
  return paths.some((path) =>
    [...bases].some((base) => {
      if (base && path.toLowerCase() !== base && !path.toLowerCase().startsWith(`${base}/`)) return false;
      const rest = path.slice(base.length) || "/";
      return OPERATIONS.some((op) => op.loose.test(rest) && (onApi || op.path !== streamShaped()));
    }),
  );
}
