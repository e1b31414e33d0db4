import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Lock, missingPlatformPackages, platformOf } from "../scripts/platformPackages.js";

describe("package-lock.json", () => {
  it("has an entry for every optional platform package, so npm ci accepts it on a clean machine", () => {
    const lock = JSON.parse(readFileSync(new URL("../package-lock.json", import.meta.url), "utf8")) as Lock;
    // When this fails after an npm install: npx tsx scripts/lockPlatformPackages.ts
    expect(missingPlatformPackages(lock)).toEqual([]);
  });

  it("reads the platform from a package name", () => {
    expect(platformOf("@biomejs/cli-linux-x64-musl")).toEqual({ os: "linux", cpu: "x64", libc: "musl" });
    expect(platformOf("@foundry-rs/anvil-darwin-amd64")).toEqual({ os: "darwin", cpu: "x64" });
    expect(platformOf("@foundry-rs/anvil")).toBeUndefined();
  });
});
