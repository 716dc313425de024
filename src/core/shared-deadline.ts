/**
 * Deadlines shared between calls: the transport's default per-call deadline, without a
 * per-call AbortSignal and timer.
 *
 * Why: in Node 20 making an AbortSignal costs about 6 µs, fetch's handling of one about
 * as much, and arming then clearing a timer per call as much again (the event loop
 * re-arms its own timer each time). A per-call signal and timer measured 7–8 % of a
 * loopback `predictions.get`; shared, 2–4 %, most of it fetch's handling, which no
 * deadline that aborts the request can avoid (`npm run bench:fake`). For a signal has to
 * be handed to fetch all the same: it is the only way to abort the HTTP request and free
 * its connection when the deadline passes, and racing fetch against a timer instead would
 * leave a hung request holding one. So calls ending in the same second share one signal
 * and one timer, a few calls each, and a signal is never reused once it fired.
 *
 * What it costs: a shared deadline ends up to a second late; a finished request's stale
 * listener on its signal (harmless: aborting a completed fetch does nothing) lives until
 * garbage collection; and the latest slot's timer stays armed while idle, unref'd where
 * the runtime can (Node, Bun) so it never keeps a process alive, cleared elsewhere.
 */
/** Shared deadlines end on whole multiples of this, so calls started close together share one. */
const BUCKET_MS = 1000;
/**
 * Deadlines from this long may be shared, and then end up to {@link BUCKET_MS} late: at
 * most 10 % late at 10 s, under 1 % on the client's default 120 s. Shorter ones are exact.
 */
const SHARED_FROM_MS = 10_000;
/**
 * Longer than one timer can hold (about 24.8 days): reached in steps, by `deadline` alone.
 * (2 ** 31 - 1 - BUCKET_MS, written out: arithmetic at a module's top level is kept in every bundle.)
 */
const SHARED_UNTIL_MS = 2_147_482_647;
/**
 * Calls per shared signal, at most. Every fetch handed a signal leaves a listener on it
 * until that request is garbage-collected, and Node walks those listeners on each new
 * one: many calls on one signal cost more than they save (8 to 16 measured best). And
 * calls queued on a limiter each listen to it before any fetch has raised its listener
 * cap: past 10, Node prints a MaxListenersExceededWarning.
 */
const SHARE = 8;

type Timer = ReturnType<typeof setTimeout> & { ref?(): unknown; unref?(): unknown };

/** A `Deadline` (signals.ts, which imports this file, so it is not imported back). */
interface Shared {
  readonly signal: AbortSignal;
  readonly expired: () => boolean;
  readonly dispose: () => void;
}

/** One shared signal and timer: what `join` hands each call, and whether more may join. */
interface Slot {
  fits(due: number): boolean;
  join(): Shared;
  /** No call may join it any more: its timer goes once no call is running. */
  retire(): void;
}

/** The slot the next call joins while it has room and its deadline falls in the same bucket. */
let open: Slot | undefined;

/**
 * Whether a deadline of `timeoutMs` may be shared.
 *
 * @example
 * if (mayShare(120_000)) d = sharedDeadline(120_000)
 */
export const mayShare = (timeoutMs: number): boolean => timeoutMs >= SHARED_FROM_MS && timeoutMs <= SHARED_UNTIL_MS;

/**
 * A deadline of at least `timeoutMs` whose signal and timer serve up to {@link SHARE}
 * calls ending in the same second.
 *
 * @example
 * const d = sharedDeadline(120_000)
 * try { await fetch(url, { signal: d.signal }) } finally { d.dispose() }
 */
export function sharedDeadline(timeoutMs: number): Shared {
  const due = Math.ceil((Date.now() + timeoutMs) / BUCKET_MS) * BUCKET_MS;
  if (!open?.fits(due)) {
    open?.retire();
    open = slot(due);
  }
  return open.join();
}

function slot(due: number): Slot {
  const controller = new AbortController();
  const { signal } = controller;
  // The setTimeout its timer comes from: a test's fake clock, once swapped out, never fires.
  const clock = setTimeout;
  let uses = 0;
  let active = 0;
  let timer: Timer | undefined;
  /**
   * No call running: the timer is cleared once no call can join any more; until then only
   * unref'd (a timer per call would cost more than the rest of the deadline), or cleared
   * where timers cannot be unref'd, to be armed again by the next call.
   */
  const idle = (retired: boolean) => {
    if (active > 0) return;
    if (!retired && timer?.unref) timer.unref();
    else {
      clearTimeout(timer);
      timer = undefined;
    }
  };
  const self: Slot = {
    fits: (next) => next === due && uses < SHARE && clock === setTimeout,
    retire: () => idle(true),
    join() {
      uses++;
      if (active++ === 0) {
        if (timer) timer.ref?.();
        else {
          timer = setTimeout(() => {
            if (open === self) open = undefined;
            timer = undefined;
            // The reason is never seen: the transport tells an expired deadline by `expired()`.
            controller.abort();
          }, due - Date.now()) as Timer;
        }
      }
      let held = true;
      return {
        signal,
        expired: () => signal.aborted,
        dispose() {
          if (held && --active === 0) idle(self !== open);
          held = false;
        },
      };
    },
  };
  return self;
}
