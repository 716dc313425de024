// A scripted `fetch` for tests that need to control time: each call takes the next
// step (a Response to return, or an error to throw) and records the Request it got.
export type Step = Response | Error | ((request: Request) => Response | Promise<Response>);

export interface ScriptedFetch {
  (request: Request): Promise<Response>;
  readonly calls: Request[];
}

export function scriptedFetch(...steps: Step[]): ScriptedFetch {
  const calls: Request[] = [];
  const fn = async (request: Request) => {
    calls.push(request);
    const step = steps.shift();
    if (!step) throw new Error(`unexpected request #${calls.length}: ${request.method} ${request.url}`);
    if (step instanceof Error) throw step;
    return typeof step === "function" ? step(request) : step;
  };
  return Object.assign(fn, { calls });
}

/** The error Node's fetch throws when a connection is refused. */
export function refused(): TypeError {
  return new TypeError("fetch failed", {
    cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
  });
}

/** The error Node's fetch throws when an open connection is reset mid-request. */
export function reset(): TypeError {
  return new TypeError("fetch failed", { cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) });
}

/** A step that never answers: it rejects (as fetch does) once the request's signal aborts. */
export const hang = (request: Request) =>
  new Promise<Response>((_resolve, reject) => {
    const fail = () => reject(request.signal.reason);
    if (request.signal.aborted) fail();
    else request.signal.addEventListener("abort", fail, { once: true });
  });

/** The requests `fetch` got, as "METHOD url". */
export const calls = (fetch: ScriptedFetch) => fetch.calls.map((r) => `${r.method} ${r.url}`);

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** A step whose answer the test gives later, with `answer(response)`. */
export function held(): { step: (request: Request) => Promise<Response>; answer: (response: Response) => void } {
  let answer!: (response: Response) => void;
  const step = () =>
    new Promise<Response>((resolve) => {
      answer = resolve;
    });
  return { step, answer: (response) => answer(response) };
}
