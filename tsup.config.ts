import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    proxy: "src/proxy.ts",
    testing: "src/testing/index.ts",
    "testing-node": "src/testing/node.ts",
  },
  format: ["esm", "cjs"],
  // Inline the types of bundled code too: the published .d.ts must import nothing.
  dts: { resolve: true },
  clean: true,
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
