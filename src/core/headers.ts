/**
 * Headers: which the transport adds where, and checks of what the caller puts in them
 * (the token, the client's `headers`, a call's `headers`, header params), so a value that
 * would break or split a request is an `InputError` before anything is sent. `Headers`
 * alone does not do it: it silently strips a CR or LF at either end of a value, and its
 * TypeError for one inside quotes the value, which may be a secret. No message here ever
 * quotes a value.
 */
import { mustBe } from "./checks.js";
import { API_HOST } from "./domain.js";
import { InputError } from "./errors.js";

/** Headers as a record (lower-case names), or as pairs (a `Headers` is pairs too). */
export type HeaderSource = Readonly<Record<string, string>> | Iterable<readonly [string, string]>;

/** What {@link headerCompleter} needs of the transport's config. */
interface HeaderConfig {
  readonly baseUrl: string;
  readonly auth?: string | undefined;
  readonly userAgent?: string | undefined;
  readonly headers: HeaderSource;
}

/**
 * A client's header completion, done in place on a request's first hop: User-Agent to
 * every origin; the client's extra headers and the token only to the API's origin (the
 * token also to an `authorize`d one; for an `output`, a model's URL, only to the API's
 * files), never elsewhere. Later hops are `redirects.ts`'s.
 *
 * @example
 * const headersFor = headerCompleter(config)
 * headersFor("https://api.replicate.com/v1/account", {}, false) // { authorization, ... }
 */
export function headerCompleter(config: HeaderConfig) {
  const { origin, hostname } = new URL(config.baseUrl);
  const { auth, userAgent, headers: source } = config;
  // A URL string that starts with "scheme://host[:port]/" has exactly that origin, so the
  // common case (the library's own URLs under baseUrl) needs no URL parsing per call.
  const apiPrefix = `${origin}/`;
  const bearer = `Bearer ${auth}`;
  const extra = Symbol.iterator in source ? Array.from(source) : Object.entries(source);
  const files = `${config.baseUrl}/files/`;
  return (url: string, headers: Record<string, string>, authorize: boolean, output?: boolean) => {
    if (userAgent && headers["user-agent"] === undefined) headers["user-agent"] = userAgent;
    // An output URL is judged as fetch will send it: `files/../` or a capital in the host
    // written by a model is resolved first. (One under the API's files is on its origin.)
    if (output ? !new URL(url).href.startsWith(files) : !url.startsWith(apiPrefix) && new URL(url).origin !== origin) {
      delete headers.authorization;
      if (authorize && auth) headers.authorization = bearer;
      return headers;
    }
    for (const [name, value] of extra) if (!Object.hasOwn(headers, name)) headers[name] = value;
    if (auth) headers.authorization = bearer;
    // Only Replicate's own host needs one: a proxy may add it itself.
    else if (hostname === API_HOST) {
      throw new InputError(
        "No API token: set the REPLICATE_API_TOKEN environment variable or pass createReplicate({ auth }).",
      );
    }
    return headers;
  };
}

/**
 * CR, LF and NUL are never valid in a header value (RFC 9110 §5.5), and `Headers` takes
 * only Latin-1 (a ByteString): anything else fails inside fetch, where it would look like
 * a connection error (of a create, one that may have been sent).
 */
const FORBIDDEN = /[\r\n\0]|[^\0-\xff]/;

/**
 * Refuse a header value with CR, LF, NUL or a character past Latin-1, naming the header
 * but not the value.
 *
 * @example
 * checkHeaderValue("predictions.create", "prefer", "wait=5")
 */
export function checkHeaderValue(where: string, name: string, value: string): void {
  if (FORBIDDEN.test(value)) {
    throw new InputError(
      `${where}: the value of header "${name}" has a line break, NUL or a character headers cannot carry.`,
    );
  }
}

/** A header name: an RFC 9110 token. */
const NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;

/**
 * Headers given by the caller (a record, a `Headers`, or `[name, value]` pairs, as
 * JavaScript callers may pass any of them) as a plain record: names lower-cased, values
 * trimmed of spaces and tabs, repeated names joined with ", ", every value checked. What
 * `new Headers()` would do, by hand: it is called when a client is made, and `Headers`
 * would load the runtime's whole fetch machinery there (about 16 ms in Node, cold).
 *
 * @example
 * headerRecord("headers", { "X-Team": "ml" }) // { "x-team": "ml" }
 */
export function headerRecord(where: string, init: unknown): Record<string, string> {
  if (typeof init !== "object" || init === null) {
    throw mustBe(where, "an object of header names to values", init);
  }
  const record: Record<string, string> = {};
  for (const pair of Symbol.iterator in init ? (init as Iterable<unknown>) : Object.entries(init)) {
    if (!Array.isArray(pair) || pair.length !== 2)
      throw new InputError(`${where}: each header must be a [name, value] pair.`);
    // Array.from, not map: a hole in a sparse pair is read as undefined, not skipped.
    const [name, value] = Array.from(pair, String) as [string, string];
    checkHeaderValue(where, name, value);
    if (!NAME.test(name)) throw new InputError(`${where}: a header name is not a valid token.`);
    const key = name.toLowerCase();
    const trimmed = value.replace(/^[\t ]+|[\t ]+$/g, "");
    record[key] = Object.hasOwn(record, key) ? `${record[key]}, ${trimmed}` : trimmed;
  }
  return record;
}

/** What a Bearer token can be made of: visible ASCII, no spaces (RFC 6750 §2.1 is stricter still). */
const TOKEN = /^[\x21-\x7e]+$/;

/**
 * The API token, checked: a string of visible ASCII characters, or undefined for none (an
 * empty string is none). `name` says where it came from (`auth`, or the environment
 * variable) in the error, which never shows the token itself.
 *
 * @example
 * const auth = checkToken("auth", options.auth)
 */
export function checkToken(name: string, value: unknown): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string") throw mustBe(name, "a string (the API token)", value);
  if (!TOKEN.test(value)) {
    throw new InputError(
      `${name} must be the API token alone, visible ASCII characters only: it has a space, line break or control character (the token is not shown here).`,
    );
  }
  return value;
}
