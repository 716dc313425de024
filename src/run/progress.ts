/**
 * The progress bar models print. Many Replicate models log tqdm bars such as
 * ` 45%|████▌     | 45/100 [00:03<00:04, 12.3it/s]`; the last one in the logs is the
 * current progress.
 */

/** A parsed progress bar. */
export interface Progress {
  /** 0–100, as printed. */
  percent: number;
  current: number;
  total: number;
}

// One bar; never across a line break, as tqdm redraws with \r: the last match is the
// current state.
const BAR = /(\d{1,3})%\|[^|\n\r]*\|[^\S\n\r]*(\d+)\/(\d+)/g;

/**
 * The latest tqdm-style progress in `logs`, or null when there is none.
 *
 * @example
 * parseProgress("loading\n 45%|████▌     | 45/100 [00:03<00:04]") // { percent: 45, current: 45, total: 100 }
 */
export function parseProgress(logs: string | null | undefined): Progress | null {
  const m = logs ? [...logs.matchAll(BAR)].pop() : undefined;
  return m ? { percent: Number(m[1]), current: Number(m[2]), total: Number(m[3]) } : null;
}
