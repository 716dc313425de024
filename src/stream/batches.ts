/**
 * Handing out events one at a time from a source that makes them a batch at a time (one
 * batch per 4 KB of the stream). An async generator's `yield` costs several promise turns
 * per value, which measured as a third of the cost of a token stream; an event already in
 * hand here costs one resolved promise. Everything else (reading, reconnecting, polling,
 * errors, cleanup) stays in the source generator, which is resumed once per batch.
 */

/**
 * Serve `source`'s batches as single values, with the semantics of an async generator:
 * calls are answered in order, `return` and `throw` go to the source (so its `finally`
 * runs at once), and after `stop()` turns true no value left in a batch is handed out:
 * the source is resumed instead, to say why it stopped. `extra` members are added as they are.
 *
 * @example
 * async function* batches() { yield [1, 2]; yield [3] }
 * for await (const n of unbatch(batches(), () => signal.aborted)) console.log(n) // 1, 2, 3
 */
export function unbatch<T>(
  source: AsyncGenerator<T[], void>,
  stop: () => boolean,
  extra?: object,
): AsyncGenerator<T, void> {
  let batch: T[] = [];
  let at = 0;
  let busy = 0; // calls that had to go to the source and have not settled
  let tail: Promise<unknown> = Promise.resolve();

  /** Run `op` after every earlier call that went to the source (settled either way), as a generator queues its calls. */
  const queued = (op: () => Promise<IteratorResult<T[] | T, void>>) => {
    busy++;
    tail = tail.then(op, op).finally(() => busy--);
    return tail as Promise<IteratorResult<T, void>>;
  };

  const take = (): IteratorResult<T, void> => ({ done: false, value: batch[at++] as T });

  async function pull(): Promise<IteratorResult<T, void>> {
    for (;;) {
      if (at < batch.length && !stop()) return take();
      batch = []; // the source may refill the array it yielded: nothing of it is ours now
      const next = await source.next();
      if (next.done) return next;
      batch = next.value;
      at = 0;
    }
  }

  /** `return` or `throw`: what is left of the batch is dropped. (The source never yields after either.) */
  const end = (result: Promise<IteratorResult<T[], void>>) => {
    batch = [];
    return result;
  };

  // On %AsyncIteratorPrototype%, like a generator: `Symbol.asyncIterator`, and
  // `Symbol.asyncDispose` (so `await using` works) where the runtime has it.
  const proto = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}.prototype));
  return Object.setPrototypeOf(
    {
      ...extra,
      // The common case: a value in hand, nothing queued before it.
      next: () => (busy === 0 && at < batch.length && !stop() ? Promise.resolve(take()) : queued(pull)),
      return: (value: undefined) => queued(() => end(source.return(value))),
      throw: (error: unknown) => queued(() => end(source.throw(error))),
    },
    proto,
  );
}
