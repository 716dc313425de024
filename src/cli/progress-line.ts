/**
 * A job's progress on standard error. On a terminal: one line redrawn in place (`\r` and
 * clear-line), with the status, a bar from the model's tqdm logs once one appears, and
 * the elapsed time, ticking between polls. Off a terminal, with NO_COLOR or `--quiet`:
 * a plain line each time the status changes, no control codes. `--logs`: the logs, as
 * they grow, instead of either.
 */
import type { Progress } from "../run/progress.js";
import type { CliIO } from "./cli-io.js";
import { CLEAR } from "./terminal-text.js";

/** What is shown of a job: `status` and `logs` are what every prediction and training has. */
interface Snapshot {
  id: string;
  status: string;
  logs?: string | null | undefined;
}

/** How the progress is shown. */
export interface ProgressMode {
  quiet?: boolean | undefined;
  logs?: boolean | undefined;
}

/** A progress display: feed it snapshots, end it once. */
export interface ProgressLine {
  update(job: Snapshot, progress: Progress | null): void;
  /** Clears the live line (leaving a final plain line) and stops the clock. */
  end(): void;
}

const WIDTH = 24;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/**
 * `[██████░░░░] 60% 3/5`, the text of a bar.
 *
 * @example
 * bar({ percent: 60, current: 3, total: 5 }) // "[##############..........] 60% 3/5"
 */
export function bar(p: Progress, fancy = true): string {
  const filled = Math.round((Math.min(100, p.percent) / 100) * WIDTH);
  const [on, off] = fancy ? ["█", "░"] : ["#", "."];
  return `[${on.repeat(filled)}${off.repeat(WIDTH - filled)}] ${p.percent}% ${p.current}/${p.total}`;
}

/**
 * A progress display for `io`, in the mode the terminal and the options call for.
 *
 * @example
 * const line = progressLine(io, { quiet: values.quiet })
 * await run(replicate, ref, { input, onProgress: (p, progress) => line.update(p, progress) })
 * line.end()
 */
export function progressLine(io: CliIO, mode: ProgressMode): ProgressLine {
  const started = Date.now();
  const live = Boolean(io.isTTY) && !mode.quiet && !mode.logs && !io.env.NO_COLOR;
  let last: { job: Snapshot; progress: Progress | null } | undefined;
  let shownStatus = "";
  let shownLogs = 0;
  const draw = () => {
    if (!last) return;
    const { job, progress } = last;
    const parts = [`${job.id}  ${job.status.padEnd(10)}`, progress ? bar(progress) : "", seconds(Date.now() - started)];
    io.err(`${CLEAR}${parts.filter(Boolean).join("  ")}`);
  };
  // Between polls the clock still moves: redraw a few times a second. unref: never keeps the process up.
  const timer = live ? setInterval(draw, 200) : undefined;
  timer?.unref?.();
  return {
    update(job, progress) {
      last = { job, progress };
      if (mode.logs) {
        const logs = job.logs ?? "";
        if (logs.length > shownLogs) io.err(logs.slice(shownLogs));
        shownLogs = logs.length;
      } else if (live) draw();
      else if (job.status !== shownStatus) {
        io.err(`${job.id} ${job.status} (${seconds(Date.now() - started)})\n`);
      }
      shownStatus = job.status;
    },
    end() {
      if (timer) clearInterval(timer);
      if (live && last) {
        io.err(`${CLEAR}${last.job.id}  ${last.job.status} in ${seconds(Date.now() - started)}\n`);
      } else if (mode.logs && shownLogs > 0 && !(last?.job.logs ?? "").endsWith("\n")) io.err("\n");
    },
  };
}
