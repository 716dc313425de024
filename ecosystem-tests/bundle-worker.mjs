// The edge consumers' worker (workerd/worker.mjs, copied into the throwaway project),
// bundled the way an edge platform's bundler would, with the given resolution conditions
// and output format. It fails unless the bundle holds the installed tarball's dist/: a
// bundle of this repo's own build would test nothing.
import { join } from "node:path";
import { build } from "esbuild";

export async function bundleWorker(project, options) {
  const result = await build({
    entryPoints: [join(project, "worker.mjs")],
    bundle: true,
    platform: "neutral",
    metafile: true,
    logLevel: "error",
    ...options,
  });
  if (!Object.keys(result.metafile.inputs).some((input) => input.includes("node_modules/replicate-kit/dist/"))) {
    throw new Error("the worker bundle does not contain the installed replicate-kit");
  }
  return result;
}
