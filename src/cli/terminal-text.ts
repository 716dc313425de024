/**
 * Text from the API (a model's logs, output, errors, names and descriptions) made safe to
 * show. A terminal obeys control sequences in what it prints: `ESC ] 52` writes the
 * clipboard, `ESC [ 2J` clears the screen, `CR` overwrites a line, bidi overrides make
 * text read differently from what it is. So every such character is shown as a visible
 * `\uXXXX` instead. The same form is a valid escape inside a JSON or TypeScript string,
 * which is why typegen uses it too (a generated file must not hide code, "Trojan Source").
 * Pure: the entry decides where it applies.
 */
import type { CliIO } from "./cli-io.js";

/**
 * What the progress line writes first: back to the start of the line, and clear it. The
 * one control sequence let through to a terminal.
 *
 * @example
 * io.err(`${CLEAR}starting…`)
 */
export const CLEAR = "\r\x1b[2K";

// C0 controls but tab and newline, DEL, C1 controls (0x9B is a one-byte CSI), the
// Arabic letter mark, LRM/RLM, the line and paragraph separators (line breaks to
// JavaScript), and the bidi embeddings, overrides and isolates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with each control or bidi character written as `\uXXXX` (tab and newline kept).
 *
 * @example
 * escapeUnsafe("a\x1b[2Jb") // "a\\u001b[2Jb"
 */
export const escapeUnsafe = (text: string) =>
  text.replace(UNSAFE, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`);

/**
 * `text` as a terminal should get it: CRLF and a lone CR (which would overwrite the
 * line) become a newline, and every other control or bidi character is escaped.
 *
 * @example
 * printable("safe\rrm -rf ~\x1b]52;c;aGk=\x07") // "safe\nrm -rf ~\\u001b]52;c;aGk=\\u0007"
 */
export const printable = (text: string) => escapeUnsafe(text.replace(/\r\n?/g, "\n"));

/**
 * `io` with its writers guarded: standard error always (progress, logs, errors are read
 * by a person, even from a file later), standard output only on a terminal (piped, a
 * model's output is data: `run ... > out.bin` gets it byte for byte). The progress
 * line's own leading {@link CLEAR} is kept: it erases the current line and does nothing else.
 *
 * @example
 * const io = guardedIO(processIO, { stdoutIsTTY: process.stdout.isTTY })
 */
export function guardedIO(io: CliIO, { stdoutIsTTY = false }: { stdoutIsTTY?: boolean | undefined } = {}): CliIO {
  const err = (text: string) =>
    text.startsWith(CLEAR) ? CLEAR + printable(text.slice(CLEAR.length)) : printable(text);
  return {
    ...io,
    out: (text) => io.out(stdoutIsTTY ? printable(text) : text),
    err: (text) => io.err(err(text)),
  };
}
