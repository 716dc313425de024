// Recording what nock saw: the requests its interceptors answered, and the ones no interceptor matched.
import nock from "nock";
import { afterEach, beforeEach, expect } from "vitest";

/** One request as it reached a nock interceptor. */
export interface Seen {
  method: string;
  /** Path and query exactly as sent (still percent-encoded). */
  path: string;
  headers: Record<string, string | string[] | number | undefined>;
  /** The raw request body as nock received it ("" when there was none). */
  body: string;
}

/** Appends every request `scope` intercepts to `seen` (a copy of its headers, its raw body); returns `seen`. */
export function record(scope: nock.Scope, seen: Seen[]): Seen[] {
  scope.on("request", (req: { method: string; path: string; headers: Seen["headers"] }, _i: unknown, body: string) => {
    seen.push({ method: req.method, path: req.path, headers: { ...req.headers }, body });
  });
  return seen;
}

function listenForUnmatched(failWith?: string): string[] {
  const unmatched: string[] = [];
  const onNoMatch = (req: { method?: string; href?: string; host?: string; path?: string }) => {
    unmatched.push(`${req.method ?? "?"} ${req.href ?? `${req.host}${req.path}`}`);
  };
  beforeEach(() => {
    unmatched.length = 0;
    nock.emitter.on("no match", onNoMatch);
  });
  afterEach(() => {
    nock.emitter.removeListener("no match", onNoMatch);
    if (failWith !== undefined) expect(unmatched, failWith).toEqual([]);
  });
  return unmatched;
}

/**
 * The requests nock could match with no interceptor during the current test, as
 * "METHOD url" (emptied before each test), for tests that check it themselves.
 */
export function watchUnmatched(): string[] {
  return listenForUnmatched();
}

/** Fails each test in which a request matched no interceptor; `message` labels the failure. */
export function failOnUnmatched(message: string): void {
  listenForUnmatched(message);
}

/**
 * Interceptors on `origin` that answer with queued JSON and log every request they get.
 * `log` is emptied before each test.
 */
export function nockRecorder(origin: string) {
  const log: Seen[] = [];
  beforeEach(() => {
    log.length = 0;
  });

  /** Answer `method path` once per reply, in order, with JSON; every request is logged. */
  function on(method: "GET" | "POST", path: string, ...replies: [status: number, body: unknown][]): void {
    const scope = nock(origin);
    for (const [status, body] of replies) {
      scope.intercept(path, method).reply(status, JSON.stringify(body), { "content-type": "application/json" });
    }
    record(scope, log);
  }

  /** The logged requests as "METHOD path". */
  const lines = () => log.map((s) => `${s.method} ${s.path}`);

  /** The parsed JSON body of the first logged request that is `line` ("METHOD path"). */
  const bodyOf = (line: string) => {
    const seen = log.find((s) => `${s.method} ${s.path}` === line);
    if (!seen) throw new Error(`no request ${line}; saw ${JSON.stringify(lines())}`);
    return JSON.parse(seen.body) as unknown;
  };

  return { log, on, lines, bodyOf };
}
