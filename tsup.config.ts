import { defineConfig } from "tsup";

/** The package's entries: the core, then one per feature, so apps bundle only what they import. */
export const entries = {
  index: "src/index.ts",
  run: "src/entries/run.ts",
  stream: "src/entries/stream.ts",
  train: "src/entries/train.ts",
  webhooks: "src/entries/webhooks.ts",
  api: "src/entries/api.ts",
  limit: "src/entries/limit.ts",
  proxy: "src/proxy.ts",
  testing: "src/testing/index.ts",
  "testing-node": "src/testing/node.ts",
};

export default defineConfig({
  entry: entries,
  format: ["esm", "cjs"],
  // One build for all entries, split into shared chunks: each class (ApiError, FileOutput)
  // exists once, so `instanceof` holds across entries. CJS splitting too, for `require`.
  splitting: true,
  // Inline the types of bundled code too: the published .d.ts import only the package's own files.
  dts: { resolve: true },
  clean: false, // the build script empties dist/ first
  target: "es2022",
  tsconfig: "tsconfig.build.json",
  platform: "neutral",
  // Keep `node:` specifiers in the Node-only testing entry: Deno and Bun resolve those.
  removeNodeProtocol: false,
  external: [/^node:/],
  // openapi-fetch is a devDependency: its runtime is bundled, so the package has no dependencies.
  noExternal: ["openapi-fetch"],
  sourcemap: false,
  minify: false,
  treeshake: true,
});
