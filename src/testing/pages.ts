/**
 * The fake's cursor pages. Replicate's cursors are positions, not offsets: the schema's
 * example `cursor=cD0yMDIzLTA2LTA2KzIz…` is base64 of `p=2023-06-06 23:40:08…`, the
 * created_at of the page's last item. A page after it starts after that item wherever it
 * now stands, so items created or deleted while a client pages through a list neither
 * repeat nor get skipped (the usual "delete what a page lists, follow next" loop relies on
 * it). Here a position is the order items were created in, which no two items share.
 */
import { json, Refusal } from "./http.js";

/** Each item's position, given when it is created (see {@link stamp}). */
const positions = new WeakMap<object, number>();
let last = 0;

/**
 * Give `item` its position in the order of creation; the lists' cursors point at it. An
 * item never stamped (put into `fake.state` by hand) gets one when it is first listed.
 *
 * @example
 * const job = stamp(createJob(...))
 */
export function stamp<T extends object>(item: T): T {
  if (!positions.has(item)) positions.set(item, ++last);
  return item;
}

/**
 * The position of `item` (see {@link stamp}): larger is newer.
 *
 * @example
 * page(models, ctx.url, 10, { key: (m) => positionOf(m.versions.at(-1) ?? m) })
 */
export const positionOf = (item: object): number => positions.get(stamp(item)) as number;

/** How a list orders and shows its items. */
export interface Listing<T> {
  /** Each item's place in the list: unique, what a cursor holds. @default its position of creation */
  key?: (item: T) => number;
  /** Largest key first: newest first, as the API lists predictions, files, versions, deployments. */
  descending?: boolean;
  /** An item as the page shows it. @default the item itself */
  show?: (item: T) => unknown;
}

/** The cursor of a page after (or, `reverse`, before) `key`: base64 of `p=…`, as Replicate's. */
const cursorOf = (key: number, reverse: boolean) => btoa(`${reverse ? "r=1&" : ""}p=${key}`);

function readCursor(cursor: string): { key: number; reverse: boolean } {
  let fields: URLSearchParams | undefined;
  try {
    fields = new URLSearchParams(atob(cursor));
  } catch {
    // not base64: handled below, as any cursor the fake did not give
  }
  const position = fields?.get("p");
  if (!fields || !position || !/^\d{1,15}$/.test(position)) throw new Refusal(404, "Not found", "Invalid cursor");
  return { key: Number(position), reverse: fields.get("r") === "1" };
}

/**
 * One cursor page of `items`, with absolute `next`/`previous` URLs as the API gives them.
 * An unknown cursor is a 404 "Invalid cursor", as Django REST framework's cursor pages
 * (whose `p=` format Replicate's cursors share) answer.
 *
 * @example
 * page(jobs, ctx.url, 10, { descending: true, show: (job) => job.record })
 */
export function page<T extends object>(items: Iterable<T>, url: URL, size: number, listing: Listing<T> = {}): Response {
  const keyOf = listing.key ?? positionOf;
  const sign = listing.descending ? -1 : 1;
  const sorted = [...items].map((item) => ({ item, key: keyOf(item) })).sort((a, b) => sign * (a.key - b.key));
  /** Whether key `a` comes before key `b` in the list. */
  const before = (a: number, b: number) => sign * (a - b) < 0;
  const given = url.searchParams.get("cursor");
  const cursor = given === null ? undefined : readCursor(given);
  let results = sorted.slice(0, size);
  if (cursor && !cursor.reverse) results = sorted.filter((e) => before(cursor.key, e.key)).slice(0, size);
  if (cursor?.reverse) results = sorted.filter((e) => before(e.key, cursor.key)).slice(-size);
  // The bounds of this page; an empty page is bounded by its cursor.
  const first = results[0]?.key ?? (cursor && !cursor.reverse ? cursor.key : undefined);
  const end = results.at(-1)?.key ?? (cursor?.reverse ? cursor.key : undefined);
  const link = (key: number, reverse: boolean) => {
    const next = new URL(url);
    next.searchParams.set("cursor", cursorOf(key, reverse));
    return next.href;
  };
  return json({
    next: end !== undefined && sorted.some((e) => before(end, e.key)) ? link(end, false) : null,
    previous: first !== undefined && sorted.some((e) => before(e.key, first)) ? link(first, true) : null,
    results: results.map((e) => (listing.show ? listing.show(e.item) : e.item)),
  });
}
