// The edge consumer: a module worker that runs the shared scenario when asked (GET /) and
// answers with the printed checks, 200 if all passed and 500 otherwise. The same worker
// runs in both edge runtimes: workerd serves it over HTTP, edge-runtime dispatches a fetch
// event to it (see host.mjs here and in ../edge-runtime/).
//
// run.mjs copies this file into the throwaway project, next to scenario.mjs, so that
// "replicate-kit" is the installed tarball and not this repo (esbuild would resolve the
// repo's own name to its dist/); the hosts bundle it from there with esbuild.
import * as lib from "replicate-kit";
import { scenario } from "./scenario.mjs";

export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname !== "/") return new Response("not found\n", { status: 404 });
    // What makes this an edge consumer: only web-standard globals, nothing from Node.
    let ok = !globalThis.process && !globalThis.Buffer && !globalThis.require;
    const lines = [`${ok ? "✓" : "✗"} edge globals only: no process, Buffer or require`];
    try {
      // A client handed the platform's own fetch calls it unbound: workerd refuses any
      // other `this` ("Illegal invocation"), as one official client learned.
      const own = lib.createReplicate({ auth: "t", baseUrl: env.FAKE_URL, fetch: globalThis.fetch });
      const hardware = await own.hardware.list().then(
        (list) => Array.isArray(list),
        (error) => String(error),
      );
      lines.push(`${hardware === true ? "✓" : "✗"} a client given the platform's fetch (${hardware})`);
      ok &&= hardware === true;
      await scenario(lib, { FAKE_URL: env.FAKE_URL, log: (line) => lines.push(line) });
    } catch (error) {
      ok = false;
      lines.push(String(error?.stack ?? error));
    }
    return new Response(`${lines.join("\n")}\n`, { status: ok ? 200 : 500 });
  },
};
