/**
 * Small pieces the fake's routes share: ids, JSON and problem answers, cursor pages.
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

/** An error as Replicate sends it: application/problem+json. */
export function problem(status: number, title: string, detail: string, extra: Record<string, unknown> = {}): Response {
  return new Response(JSON.stringify({ status, title, detail, ...extra }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });
}

export const notFound = (what: string) => problem(404, "Not found", `${what} not found`);

/** One cursor page of `items`, with absolute `next`/`previous` URLs as the API gives them. */
export function page<T>(items: readonly T[], url: URL, size: number): Response {
  const offset = Math.max(0, Number(url.searchParams.get("cursor") ?? 0) || 0);
  const link = (at: number) => {
    const next = new URL(url);
    next.searchParams.set("cursor", String(at));
    return next.href;
  };
  return json({
    next: offset + size < items.length ? link(offset + size) : null,
    previous: offset > 0 ? link(Math.max(0, offset - size)) : null,
    results: items.slice(offset, offset + size),
  });
}
