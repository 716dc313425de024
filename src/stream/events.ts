/**
 * The events `stream` yields, and how much it has delivered so far. Both the SSE path and
 * the polling path count progress in the same {@link Delivered} record, so switching from
 * one to the other mid-stream neither repeats nor skips output. The record holds counts
 * only: its size does not grow with the stream.
 */
import { type Download, FileOutput } from "../run/file-output.js";
import { isFileUrl } from "../run/output.js";
import type { SseEvent } from "./sse.js";

/**
 * One event of a prediction's stream. `Output` is an output piece's type: text or a file,
 * or what the model registry says for a typed model.
 */
export type StreamEvent<Output = string | FileOutput> =
  /** A piece of output: text, or a file for file-streaming models. */
  | { type: "output"; data: Output; id: string }
  /** A piece of the logs. */
  | { type: "logs"; data: string; id: string }
  /** The model failed; the iteration rejects with a PredictionError right after this. */
  | { type: "error"; data: unknown; id: string }
  /** The end. A `reason` of `"canceled"` or `"error"` makes the iteration reject right after this. */
  | { type: "done"; data: { reason?: string; [key: string]: unknown }; id: string };

/** How much the consumer has been given so far: where polling picks up. */
export interface Delivered {
  /** Output pieces yielded: where an array output (a token iterator) resumes. */
  outputs: number;
  /** Characters of output text yielded: where a string output resumes. */
  chars: number;
  /** Characters of `prediction.logs` yielded while polling. */
  logs: number;
}

/**
 * Map one SSE event to a StreamEvent; undefined for types Replicate does not define. A
 * text `output` or a `logs` event already has the StreamEvent's shape, so the parser's
 * object is handed on as it is: one object per token, not two.
 *
 * @example
 * fromSse({ type: "output", data: "Hi", id: "1690212292:0" }, download, seen) // the same object
 */
export function fromSse(e: SseEvent, download: Download, seen: Delivered): StreamEvent | undefined {
  const { type, data, id } = e;
  if (type === "output") {
    // Counted as delivered now: the caller hands out every event it gets.
    seen.outputs++;
    seen.chars += data.length;
    return isFileUrl(data) ? { type, data: new FileOutput(data, download), id } : (e as StreamEvent);
  }
  if (type === "logs") return e as StreamEvent;
  if (type === "error" || type === "done") {
    let parsed: unknown = data;
    try {
      parsed = JSON.parse(data);
    } catch {
      // not JSON: the text as it is
    }
    // A `done` is always an object (its `reason` says how the stream ended); an `error` is what it says.
    return { type, data: type === "done" && Object(parsed) !== parsed ? {} : parsed, id } as StreamEvent;
  }
  return undefined;
}

/**
 * The output and logs a polled prediction has beyond what was already delivered: an
 * array output (a token iterator) from the count of pieces, a string output from the
 * count of characters, any other output once.
 *
 * @example
 * increments({ output: ["Hel", "lo"] }, download, { outputs: 1, chars: 3, logs: 0 }, false) // [output "lo"]
 */
export function increments(
  prediction: { output?: unknown; logs?: string | null | undefined },
  download: Download,
  seen: Delivered,
  withLogs: boolean,
): StreamEvent[] {
  const logs = prediction.logs ?? "";
  const events: StreamEvent[] =
    withLogs && logs.length > seen.logs ? [{ type: "logs", data: logs.slice(seen.logs), id: "" }] : [];
  seen.logs = logs.length;
  const all = prediction.output;
  const pieces = Array.isArray(all)
    ? all.slice(seen.outputs)
    : typeof all === "string"
      ? [all.slice(seen.chars)].filter(Boolean)
      : all == null || seen.outputs > 0
        ? []
        : [all];
  // Each piece as the stream would have had it.
  for (const piece of pieces) {
    const data = typeof piece === "string" ? piece : JSON.stringify(piece);
    events.push(fromSse({ type: "output", data, id: "" }, download, seen) as StreamEvent);
  }
  return events;
}

/**
 * Only the text of the output events.
 *
 * @example
 * for await (const token of outputText(stream(replicate, "meta/llama-3-8b", { input }))) process.stdout.write(token)
 */
export async function* outputText(events: AsyncIterable<StreamEvent>): AsyncGenerator<string> {
  for await (const event of events) if (event.type === "output") yield String(event.data);
}

/**
 * All the output text, once the stream has ended.
 *
 * @example
 * const answer = await collectText(stream(replicate, "meta/llama-3-8b", { input: { prompt: "Hi" } }))
 */
export async function collectText(events: AsyncIterable<StreamEvent>): Promise<string> {
  let text = "";
  for await (const piece of outputText(events)) text += piece;
  return text;
}
