import { defineConfig, type Options } from "tsup";

/**
 * The package's entries: the one main entry, and the two testing entries (the fake is for
 * tests only, and its server is Node-only). Apps bundle only the functions they import
 * from the main entry, since each feature is a function that takes the client.
 */
export const entries = {
  index: "src/index.ts",
  testing: "src/testing/index.ts",
  "testing-node": "src/testing/node.ts",
};

const library: Options = {
  entry: entries,
  format: ["esm", "cjs"],
  // One build for all entries, split into shared chunks: each class (ApiError, FileOutput)
  // exists once, so `instanceof` holds between the main and the testing entries. CJS splitting too, for `require`.
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
};

/**
 * The command line (`bin`), Node-only and ESM: a build of its own, so the library's
 * entries and chunks stay exactly as they are. It goes to dist/bin/, apart from the
 * entries: the build's last step (scripts/codegen/self-types.mjs) puts a comment at the
 * top of each dist/*.js, which would push the `#!` shebang off the first line.
 */
const cli: Options = {
  entry: { "replicate-kit": "src/cli/index.ts" },
  outDir: "dist/bin",
  format: ["esm"],
  dts: false,
  clean: false,
  target: "node20",
  tsconfig: "tsconfig.build.json",
  platform: "node",
  sourcemap: false,
  minify: false,
  treeshake: true,
};

export default defineConfig([library, cli]);
