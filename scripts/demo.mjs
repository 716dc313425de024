#!/usr/bin/env node
// The tour, `npm run demo`: an alias of `npx replicate-kit demo`, which runs offline
// against the bundled fake (see src/cli/commands/demo-command.ts).
// With --build it builds the package first, quietly: the build's log is shown only if it fails.
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
if (process.argv.includes("--build")) {
  const build = spawnSync("npm", ["run", "build", "--silent"], { cwd: root, encoding: "utf8" });
  if (build.status !== 0) {
    console.error(`The build failed:\n${build.stdout}${build.stderr}`);
    process.exit(1);
  }
}
const args = process.argv.slice(2).filter((arg) => arg !== "--build");
const tour = spawnSync(process.execPath, [`${root}dist/bin/replicate-kit.js`, "demo", ...args], { stdio: "inherit" });
process.exit(tour.status ?? 1);
