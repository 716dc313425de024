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

const BAR = /(\d{1,3})%\|[^|\n\r]*\|\s*(\d+)\/(\d+)/;

/**
 * The latest tqdm-style progress in `logs`, or null when there is none.
 *
 * @example
 * parseProgress("loading\n 45%|████▌     | 45/100 [00:03<00:04]") // { percent: 45, current: 45, total: 100 }
 */
export function parseProgress(logs: string | null | undefined): Progress | null {
  if (!logs) return null;
  // tqdm redraws with \r, so a "line" may hold several states: take the last one.
  const lines = logs.split(/\r\n|\r|\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = BAR.exec(lines[i] as string);
    if (m) return { percent: Number(m[1]), current: Number(m[2]), total: Number(m[3]) };
  }
  return null;
}
