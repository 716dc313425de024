// A proxy in front of the fake Replicate, and a browser client that talks to it: what
// the proxy tests mount. `upstream` records every request the proxy forwarded.
import { createReplicate } from "../../src/index.js";
import { createProxy, type ProxyOptions } from "../../src/proxy/proxy.js";
import { createFakeReplicate } from "../../src/testing/index.js";

export const APP = "https://app.example.test";
export const SERVER_TOKEN = "r8_server_only";

/** Mount a proxy (allowing create and get unless `options.allow` says otherwise) in front of `fake`. */
export function mountProxy(options: Partial<ProxyOptions> = {}, fake = createFakeReplicate({ token: SERVER_TOKEN })) {
  const upstream: Request[] = [];
  const proxy = createProxy({
    prefix: "/api/replicate",
    allow: ["models.predictions.create", "predictions.get"],
    auth: SERVER_TOKEN,
    fetch: (request) => {
      upstream.push(request);
      return fake.fetch(request);
    },
    ...options,
  });
  // The browser's client: no token, its own origin, the proxy as its network.
  const browser = createReplicate({ baseUrl: `${APP}/api/replicate`, fetch: proxy, retry: false });
  return { fake, proxy, browser, upstream };
}

/**
 * A proxy whose upstream is `answer` (a stub: nothing leaves the process), and every request
 * it forwarded, in `sent`.
 */
export function stubbed(
  allow: ProxyOptions["allow"],
  answer: (request: Request) => Response | Promise<Response>,
  options: Partial<ProxyOptions> = {},
) {
  const sent: Request[] = [];
  const proxy = createProxy({
    prefix: "/api/replicate",
    allow,
    auth: SERVER_TOKEN,
    fetch: async (request) => {
      sent.push(request);
      return answer(request);
    },
    ...options,
  });
  return { proxy, sent };
}
