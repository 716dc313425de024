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
 * Make a {@link PagePromise} from a first-page promise, the URL it was asked from, and a
 * way to load another page's URL. The first request is already under way; later pages
 * load only as iteration reaches them.
 *
 * A `next` is followed only to the same list: the same origin and path as `url`, another
 * query (the cursor). Anywhere else the token would go with it: to another host, or to
 * another of the API's endpoints (`/v1/webhooks/default/secret`), whose answer would then
 * be handed out as a page. And a page that is not one (`results` not a list) is refused
 * rather than iterated: a string's characters would come out as items.
 *
 * @example
 * pagePromise(fetchPage(url), url, fetchPage)
 */
export function pagePromise<P extends Page<Item>, Item>(
  first: Promise<P>,
  url: string,
  load: (url: string) => Promise<P>,
): PagePromise<P, Item> {
  async function* pages(): AsyncGenerator<P> {
    let page = await first;
    const list = new URL(url);
    const path = list.origin + list.pathname;
    // Resolved URLs, the first page's too: a loop is caught however its URLs are spelled.
    const seen = new Set([list.href]);
    for (;;) {
      if (!Array.isArray(page.results ?? [])) throw new ReplicateError(`Not a page: ${path}`);
      yield page;
      if (!page.next) return;
      const { href, origin, pathname } = new URL(page.next, list);
      if (origin + pathname !== path) {
        throw new ReplicateError(`Refusing to follow a next-page URL outside ${path}: ${origin}${pathname}`);
      }
      // A server that keeps answering with the same cursor would otherwise loop forever.
      if (seen.has(href)) throw new ReplicateError(`Pagination loop: ${href} was already loaded`);
      seen.add(href);
      page = await load(href);
    }
  }
  async function* items(): AsyncGenerator<Item> {
    for await (const page of pages()) yield* page.results ?? [];
  }
  return Object.assign(first, { pages, [Symbol.asyncIterator]: items });
}
