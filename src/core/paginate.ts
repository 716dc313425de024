/**
 * Cursor pagination. A list method returns a {@link PagePromise}: await it for the first
 * page, or `for await` over it for every item on every page.
 */
import { ReplicateError } from "./errors.js";

/** A cursor page as Replicate returns it. */
export interface Page<Item> {
  next?: string | null;
  previous?: string | null;
  results?: Item[];
}

/**
 * The first page, as a promise, that can also be iterated item by item (`for await`)
 * or page by page (`.pages()`), following `next` until it runs out.
 *
 * @example
 * const first = await replicate.predictions.list()        // one page
 * for await (const p of replicate.predictions.list()) {}  // every prediction
 * for await (const page of replicate.predictions.list().pages()) {}
 */
export interface PagePromise<P, Item> extends Promise<P>, AsyncIterable<Item> {
  /** Every page, starting with the first. */
  pages(): AsyncIterableIterator<P>;
}

/**
 * Only follow a `next` URL under the client's own base URL: following one to another
 * host would send it the token. `baseUrl` is normalised and has no trailing slash, and
 * `href` is normalised too (`..` resolved), so a prefix test is exact.
 */
export function checkNextUrl(next: string, baseUrl: string): string {
  const { href, origin } = new URL(next, baseUrl);
  if (!href.startsWith(`${baseUrl}/`)) {
    throw new ReplicateError(`Refusing to follow a next-page URL outside ${baseUrl}: ${origin}`);
  }
  return href;
}

/**
 * Make a {@link PagePromise} from a first-page promise and a way to load a `next` URL.
 * The first request is already under way; later pages load only as iteration reaches them.
 */
export function pagePromise<P extends Page<Item>, Item>(
  first: Promise<P>,
  loadNext: (next: string) => Promise<P>,
): PagePromise<P, Item> {
  async function* pages(): AsyncGenerator<P> {
    let page = await first;
    const seen = new Set<string>();
    for (;;) {
      yield page;
      if (!page.next) return;
      // A server that keeps answering with the same cursor would otherwise loop forever.
      if (seen.has(page.next)) throw new ReplicateError(`Pagination loop: ${page.next} was already loaded`);
      seen.add(page.next);
      page = await loadNext(page.next);
    }
  }
  async function* items(): AsyncGenerator<Item> {
    for await (const page of pages()) yield* page.results ?? [];
  }
  return Object.assign(first, { pages, [Symbol.asyncIterator]: items });
}
