/**
 * The create routes' headers, `Prefer` and `Cancel-After`, checked as the API checks
 * them: a value outside what the schema (or the API's documentation) allows is refused
 * before anything is created.
 */
import { Refusal } from "./http.js";

/** The schema's own pattern for `Prefer`: `wait`, or `wait=N` with N from 1 to 99 (held at most 60 s). */
const PREFER = /^wait(=([1-9]|[1-9][0-9]|60))?$/;

/**
 * How long `Prefer` asks to hold the create, in ms; `undefined` without the header.
 * A value outside the schema's pattern is a 422, as a schema validator (Prism) answers.
 *
 * @example
 * preferWaitMs("wait=5") // 5000
 * preferWaitMs("wait")   // 60000
 * preferWaitMs("wait=0") // throws a Refusal: 422
 */
export function preferWaitMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const match = PREFER.exec(header);
  if (!match) {
    const detail = `Prefer must match ${PREFER.source} (wait, or wait=N seconds), got ${JSON.stringify(header)}`;
    throw new Refusal(422, "Invalid request", detail);
  }
  return Math.min(60, Number(match[2] ?? 60)) * 1000;
}

/** Seconds per unit of a duration. */
const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1 };

/**
 * Seconds in a duration as the API documents it: a bare number of seconds, or hours,
 * minutes and seconds in that order, each at most once (`30s`, `5m`, `1h30m`). The fake's
 * own reading, not the client's: a mistake in one must not hide in both.
 *
 * @example
 * durationSeconds("1h30m") // 5400
 * durationSeconds("30m1h") // undefined
 */
function durationSeconds(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const parts = [...text.matchAll(/(\d+)([hms])/g)];
  const units = parts.map((p) => p[2]).join("");
  if (parts.map((p) => p[0]).join("") !== text || !/^h?m?s?$/.test(units) || units === "") return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (UNIT_SECONDS[p[2] as string] ?? 0), 0);
}

/** The latest instant a Date can hold, in ms since the epoch. */
const LAST_DATE_MS = 8.64e15;

/**
 * The `Cancel-After` duration in ms; `undefined` without the header. Under 5 s, not a
 * duration, or a deadline no date can hold, is a 400.
 *
 * @example
 * cancelAfterMs("1h30m") // 5400000
 * cancelAfterMs("2s")    // throws a Refusal: 400
 */
export function cancelAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = durationSeconds(header);
  if (seconds === undefined || seconds < 5 || Date.now() + seconds * 1000 > LAST_DATE_MS) {
    throw new Refusal(400, "Bad request", `Invalid Cancel-After duration ${JSON.stringify(header)} (at least 5s)`);
  }
  return seconds * 1000;
}
