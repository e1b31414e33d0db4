import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NodeProcess, startNodeProcess, tempDir } from "../helpers/cli.js";
import { browserAvailable, ensureWebBuilt, launchChromium } from "./browser.js";

type OverviewRegion = { code: string; consumptionWh: string; generationWh: string };

/** The node's day (UTC+8 by default) as YYYY-MM-DD, `minutesAgo` minutes back. */
const nodeDay = (minutesAgo = 0) =>
  new Date(Date.now() + (8 * 60 - minutesAgo) * 60_000).toISOString().slice(0, 10);

// `npm start` as a newcomer sees it: one minute after the link is printed, every demo province has
// figures and the explorer has anchored batches.
describe.runIf(browserAvailable())("the demo one minute after start", () => {
  let node: NodeProcess;
  let startedAt: number;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    await ensureWebBuilt();
    const dir = await tempDir();
    cleanup = dir.cleanup;
    node = await startNodeProcess(
      ["--demo", "--data-dir", dir.dir, "--port", "0", "--rpc-port", "0"].concat(["--mqtt-port", "0"]),
    );
    startedAt = Date.now();
  }, 180_000);
  afterAll(async () => {
    await node?.stop();
    await cleanup?.();
  });

  it("shows non-zero figures for every province and anchored batches", async () => {
    await sleep(Math.max(0, startedAt + 60_000 - Date.now()));
    // In the first quarter hour of the node's day no interval of today has ended yet: judge yesterday.
    const justAfterMidnight = nodeDay() !== nodeDay(20);
    const date = justAfterMidnight ? nodeDay(20) : nodeDay();
    const overview = (await (await fetch(`${node.info.api}/v1/stats/overview?date=${date}`)).json()) as {
      regions: OverviewRegion[];
    };
    const codes = overview.regions.map((r) => r.code).sort();
    expect(codes).toEqual(["CN-GD", "CN-GS", "CN-ZJ"]);
    for (const region of overview.regions) {
      expect(BigInt(region.consumptionWh), region.code).toBeGreaterThan(0n);
      expect(BigInt(region.generationWh), region.code).toBeGreaterThan(0n);
    }
    const anchors = (await (await fetch(`${node.info.api}/v1/anchors?order=desc&limit=5`)).json()) as {
      batches: { status: string }[];
    };
    expect(anchors.batches.some((b) => b.status === "anchored")).toBe(true);

    const chromium = await launchChromium();
    try {
      const page = await chromium.context.newPage();
      if (!justAfterMidnight) {
        await page.goto(`${node.info.api}/`);
        for (const code of codes) {
          const consumption = page.getByTestId(`tile-${code}`).getByTestId("consumption");
          await expect.poll(() => consumption.textContent(), { timeout: 15_000 }).toMatch(/[1-9]/);
        }
      }
      await page.goto(`${node.info.api}/#/explorer`);
      await expect
        .poll(() => page.getByTestId("anchors-table").locator("tbody tr").count(), { timeout: 15_000 })
        .toBeGreaterThan(0);
    } finally {
      await chromium.close();
    }
  }, 240_000);
});
