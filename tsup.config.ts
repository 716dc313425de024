import { defineConfig, type Options } from "tsup";

const shared: Options = {
  format: ["esm", "cjs"],
  // Inline the types of bundled code too: the published .d.ts must import nothing.
  dts: { resolve: true },
  clean: false, // the build script empties dist/ once, before all entries
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

/** One build per entry: each file (and each .d.ts) stands alone, with no shared chunk to import. */
function entry(name: string, source: string): Options {
  // Deno and JSR read the types of the published JavaScript from this comment.
  return { ...shared, entry: { [name]: source }, banner: { js: `/* @ts-self-types="./${name}.d.ts" */` } };
}

export default defineConfig([
  entry("index", "src/index.ts"),
  entry("proxy", "src/proxy.ts"),
  entry("testing", "src/testing/index.ts"),
  entry("testing-node", "src/testing/node.ts"),
]);
