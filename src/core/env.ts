/**
 * Reading an environment variable without assuming `process` exists: browsers and
 * workers have none, and Deno throws without `--allow-env`.
 */

/** @example readEnv("REPLICATE_API_TOKEN") // the token, or undefined */
export function readEnv(name: string): string | undefined {
  try {
    const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
    return value || undefined;
  } catch {
    return undefined;
  }
}
