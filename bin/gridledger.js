#!/usr/bin/env node
// Runs the compiled CLI in dist/ (built at `npm install` by the prepare script) when it is newer than
// every source file, so a command starts without compiling TypeScript; otherwise (a checkout being
// edited) runs the sources through tsx's loader.
import { readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Latest modification time of any file under `dir`, in ms. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

let built = 0;
try {
  built = statSync(new URL("../dist/.built", import.meta.url)).mtimeMs;
} catch {
  // Not built (yet): run the sources.
}
if (built > 0 && built >= newest(fileURLToPath(new URL("../src", import.meta.url)))) {
  await import("../dist/cli/main.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
