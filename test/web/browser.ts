import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type BrowserContext, chromium } from "playwright-core";

const root = fileURLToPath(new URL("../../", import.meta.url));
const webDir = join(root, "web");

/** Debian's Chromium, or `CHROMIUM_PATH`. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Whether the browser tests must run: in CI (`.ci/run` installs Chromium and sets
 * GRIDLEDGER_REQUIRE_BROWSER) a missing browser fails them; elsewhere they are skipped with a message.
 */
export function browserAvailable(): boolean {
  if (existsSync(chromiumPath)) return true;
  if (process.env.CI || process.env.GRIDLEDGER_REQUIRE_BROWSER) return true;
  console.warn(
    `skipping the dashboard's browser tests: no Chromium at ${chromiumPath} (apt-get install -y chromium, or set CHROMIUM_PATH)`,
  );
  return false;
}

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

/** Builds web/dist (`npm run build:web`) when it is missing or older than the dashboard's sources. */
export async function ensureWebBuilt(): Promise<void> {
  const built = join(webDir, "dist", "index.html");
  if (existsSync(built)) {
    const sources = Math.max(
      await newestMtime(join(webDir, "src")),
      await newestMtime(join(webDir, "index.html")),
      await newestMtime(join(webDir, "vite.config.ts")),
    );
    if ((await stat(built)).mtimeMs >= sources) return;
  }
  await promisify(execFile)(
    process.execPath,
    [
      join(root, "node_modules", "vite", "bin", "vite.js"),
      "build",
      "--config",
      join(webDir, "vite.config.ts"),
    ],
    { cwd: root, maxBuffer: 16 * 1024 * 1024 },
  );
}

/**
 * Headless Chromium on a fresh profile (user data dir), Chinese UI and China Standard Time (or
 * `timezoneId`, e.g. a browser far from the node's zone); `close()` removes the profile.
 */
export async function launchChromium(
  options: { timezoneId?: string } = {},
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `no Chromium at ${chromiumPath}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  const profile = await mkdtemp(join(tmpdir(), "gridledger-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
    locale: "zh-CN",
    timezoneId: options.timezoneId ?? "Asia/Shanghai",
    viewport: { width: 1400, height: 1000 },
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
