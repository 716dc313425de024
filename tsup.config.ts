import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts" },
  format: ["esm", "cjs"],
  // Inline the types of bundled code too: the published .d.ts must import nothing.
  dts: { resolve: true },
  clean: true,
  target: "es2022",
  tsconfig: "tsconfig.build.json",
  platform: "neutral",
  // openapi-fetch is a devDependency: its runtime is bundled, so the package has no dependencies.
  noExternal: ["openapi-fetch"],
  sourcemap: false,
  minify: false,
  treeshake: true,
});
