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
 * leave a hung request holding one. So calls ending in the same second share one signal,
 * a few calls each, all signals share one timer, and a signal is never reused once due.
 *
 * What it costs: a shared deadline ends up to a second late; a finished request's stale
 * listener on its signal (harmless: aborting a completed fetch does nothing) lives until
 * garbage collection; and the timer stays armed while idle, unref'd where the runtime can
 * (Node, Bun) so it never keeps a process alive, cleared elsewhere. Only in those: where
 * timers cannot be unref'd (workerd, Deno, browsers) every call gets a deadline of its own,
 * as a workerd timer dies with the request that armed it (see `solo`).
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

/** One shared signal: the calls that joined it, those still running, and when it fires. */
interface Slot {
  readonly due: number;
  readonly controller: AbortController;
  uses: number;
  active: number;
}

/** The slot the next call joins while it has room and its deadline falls in the same bucket. */
let open: Slot | undefined;
/** Slots the sweep may have to abort: from their making until due, or retired with no call running. */
const pending = /* @__PURE__ */ new Set<Slot>();
/** Calls running on shared signals: the timer holds the process only while there are some. */
let running = 0;
/**
 * One timer for all the slots, armed for the earliest due of a slot with calls running
 * (`at`), and left armed when they end: slots are made every few calls, and a timer per
 * slot (armed, then cleared) measured 1–2 % of a loopback call. `clock` and `clear` armed
 * it: a test's fake clock, once swapped out, never fires, so a call re-arms it then.
 */
let timer: Timer | undefined;
let at = 0;
let clock: typeof setTimeout | undefined;
let clear: typeof clearTimeout | undefined;
/**
 * Set once a timer came back as a number (workerd, Deno, browsers), not an object with
 * `unref` (Node, Bun): from then on no deadline is shared. In workerd a timer belongs to the
 * request that armed it and is dropped when that request has answered, so a call of another
 * request sharing its signal would never time out. The first call keeps its slot, alone.
 */
let solo = false;

/**
 * Whether a deadline of `timeoutMs` may be shared.
 *
 * @example
 * if (mayShare(120_000)) d = sharedDeadline(120_000)
 */
export const mayShare = (timeoutMs: number): boolean =>
  !solo && timeoutMs >= SHARED_FROM_MS && timeoutMs <= SHARED_UNTIL_MS;

/**
 * A deadline of at least `timeoutMs` whose signal serves up to {@link SHARE} calls ending
 * in the same second.
 *
 * @example
 * const d = sharedDeadline(120_000)
 * try { await fetch(url, { signal: d.signal }) } finally { d.dispose() }
 */
export function sharedDeadline(timeoutMs: number): Shared {
  const due = Math.ceil((Date.now() + timeoutMs) / BUCKET_MS) * BUCKET_MS;
  if (open?.due !== due || open.uses >= SHARE) {
    if (open?.active === 0) pending.delete(open); // retired, with nothing left to abort
    open = { due, controller: new AbortController(), uses: 0, active: 0 };
    pending.add(open);
  }
  const slot = open;
  slot.uses++;
  slot.active++;
  if (!timer || clock !== setTimeout || due < at) arm(due);
  else if (running === 0) timer.ref?.();
  running++;
  const { signal } = slot.controller;
  let held = true;
  return {
    signal,
    // The reason is never seen: the transport tells an expired deadline by `expired()`.
    expired: () => signal.aborted,
    dispose() {
      if (!held) return;
      held = false;
      // Retired (no call joins it any more) and no call running: nothing left to abort.
      if (!--slot.active && slot !== open) pending.delete(slot);
      // Idle: the timer stays, unref'd so it never keeps a process alive, where the runtime
      // can (Node and Bun, whose unref() returns the timer); elsewhere it is cleared, to be
      // armed again by the next call.
      if (--running === 0 && !timer?.unref?.()) arm();
    },
  };
}

/** Clear the timer, and arm it again for `due` if given. */
function arm(due?: number): void {
  if (timer) clear?.(timer);
  timer = undefined;
  if (due === undefined) return;
  clock = setTimeout;
  clear = clearTimeout;
  at = due;
  // Always ahead: a new deadline is at least 10 s out, and the sweep's next is after `now`.
  timer = setTimeout(sweep, due - Date.now()) as Timer;
  solo ||= typeof timer.unref !== "function"; // the same test as the idle one above
}

/** Abort the slots that are due with calls running; arm again for the next such slot. */
function sweep(): void {
  // Its timer says `at` has come, whatever Date.now() says (a test may fake timers alone).
  const now = Math.max(Date.now(), at);
  let next: number | undefined;
  for (const slot of pending) {
    if (slot.due <= now) {
      pending.delete(slot);
      if (open === slot) open = undefined; // a signal is never reused once due
      if (slot.active) slot.controller.abort();
    } else if (slot.active && (next === undefined || slot.due < next)) next = slot.due;
  }
  arm(next);
}
