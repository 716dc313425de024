/**
 * Small pieces the fake's routes share: ids, JSON and problem answers. (Cursor pages are
 * in `pages.ts`.)
 * Web standards only, so the fake's handler runs in any runtime.
 */

const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

/** A Replicate-style id: 26 lowercase base32 characters. */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(26));
  return Array.from(bytes, (b) => ALPHABET[b % 32]).join("");
}

/** A 64-hex version id. */
export function newVersionId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export const now = () => new Date().toISOString();

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** The body of an error as Replicate sends it; {@link problem} wraps it in a Response. */
export function problemBody(
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({ status, title, detail, ...extra });
}

/** An error as Replicate sends it: application/problem+json. */
export function problem(
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return new Response(problemBody(status, title, detail, extra), {
    status,
    headers: { "content-type": "application/problem+json", ...headers },
  });
}

/**
 * A request the fake refuses, thrown from wherever that is found (a body that cannot be
 * read is found deep in a route); the handler answers it with {@link answerFor}.
 *
 * @example
 * throw new Refusal(400, "Bad request", "The body is not valid JSON")
 */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
  ) {
    super(detail);
    this.name = "Refusal";
  }
}

/**
 * What a thrown value is answered with: a {@link Refusal}'s own problem; anything else
 * is the fake's own failure, a 500 that names it so a test shows what went wrong.
 *
 * @example
 * try { return await route(ctx) } catch (error) { return answerFor(error) }
 */
export function answerFor(error: unknown): Response {
  if (error instanceof Refusal) return problem(error.status, error.title, error.message);
  return problem(500, "Internal server error", `fake: ${describeError(error)}`);
}

/**
 * A thrown value as text, for a prediction's `error` or a 500's detail. Never throws,
 * whatever was thrown: `String(Object.create(null))` does.
 *
 * @example
 * describeError(new Error("out of memory")) // "out of memory"
 */
export function describeError(error: unknown): string {
  try {
    return error instanceof Error ? String(error.message) : String(error);
  } catch {
    return "an error that cannot be printed";
  }
}

export const notFound = (what: string) => problem(404, "Not found", `${what} not found`);
