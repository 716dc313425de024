// Prism (Stoplight's mock server, Stainless's fork) serving an OpenAPI schema on a free
// loopback port, for contract tests. The binary is started directly, not through npx,
// so the PID held here is the server's own and `stop()` ends exactly that process.
import { type ChildProcess, spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import { join } from "node:path";

/** A running Prism. */
export interface Prism {
  /** `http://127.0.0.1:<port>`: the schema's paths are mounted at the root, without `/v1`. */
  readonly origin: string;
  readonly pid: number;
  /** How long it took to accept connections, in ms. */
  readonly startMs: number;
  /** What it wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** Ends the process and waits for it to exit. */
  stop(): Promise<void>;
}

const root = new URL("../../", import.meta.url).pathname;
const BIN = join(root, "node_modules/.bin/prism");

/** A port nobody listens on right now: the OS picks one for a throwaway listener. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

/** Whether something accepts a TCP connection on the port, within `timeoutMs`. */
function accepts(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Keep the last `max` characters of a stream, so a chatty process cannot fill memory. */
function tail(max: number) {
  let text = "";
  return {
    push: (chunk: Buffer) => {
      text = (text + chunk.toString("utf8")).slice(-max);
    },
    text: () => text,
  };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Start `prism mock <schemaPath>` and resolve once it accepts connections; reject with
 * its stderr if it exits first or is not up within `timeoutMs`.
 */
export async function startPrism(schemaPath: string, timeoutMs = 30_000): Promise<Prism> {
  const port = await freePort();
  const started = performance.now();
  // `--multiprocess` would fork the server into a child this PID does not cover.
  const args = ["mock", schemaPath, "-h", "127.0.0.1", "-p", String(port), "--multiprocess=false"];
  const child = spawn(BIN, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  const stdout = tail(20_000); // one log line per request: drained so the pipe never blocks
  const stderr = tail(20_000);
  child.stdout?.on("data", stdout.push);
  child.stderr?.on("data", stderr.push);
  let spawnError: Error | undefined;
  child.once("error", (error) => {
    spawnError = error;
  });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited(child);
  };
  const fail = async (why: string): Promise<never> => {
    await stop();
    const output = stderr.text().trim() || `(stderr empty; stdout tail:)\n${stdout.text().slice(-2_000)}`;
    throw new Error(`Prism ${why}.\n${BIN} ${args.join(" ")}\n${output}`);
  };

  while (!(await accepts(port, 500))) {
    if (spawnError) return fail(`could not start: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      return fail(`exited (${child.exitCode ?? child.signalCode}) before accepting connections`);
    }
    if (performance.now() - started > timeoutMs) return fail(`did not accept connections within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (child.pid === undefined) return fail("has no PID");
  return {
    origin: `http://127.0.0.1:${port}`,
    pid: child.pid,
    startMs: Math.round(performance.now() - started),
    stderr: stderr.text,
    stop,
  };
}
