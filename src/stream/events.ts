/**
 * The events `stream` yields, and what it has delivered so far. Both the SSE path and
 * the polling path describe progress through the same {@link Delivered} record, so
 * switching from one to the other mid-stream neither repeats nor skips output.
 */
import { type Download, FileOutput } from "../run/file-output.js";

/** One event of a prediction's stream. */
export type StreamEvent =
  /** A piece of output: text, or a file for file-streaming models. */
  | { type: "output"; data: string | FileOutput; id: string }
  /** A piece of the logs. */
  | { type: "logs"; data: string; id: string }
  /** The model failed; the iteration rejects with a PredictionError right after this. */
  | { type: "error"; data: unknown; id: string }
  /** The end. A `reason` of `"canceled"` or `"error"` makes the iteration reject right after this. */
  | { type: "done"; data: { reason?: string; [key: string]: unknown }; id: string };

/** What the consumer has been given so far. */
export interface Delivered {
  /** Event ids already yielded: a resumed connection that replays one is not repeated. */
  ids: Set<string>;
  /** How many output pieces were yielded. */
  outputs: number;
  /** The text of the output pieces, concatenated. */
  text: string;
  /** How much of `prediction.logs` was yielded while polling. */
  logs: number;
}

export const emptyDelivered = (): Delivered => ({ ids: new Set(), outputs: 0, text: "", logs: 0 });

const isFileUrl = (s: string) => s.startsWith("https:") || s.startsWith("data:");

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** An output piece as the consumer sees it: a URL becomes a lazy FileOutput. */
function outputEvent(piece: unknown, id: string, download: Download, seen: Delivered): StreamEvent {
  const text = typeof piece === "string" ? piece : JSON.stringify(piece);
  seen.outputs++;
  seen.text += text;
  return { type: "output", data: isFileUrl(text) ? new FileOutput(text, download) : text, id };
}

/** Map one SSE event to a StreamEvent; undefined for types Replicate does not define. */
export function fromSse(type: string, data: string, id: string, download: Download, seen: Delivered) {
  if (type === "output") return outputEvent(data, id, download, seen);
  if (type === "logs") return { type, data, id } satisfies StreamEvent;
  if (type === "error") return { type, data: parseJson(data), id } satisfies StreamEvent;
  if (type === "done") {
    const parsed = parseJson(data);
    const done = typeof parsed === "object" && parsed !== null ? (parsed as { reason?: string }) : {};
    return { type, data: done, id } satisfies StreamEvent;
  }
  return undefined;
}

/**
 * The output and logs a polled prediction has beyond what was already delivered. An
 * array output (a token iterator) counts items; a string output counts characters.
 */
export function increments(
  prediction: { output?: unknown; logs?: string | null | undefined },
  download: Download,
  seen: Delivered,
  withLogs: boolean,
): StreamEvent[] {
  const events: StreamEvent[] = [];
  const logs = prediction.logs ?? "";
  if (withLogs && logs.length > seen.logs) events.push({ type: "logs", data: logs.slice(seen.logs), id: "" });
  seen.logs = logs.length;
  const { output } = prediction;
  if (Array.isArray(output)) {
    for (const piece of output.slice(seen.outputs)) events.push(outputEvent(piece, "", download, seen));
  } else if (typeof output === "string") {
    if (output.startsWith(seen.text) && output.length > seen.text.length) {
      events.push(outputEvent(output.slice(seen.text.length), "", download, seen));
    }
  } else if (output !== null && output !== undefined && seen.outputs === 0) {
    events.push(outputEvent(output, "", download, seen));
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
