// createSseParser: the WHATWG HTML standard's event stream interpretation ("Parsing an event
// stream" and "Interpreting an event stream"), fed in chunks that may split anywhere.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createSseParser, ReplicateError, type SseEvent, type SseParserOptions } from "../src/index.js";

/** Every callback the parser made, in order. */
type Call = ["event", SseEvent] | ["retry", number] | ["comment", string];

interface Recorded {
  log: Call[];
  events: SseEvent[];
  retries: number[];
  comments: string[];
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const bytes = (...parts: Array<number[] | string>): Uint8Array =>
  Uint8Array.from(parts.flatMap((part) => (typeof part === "string" ? [...utf8(part)] : part)));
const BOM = [0xef, 0xbb, 0xbf];

function recorder(options: Omit<SseParserOptions, "onEvent" | "onRetry" | "onComment"> = {}) {
  const log: Call[] = [];
  const parser = createSseParser({
    ...options,
    onEvent: (event) => log.push(["event", event]),
    onRetry: (ms) => log.push(["retry", ms]),
    onComment: (text) => log.push(["comment", text]),
  });
  const recorded = (): Recorded => ({
    log,
    events: log.flatMap((call) => (call[0] === "event" ? [call[1]] : [])),
    retries: log.flatMap((call) => (call[0] === "retry" ? [call[1]] : [])),
    comments: log.flatMap((call) => (call[0] === "comment" ? [call[1]] : [])),
  });
  return { parser, recorded };
}

/** Feed the chunks to a fresh parser and return what it reported. */
function parse(...chunks: Array<string | Uint8Array>): Recorded {
  const { parser, recorded } = recorder();
  for (const chunk of chunks) parser.feed(chunk);
  return recorded();
}

const events = (...chunks: Array<string | Uint8Array>): SseEvent[] => parse(...chunks).events;
const message = (data: string, id = ""): SseEvent => ({ type: "message", data, id });

describe("line endings", () => {
  test("LF", () => {
    expect(events("data: a\n\ndata: b\n\n")).toEqual([message("a"), message("b")]);
  });

  test("CR", () => {
    expect(events("data: a\r\rdata: b\r\r")).toEqual([message("a"), message("b")]);
  });

  test("CRLF", () => {
    expect(events("data: a\r\n\r\ndata: b\r\n\r\n")).toEqual([message("a"), message("b")]);
  });

  test("LF, CR and CRLF mixed in one stream", () => {
    expect(events("data: a\r\ndata: b\rdata: c\n\r\nevent: x\rdata: d\n\r")).toEqual([
      message("a\nb\nc"),
      { type: "x", data: "d", id: "" },
    ]);
  });

  test("LF then CR is two line ends", () => {
    expect(events("data: a\n\rdata: b\n\r")).toEqual([message("a"), message("b")]);
  });

  test("CR CR is two line ends: a line and an empty line", () => {
    expect(events("data: a\r\r")).toEqual([message("a")]);
    expect(events("data: a\r", "\r")).toEqual([message("a")]);
  });

  test("CRLF split across two chunks is one line end, not an empty line", () => {
    // A spurious empty line would dispatch "a" alone.
    expect(events("data: a\r", "\ndata: b\r\n\r\n")).toEqual([message("a\nb")]);
    expect(events("data: a\r", "\n", "\r", "\n")).toEqual([message("a")]);
    expect(events(utf8("data: a\r"), utf8("\ndata: b\r"), utf8("\n\r"), utf8("\n"))).toEqual([message("a\nb")]);
  });

  test("CRLF split across two chunks loses no data after the LF", () => {
    expect(events("data: a\r", "\ndata: b\n\n")).toEqual([message("a\nb")]);
    expect(events("event: x\r", "\ndata: y\r", "\nid: 1\r", "\n\r", "\n")).toEqual([{ type: "x", data: "y", id: "1" }]);
  });

  test("a lone CR at the end of a chunk followed by a non-LF character ends the line", () => {
    expect(events("data: a\r", "data: b\r\r")).toEqual([message("a\nb")]);
    expect(events("data: a\r", "\r")).toEqual([message("a")]);
    expect(events(utf8("data: a\r"), utf8("é: x\rdata: b\n\n"))).toEqual([message("a\nb")]);
  });

  // Network reads can be empty: one between the CR and the LF must not split the pair.
  test("an empty chunk between the CR and the LF of a CRLF does not split it", () => {
    expect(events("data: a\r", "", "\ndata: b\n\n")).toEqual([message("a\nb")]);
    expect(events(utf8("data: a\r"), new Uint8Array(0), utf8("\ndata: b\n\n"))).toEqual([message("a\nb")]);
  });

  test("a chunk that is only a partial UTF-8 character between CR and a non-LF keeps the line end", () => {
    expect(events(utf8("data: a\r"), bytes([0xc3]), bytes([0xa9], ": x\rdata: b\n\n"))).toEqual([message("a\nb")]);
  });
});

describe("byte order mark", () => {
  test("a leading U+FEFF in text is skipped", () => {
    expect(events("\uFEFFdata: a\n\n")).toEqual([message("a")]);
  });

  test("a leading U+FEFF in its own text chunk is skipped", () => {
    expect(events("\uFEFF", "data: a\n\n")).toEqual([message("a")]);
    expect(events("", "\uFEFFdata: a\n\n")).toEqual([message("a")]);
  });

  test("leading bytes EF BB BF are skipped", () => {
    expect(events(bytes(BOM, "data: a\n\n"))).toEqual([message("a")]);
  });

  test("leading bytes EF BB BF split across chunks are skipped", () => {
    expect(events(bytes([0xef]), bytes([0xbb]), bytes([0xbf], "data: a\n\n"))).toEqual([message("a")]);
    expect(events(bytes([0xef, 0xbb]), bytes([0xbf]), utf8("data: a\n\n"))).toEqual([message("a")]);
    expect(events(new Uint8Array(0), bytes([0xef]), bytes([0xbb, 0xbf, 0x64]), utf8("ata: a\n\n"))).toEqual([
      message("a"),
    ]);
  });

  test("only one BOM is skipped: a second one is part of the first field name", () => {
    // The field "\uFEFFdata" is unknown, so no event.
    expect(events("\uFEFF\uFEFFdata: a\n\ndata: b\n\n")).toEqual([message("b")]);
  });

  // Bytes and text must agree: a decoder that strips a BOM on its own would remove a second one.
  test("only one BOM is skipped when the stream is fed as bytes", () => {
    expect(events(bytes(BOM, BOM, "data: a\n\ndata: b\n\n"))).toEqual([message("b")]);
    expect(events(bytes(BOM), bytes(BOM, "data: a\n\ndata: b\n\n"))).toEqual([message("b")]);
  });

  test("a BOM later in the stream is not stripped", () => {
    expect(events("data: a\n\n\uFEFFdata: b\n\n")).toEqual([message("a")]);
    expect(events("data: a\n\n", "\uFEFFdata: b\n\n")).toEqual([message("a")]);
    expect(events(utf8("data: a\n\n"), bytes(BOM, "data: b\n\n"))).toEqual([message("a")]);
  });

  test("a BOM at the start of a data value after the first event is kept", () => {
    expect(events("data: a\n\ndata:\uFEFFb\n\n")).toEqual([message("a"), message("\uFEFFb")]);
    expect(events("data: a\n\n", "data: \uFEFFb\n\n")).toEqual([message("a"), message("\uFEFFb")]);
    expect(events(utf8("data: a\n\n"), bytes("data: ", BOM, "b\n\n"))).toEqual([message("a"), message("\uFEFFb")]);
  });

  test("a BOM at the start of the first data value is kept", () => {
    expect(events("data:\uFEFFa\n\n")).toEqual([message("\uFEFFa")]);
  });

  test("a BOM after reset() at a new stream start is skipped", () => {
    const { parser, recorded } = recorder();
    parser.feed("data: a\n\n");
    parser.reset();
    parser.feed("\uFEFFdata: b\n\n");
    parser.reset();
    parser.feed(bytes(BOM, "data: c\n\n"));
    parser.reset();
    parser.feed(bytes([0xef, 0xbb]));
    parser.feed(bytes([0xbf], "data: d\n\n"));
    expect(recorded().events).toEqual([message("a"), message("b"), message("c"), message("d")]);
  });
});

describe("comments", () => {
  test("a line starting with a colon is a comment: no event, reported to onComment", () => {
    const result = parse(": keep-alive\n\n:ping\n\n:\n\n");
    expect(result.events).toEqual([]);
    expect(result.comments).toEqual(["keep-alive", "ping", ""]);
  });

  test("a comment keeps the rest of the line, colons and extra spaces included", () => {
    expect(parse(":  two spaces: and a colon\n").comments).toEqual([" two spaces: and a colon"]);
  });

  test("comments inside an event do not interrupt it", () => {
    const result = parse("data: a\n: between\ndata: b\n\n");
    expect(result.events).toEqual([message("a\nb")]);
    expect(result.comments).toEqual(["between"]);
  });

  test("a comment split across chunks is reported once, whole", () => {
    expect(parse(": keep", "-al", "ive\r", "\n").comments).toEqual(["keep-alive"]);
  });

  test("comments are ignored without an onComment callback", () => {
    const seen: SseEvent[] = [];
    const parser = createSseParser({ onEvent: (event) => seen.push(event) });
    parser.feed(": hello\ndata: a\n\n");
    expect(seen).toEqual([message("a")]);
  });
});

describe("fields and values", () => {
  test("field:value", () => {
    expect(events("data:a\n\n")).toEqual([message("a")]);
  });

  test("field: value removes one leading space", () => {
    expect(events("data: a\n\n")).toEqual([message("a")]);
  });

  test("field:  value removes only one leading space", () => {
    expect(events("data:  a\n\n")).toEqual([message(" a")]);
    expect(events("event:  x\ndata: a\n\n")).toEqual([{ type: " x", data: "a", id: "" }]);
  });

  test("trailing spaces and tabs are kept; a leading tab is not removed", () => {
    expect(events("data: a \n\n")).toEqual([message("a ")]);
    expect(events("data:\ta\n\n")).toEqual([message("\ta")]);
  });

  test("a field with no colon has an empty value", () => {
    expect(events("data\n\n")).toEqual([message("")]);
    expect(events("event\ndata: a\n\n")).toEqual([message("a")]);
  });

  test("a value may contain colons: only the first colon separates", () => {
    expect(events("data: a: b:c\n\n")).toEqual([message("a: b:c")]);
    expect(events('data: {"url":"https://example.com:8080/x"}\n\n')).toEqual([
      message('{"url":"https://example.com:8080/x"}'),
    ]);
  });

  test("a field name split across chunks", () => {
    expect(events("da", "ta: a\n", "\n")).toEqual([message("a")]);
    expect(events("d", "a", "t", "a", ":", " ", "a", "\n", "\n")).toEqual([message("a")]);
  });

  test("unknown fields are ignored", () => {
    expect(events("foo: bar\ndata: a\nbaz\n\n")).toEqual([message("a")]);
    expect(events("foo: bar\n\n")).toEqual([]);
  });

  test("field names are case-sensitive", () => {
    expect(events("Data: a\n\n")).toEqual([]);
    expect(events("DATA: a\n\n")).toEqual([]);
    expect(events("Event: x\ndata: a\n\n")).toEqual([message("a")]);
    expect(events("ID: 1\ndata: a\n\n")).toEqual([message("a")]);
    expect(parse("Retry: 1000\n").retries).toEqual([]);
  });

  test("a space before the colon is part of the field name", () => {
    expect(events("data : a\n\n")).toEqual([]);
    expect(events(" data: a\n\n")).toEqual([]);
  });
});

describe("data and dispatch", () => {
  test("multi-line data is joined with \\n", () => {
    expect(events("data: a\ndata: b\ndata: c\n\n")).toEqual([message("a\nb\nc")]);
  });

  test("empty data lines keep their place in the joined data", () => {
    expect(events("data\ndata: a\ndata:\ndata\n\n")).toEqual([message("\na\n\n")]);
  });

  test("data with no colon dispatches an event with empty data", () => {
    expect(events("data\n\n")).toEqual([message("")]);
    expect(events("data:\n\n")).toEqual([message("")]);
  });

  test("an event with only event: and id: and no data does not dispatch", () => {
    expect(events("event: x\nid: 1\n\n")).toEqual([]);
  });

  test("the event type of an event that did not dispatch does not carry over", () => {
    expect(events("event: x\n\ndata: a\n\n")).toEqual([message("a")]);
  });

  test("the event type does not carry over from a dispatched event", () => {
    expect(events("event: x\ndata: a\n\ndata: b\n\n")).toEqual([{ type: "x", data: "a", id: "" }, message("b")]);
  });

  test("blank lines with no event in between dispatch nothing", () => {
    expect(events("\n\n\n\r\n\r\r")).toEqual([]);
    expect(events("data: a\n\n\n\n")).toEqual([message("a")]);
  });

  test("the trailing event without a final blank line is not dispatched", () => {
    expect(events("data: a\n\ndata: b")).toEqual([message("a")]);
    expect(events("data: a\n\ndata: b\n")).toEqual([message("a")]);
    expect(events("data: a\n\ndata: b\r")).toEqual([message("a")]);
  });

  test("an event dispatches as soon as its blank line arrives", () => {
    const { parser, recorded } = recorder();
    parser.feed("data: a\n");
    expect(recorded().events).toEqual([]);
    parser.feed("\n");
    expect(recorded().events).toEqual([message("a")]);
  });

  test("a NUL in data is kept", () => {
    expect(events("data: a\0b\n\n")).toEqual([message("a\0b")]);
  });
});

describe("event type", () => {
  test("event sets the type", () => {
    expect(events("event: output\ndata: a\n\n")).toEqual([{ type: "output", data: "a", id: "" }]);
  });

  test("the default type is message", () => {
    expect(events("data: a\n\n")).toEqual([message("a")]);
  });

  test("an empty event: gives the default type", () => {
    expect(events("event:\ndata: a\n\n")).toEqual([message("a")]);
    expect(events("event: x\nevent:\ndata: a\n\n")).toEqual([message("a")]);
  });

  test("the last event field of an event wins, before or after data", () => {
    expect(events("event: x\nevent: y\ndata: a\n\n")).toEqual([{ type: "y", data: "a", id: "" }]);
    expect(events("data: a\nevent: z\n\n")).toEqual([{ type: "z", data: "a", id: "" }]);
  });
});

describe("id", () => {
  test("the id is empty until one is given", () => {
    expect(events("data: a\n\n")).toEqual([message("a", "")]);
  });

  test("the id persists across later events", () => {
    expect(events("id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\ndata: d\n\n")).toEqual([
      message("a", "1"),
      message("b", "1"),
      message("c", "2"),
      message("d", "2"),
    ]);
  });

  test("an id in an event with no data still applies to later events", () => {
    expect(events("id: 7\n\ndata: a\n\n")).toEqual([message("a", "7")]);
  });

  test("an id containing NUL is ignored and the previous id kept", () => {
    expect(events("id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n")).toEqual([message("a", "1"), message("b", "1")]);
    expect(events("id: \0\ndata: a\n\n")).toEqual([message("a", "")]);
  });

  test("an empty id: resets the id to the empty string", () => {
    expect(events("id: 1\ndata: a\n\nid:\ndata: b\n\n")).toEqual([message("a", "1"), message("b", "")]);
    expect(events("id: 1\ndata: a\n\nid\ndata: b\n\n")).toEqual([message("a", "1"), message("b", "")]);
  });

  test("an id given after data in the same event applies to that event", () => {
    expect(events("id: 1\ndata: a\nid: 2\n\n")).toEqual([message("a", "2")]);
  });

  test("the id value keeps extra spaces and colons", () => {
    expect(events("id:  a:b \ndata: x\n\n")).toEqual([message("x", " a:b ")]);
  });
});

describe("retry", () => {
  test("digits only call onRetry with the number", () => {
    const result = parse("retry: 3000\nretry:0\nretry: 007\n");
    expect(result.retries).toEqual([3000, 0, 7]);
    expect(result.events).toEqual([]);
  });

  test("retry is reported when its line ends, without waiting for the event's end", () => {
    const { parser, recorded } = recorder();
    parser.feed("data: a\nretry: 1");
    expect(recorded().retries).toEqual([]);
    parser.feed("500\n");
    expect(recorded().retries).toEqual([1500]);
    expect(recorded().events).toEqual([]);
  });

  test("retry does not interrupt the event it is in", () => {
    expect(parse("data: a\nretry: 10\ndata: b\n\n").log).toEqual([
      ["retry", 10],
      ["event", message("a\nb")],
    ]);
  });

  test.each([["1.5"], ["-1"], ["+1"], ["abc"], ["10ms"], ["1e3"], ["0x10"], [" 5"], ["5 "], ["１２"], [""]])(
    "retry: %j is ignored",
    (value) => {
      expect(parse(`retry: ${value}\n`).retries).toEqual([]);
    },
  );

  test("retry: with no value and retry with no colon are ignored", () => {
    expect(parse("retry:\nretry\n").retries).toEqual([]);
  });

  test("retry is ignored without an onRetry callback", () => {
    const seen: SseEvent[] = [];
    const parser = createSseParser({ onEvent: (event) => seen.push(event) });
    parser.feed("retry: 100\ndata: a\n\n");
    expect(seen).toEqual([message("a")]);
  });
});

describe("multi-byte UTF-8", () => {
  test.each([
    ["é", 2],
    ["€", 3],
    ["😀", 4],
  ])("%s (%i bytes) split at every byte position decodes correctly", (char, size) => {
    const stream = utf8(`data: ${char}${char}\n\n`);
    const start = 6; // after "data: "
    expect(utf8(char).length).toBe(size);
    for (let cut = start; cut <= start + 2 * size; cut++) {
      expect(events(stream.slice(0, cut), stream.slice(cut)), `cut at ${cut}`).toEqual([message(char + char)]);
    }
    // Every byte in its own chunk.
    expect(events(...Array.from(stream, (byte) => Uint8Array.of(byte)))).toEqual([message(char + char)]);
    // Split at every pair of positions inside the first character.
    for (let a = start + 1; a < start + size; a++) {
      for (let b = a + 1; b < start + size; b++) {
        expect(events(stream.slice(0, a), stream.slice(a, b), stream.slice(b)), `cuts at ${a}, ${b}`).toEqual([
          message(char + char),
        ]);
      }
    }
  });

  test("a character split across chunks in a field name, an id and an event type", () => {
    const stream = utf8("event: ü€\nid: 😀\ndata: x\n\n");
    for (let cut = 1; cut < stream.length; cut++) {
      expect(events(stream.slice(0, cut), stream.slice(cut)), `cut at ${cut}`).toEqual([
        { type: "ü€", data: "x", id: "😀" },
      ]);
    }
  });

  test("invalid UTF-8 decodes to U+FFFD", () => {
    expect(events(bytes("data: a", [0xff], "b\n\n"))).toEqual([message("a\uFFFDb")]);
  });
});

describe("maxBufferSize", () => {
  test("a line that keeps growing without a line end throws a clear error from feed", () => {
    const parser = createSseParser({ onEvent: () => {}, maxBufferSize: 100 });
    parser.feed("data: ");
    for (let i = 0; i < 3; i++) parser.feed("x".repeat(30));
    expect(() => parser.feed("x".repeat(30))).toThrow(ReplicateError);
    expect(() => parser.feed("x")).toThrow(/SSE stream exceeded the 100-character buffer limit/);
  });

  test("the limit is inclusive: exactly maxBufferSize characters held is allowed", () => {
    const parser = createSseParser({ onEvent: () => {}, maxBufferSize: 10 });
    parser.feed("0123456789");
    expect(() => parser.feed("a")).toThrow(ReplicateError);
  });

  test("a single chunk past the limit without a line end throws", () => {
    const parser = createSseParser({ onEvent: () => {}, maxBufferSize: 100 });
    expect(() => parser.feed(`data: ${"x".repeat(200)}`)).toThrow(ReplicateError);
  });

  test("data accumulated across many lines without a blank line counts toward the limit", () => {
    const seen: SseEvent[] = [];
    const parser = createSseParser({ onEvent: (event) => seen.push(event), maxBufferSize: 100 });
    const feedLines = () => {
      for (let i = 0; i < 10; i++) parser.feed("data: 0123456789\n");
    };
    expect(feedLines).toThrow(/buffer limit/);
    expect(seen).toEqual([]);
  });

  test("data accumulated across many lines in a single chunk counts toward the limit", () => {
    const parser = createSseParser({ onEvent: () => {}, maxBufferSize: 100 });
    expect(() => parser.feed("data: 0123456789\n".repeat(20))).toThrow(ReplicateError);
  });

  test("normal events under the limit work, whole or split", () => {
    const { parser, recorded } = recorder({ maxBufferSize: 100 });
    parser.feed(`data: ${"x".repeat(90)}\n\n`);
    parser.feed(`data: ${"y".repeat(40)}`);
    parser.feed(`${"y".repeat(40)}\n`);
    parser.feed("\n");
    parser.feed(`data: ${"a".repeat(40)}\ndata: ${"b".repeat(40)}\n\n`);
    expect(recorded().events).toEqual([
      message("x".repeat(90)),
      message("y".repeat(80)),
      message(`${"a".repeat(40)}\n${"b".repeat(40)}`),
    ]);
  });

  test("after events dispatch the budget frees up: a long stream of small events never throws", () => {
    const { parser, recorded } = recorder({ maxBufferSize: 100 });
    for (let i = 0; i < 2000; i++) {
      parser.feed(`event: e\ndata: ${i}\n`);
      parser.feed(`data: ${"z".repeat(50)}\n`);
      parser.feed("id: 1\n\n");
    }
    parser.feed("data: 1\n\n".repeat(2000));
    expect(recorded().events).toHaveLength(4000);
  });

  test("comments, retries and unknown fields do not use the budget", () => {
    const { parser, recorded } = recorder({ maxBufferSize: 50 });
    for (let i = 0; i < 100; i++) parser.feed(`: ${"c".repeat(40)}\nretry: 1\nfoo: ${"f".repeat(40)}\n`);
    expect(recorded().comments).toHaveLength(100);
  });
});

describe("a throwing onEvent", () => {
  test("the event is not dispatched a second time by a later blank line", () => {
    const seen: string[] = [];
    const parser = createSseParser({
      onEvent: (e) => {
        seen.push(e.data);
        if (e.data === "a") throw new Error("handler failed");
      },
    });
    expect(() => parser.feed("data: a\n\n")).toThrow("handler failed");
    parser.feed("\n\ndata: b\n\n");
    expect(seen).toEqual(["a", "b"]);
  });
});

describe("reset()", () => {
  test("drops a partial line", () => {
    const { parser, recorded } = recorder();
    parser.feed("data: partial");
    parser.reset();
    parser.feed("data: a\n\n");
    expect(recorded().events).toEqual([message("a")]);
  });

  test("drops a partial event and its type", () => {
    const { parser, recorded } = recorder();
    parser.feed("event: x\ndata: a\n");
    parser.reset();
    parser.feed("data: b\n\n");
    expect(recorded().events).toEqual([message("b")]);
  });

  // As Chromium's EventSource does: the id line of the event left unfinished never took effect.
  test("keeps the last event id, not the id line of an unfinished event", () => {
    const { parser, recorded } = recorder();
    parser.feed("id: 7\ndata: a\n\nid: 8\ndata: b\n");
    parser.reset();
    parser.feed("data: c\n\n");
    expect(recorded().events).toEqual([message("a", "7"), message("c", "7")]);
  });

  test("drops a partial UTF-8 character", () => {
    const { parser, recorded } = recorder();
    parser.feed(bytes("data: a\n\ndata: ", [0xe2, 0x82]));
    parser.reset();
    parser.feed(utf8("data: b\n\n"));
    expect(recorded().events).toEqual([message("a"), message("b")]);
  });

  test("a CR ending the old stream and an LF starting the new one give only the new event", () => {
    const { parser, recorded } = recorder();
    parser.feed("data: a\r");
    parser.reset();
    parser.feed("\ndata: b\n\n");
    expect(recorded().events).toEqual([message("b")]);
  });

  test("frees the buffer budget", () => {
    const parser = createSseParser({ onEvent: () => {}, maxBufferSize: 100 });
    parser.feed(`data: ${"x".repeat(80)}\n`);
    parser.reset();
    expect(() => parser.feed(`data: ${"y".repeat(80)}`)).not.toThrow();
  });
});

/**
 * The reference: the standard's algorithm, line by line, on the whole stream as text.
 * One leading BOM is skipped; the text after the last line end is an incomplete line and never
 * processed; the data buffer gets each value plus "\n", and loses its last "\n" at dispatch.
 */
function reference(input: string): Call[] {
  const log: Call[] = [];
  const text = input.startsWith("\uFEFF") ? input.slice(1) : input;
  const lines = text.split(/\r\n|\r|\n/);
  lines.pop();
  let data = "";
  let type = "";
  let lastId = "";
  for (const line of lines) {
    if (line === "") {
      if (data !== "") {
        log.push(["event", { type: type === "" ? "message" : type, data: data.slice(0, -1), id: lastId }]);
      }
      data = "";
      type = "";
      continue;
    }
    if (line.startsWith(":")) {
      const comment = line.slice(1);
      log.push(["comment", comment.startsWith(" ") ? comment.slice(1) : comment]);
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data += `${value}\n`;
    else if (field === "event") type = value;
    else if (field === "id") {
      if (!value.includes("\0")) lastId = value;
    } else if (field === "retry") {
      if (/^[0-9]+$/.test(value)) log.push(["retry", Number.parseInt(value, 10)]);
    }
  }
  return log;
}

describe("reference interpreter sanity", () => {
  test("agrees with hand-checked cases", () => {
    expect(reference("\uFEFFid: 1\ndata: a\r\ndata\r\rretry: 5\n: c\nevent: x\ndata: b\n\ndata: c")).toEqual([
      ["event", message("a\n", "1")],
      ["retry", 5],
      ["comment", "c"],
      ["event", { type: "x", data: "b", id: "1" }],
    ]);
  });
});

// Arbitrary streams. Characters lean toward the interesting ones (spaces, colons, NUL, BOM,
// multi-byte), but any code point except CR and LF can appear in a value.
const anyChar = fc
  .string({ unit: "binary", minLength: 1, maxLength: 1 })
  .filter((char) => char !== "\r" && char !== "\n");
const char = fc.oneof(
  { weight: 3, arbitrary: anyChar },
  { weight: 2, arbitrary: fc.constantFrom(" ", ":", "\0", "\uFEFF", "a", "1", "é", "€", "😀", "\t") },
);
const value = fc.string({ unit: char, maxLength: 12 });
const digits = fc.string({ unit: fc.constantFrom("0", "1", "2", "5", "9"), minLength: 1, maxLength: 8 });
const retryValue = fc.oneof(digits, fc.constantFrom("", "1.5", "-1", "abc", " 5", "1e3"), value);
// Field names never start with U+FEFF: a doubled BOM is a known bug, tested above.
const unknownName = fc.oneof(
  fc.constantFrom("foo", "Data", "DATA", "Event", "ID", "Retry", "data ", " data", "ids", "dat"),
  fc
    .string({ unit: char, minLength: 1, maxLength: 6 })
    .filter((name) => !name.includes(":") && !name.startsWith("\uFEFF")),
);
const name = fc.oneof(
  { weight: 6, arbitrary: fc.constant("data") },
  { weight: 2, arbitrary: fc.constant("event") },
  { weight: 2, arbitrary: fc.constant("id") },
  { weight: 1, arbitrary: fc.constant("retry") },
  { weight: 1, arbitrary: unknownName },
);
const fieldLine = fc
  .tuple(name, fc.constantFrom(":", ": ", ":  ", ""), value, retryValue)
  .map(([field, sep, val, retry]) => (sep === "" ? field : `${field}${sep}${field === "retry" ? retry : val}`));
const commentLine = value.map((text) => `:${text}`);
const line = fc.oneof({ weight: 5, arbitrary: fieldLine }, { weight: 1, arbitrary: commentLine });
const lineEnd = fc.constantFrom("\n", "\r", "\r\n");
const endedLine = fc.tuple(line, lineEnd).map(([text, end]) => text + end);
const eventBlock = fc.tuple(fc.array(endedLine, { maxLength: 5 }), lineEnd).map(([lines, end]) => lines.join("") + end);
const stream = fc
  .tuple(fc.boolean(), fc.array(eventBlock, { maxLength: 8 }), fc.option(line, { nil: "" }))
  .map(([bom, blocks, tail]) => (bom ? "\uFEFF" : "") + blocks.join("") + tail);

/** Cut points from arbitrary numbers: sorted, distinct, strictly inside 0..length (no empty chunks). */
function cutPoints(raw: number[], length: number): number[] {
  if (length < 2) return [];
  return [...new Set(raw.map((n) => 1 + (n % (length - 1))))].sort((a, b) => a - b);
}

function split<T extends string | Uint8Array>(whole: T, cuts: number[]): T[] {
  const chunks: T[] = [];
  let at = 0;
  for (const cut of [...cuts, whole.length]) {
    chunks.push(whole.slice(at, cut) as T);
    at = cut;
  }
  return chunks;
}

describe("properties", () => {
  test("bytes split at arbitrary offsets give the same calls as the whole bytes and the whole string", () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 20 }), (text, raw) => {
        const whole = utf8(text);
        const expected = parse(text).log;
        expect(parse(whole).log).toEqual(expected);
        expect(parse(...split(whole, cutPoints(raw, whole.length))).log).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  test("bytes fed one at a time give the same calls as the whole string", () => {
    fc.assert(
      fc.property(stream, (text) => {
        const whole = utf8(text);
        expect(parse(...Array.from(whole, (byte) => Uint8Array.of(byte))).log).toEqual(parse(text).log);
      }),
      { numRuns: 100 },
    );
  });

  test("text split at arbitrary offsets gives the same calls as the whole string", () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 20 }), (text, raw) => {
        expect(parse(...split(text, cutPoints(raw, text.length))).log).toEqual(parse(text).log);
      }),
      { numRuns: 300 },
    );
  });

  test("the whole string gives the same calls as a line-by-line reference interpreter", () => {
    fc.assert(
      fc.property(stream, (text) => {
        expect(parse(text).log).toEqual(reference(text));
      }),
      { numRuns: 300 },
    );
  });

  test("chunked bytes give the same calls as the reference interpreter", () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 20 }), (text, raw) => {
        const whole = utf8(text);
        expect(parse(...split(whole, cutPoints(raw, whole.length))).log).toEqual(reference(text));
      }),
      { numRuns: 300 },
    );
  });
});
