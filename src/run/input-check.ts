/**
 * What a model's `input` may hold: values JSON carries as they are, and file values. The
 * walk refuses anything else by its place in the input, before anything is sent: JSON
 * would otherwise drop it, turn it into `null` or `{}`, or fail halfway through a call.
 * Also the one message builder for an option with a wrong value, so every option of
 * `run`, `createPrediction` and `wait` is refused in the same words.
 */
import { InputError } from "../core/errors.js";
import { type FileValue, isFileValue, typeName } from "./file-values.js";

/**
 * Called for each file value found: where it is, and how to put its URL there.
 *
 * @example
 * const onFile: OnFile = (file, path, set) => pending.push({ file, path, set })
 */
export type OnFile = (value: FileValue, path: string, set: (url: string) => void) => void;

/**
 * The InputError for an option with a wrong value, phrased one way everywhere:
 * `${what} must ${rule}, got ${value}.` A string is quoted and a number shown as it is;
 * an object or function only by its type (see `typeName`), as it may be large or hold a
 * secret.
 *
 * @example
 * throw invalid("files.concurrency", "be a whole number ≥ 1", 0) // "files.concurrency must be a whole number ≥ 1, got 0."
 */
export function invalid(what: string, rule: string, value: unknown): InputError {
  const shown =
    typeof value === "string"
      ? JSON.stringify(value)
      : typeof value === "object" || typeof value === "function"
        ? typeName(value)
        : String(value);
  return new InputError(`${what} must ${rule}, got ${shown}.`);
}

/**
 * Whether `value` is a plain object: an object literal or a JSON.parse result, a null
 * prototype too. Checked by shape rather than against this realm's Object.prototype, so
 * objects from an iframe or vm count.
 *
 * @example
 * isPlainObject({ a: 1 }) // true
 * isPlainObject(new Map()) // false
 */
export const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  const proto = typeof value === "object" && value !== null && Object.getPrototypeOf(value);
  return proto === null || (proto !== false && Object.getPrototypeOf(proto) === null);
};

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

const refuse = (path: string, what: string, why: string) => new InputError(`${path} is ${what}, which ${why}.`);

/**
 * A copy of `input` to send as JSON, with each file value reported to `onFile` (left in
 * place until its `set` replaces it). Arrays and plain objects are copied; values with a
 * `toJSON` (a `Date`, a `URL`) are kept as they are; `undefined` fields are kept, for JSON
 * to drop. Anything else is an `InputError` naming its place, such as `input.images[2]`.
 * The caller's objects are not modified.
 *
 * @example
 * const copy = copyInput({ image: blob, seed: 1 }, (file, path, set) => files.push({ file, path, set }))
 * copyInput({ seed: 1n }, onFile) // InputError: input.seed is of type bigint, which JSON cannot carry; …
 */
export function copyInput(input: unknown, onFile: OnFile): { readonly value: unknown } {
  const out = { value: undefined as unknown };
  // The objects being walked, by their path: reaching one again is a cycle.
  const open = new Map<object, string>();

  const walk = (value: unknown, path: string, set: (v: unknown) => void): unknown => {
    if (isFileValue(value)) {
      onFile(value, path, set);
      return value;
    }
    const type = typeof value;
    if (type === "number" && !Number.isFinite(value)) throw refuse(path, String(value), "JSON would send as null");
    if (type === "bigint") throw refuse(path, "of type bigint", "JSON cannot carry; use a number or a string");
    if (type === "function" || type === "symbol") throw refuse(path, `of type ${type}`, "JSON cannot carry");
    if (type !== "object" || value === null) return value;
    const object = value as object;
    if (typeof (object as { toJSON?: unknown }).toJSON === "function") return object;
    if (!Array.isArray(object) && !isPlainObject(object)) {
      const why = "JSON would not send as it is; use a plain object or array, or give it a toJSON method";
      throw refuse(path, `of type ${typeName(object)}`, why);
    }
    const back = open.get(object);
    if (back !== undefined) throw refuse(path, `a circular reference to ${back}`, "JSON cannot carry");
    open.set(object, path);
    const entries = Object.entries(object);
    // An object's copy starts with its fields as own properties: a `__proto__` key (as
    // JSON.parse makes one) assigned to `{}` would set the copy's prototype and be lost.
    const copy = (Array.isArray(object) ? [] : Object.fromEntries(entries)) as Record<string, unknown>;
    for (const [key, inner] of entries) {
      const at = Array.isArray(object)
        ? `${path}[${key}]`
        : IDENTIFIER.test(key)
          ? `${path}.${key}`
          : `${path}[${JSON.stringify(key)}]`;
      copy[key] = walk(inner, at, (v) => {
        copy[key] = v;
      });
    }
    open.delete(object);
    return copy;
  };

  out.value = walk(input, "input", (v) => {
    out.value = v;
  });
  return out;
}
