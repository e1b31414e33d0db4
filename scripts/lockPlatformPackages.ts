// Keeps `npm ci` working with a registry that lacks some platform builds of optional dependencies
// (e.g. @biomejs/cli-win32-x64, @foundry-rs/anvil-darwin-arm64): `npm install` leaves such packages out
// of package-lock.json, and `npm ci` then refuses the lock file as out of sync. This adds an entry
// for each missing one, with its os/cpu/libc, so `npm ci` knows it and skips it on this platform.
//
//   npx tsx scripts/lockPlatformPackages.ts          # fix package-lock.json after an npm install
//   npx tsx scripts/lockPlatformPackages.ts --check  # exit 1 naming what is missing
import { readFileSync, writeFileSync } from "node:fs";
import { missingPlatformPackages, withPlatformPackages } from "./platformPackages.js";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const missing = missingPlatformPackages(lock);
if (process.argv.includes("--check")) {
  if (missing.length > 0) {
    console.error(
      `package-lock.json lacks ${missing.join(", ")}; run: npx tsx scripts/lockPlatformPackages.ts`,
    );
    process.exit(1);
  }
} else if (missing.length > 0) {
  writeFileSync(path, `${JSON.stringify(withPlatformPackages(lock), null, 2)}\n`);
  console.log(`added ${missing.join(", ")}`);
}
