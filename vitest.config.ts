import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    // Tests share nock's global interceptors: run files one at a time.
    fileParallelism: false,
  },
});
