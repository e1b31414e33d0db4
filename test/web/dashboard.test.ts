import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeviceKey, signReading } from "../../src/metering/deviceKey.js";
import { seedDemoRegions } from "../../src/node/demoRegions.js";
import { tempDir } from "../helpers/cli.js";
import {
  asJson,
  intervalAgo,
  type Json,
  type MeteringNode,
  readingSeries,
  startMeteringNode,
} from "../helpers/metering.js";
import { grantRole, newAccount, signInWithKeyFile, type TestAccount } from "./accounts.js";
import { browserAvailable, ensureWebBuilt, launchChromium } from "./browser.js";

/** Waits for what the page shows (vitest's default of 1 s is short for a cold browser on a busy CI machine). */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000 });

/** A Unix time as the node (UTC+8 by default) shows it: `2026-12-02 14:00`, whatever the browser's zone. */
const nodeTime = (seconds: number) =>
  new Date((seconds + 8 * 3600) * 1000).toISOString().slice(0, 16).replace("T", " ");

/** A screenshot into GRIDLEDGER_SCREENSHOTS (a folder), when set, to look at a page by eye. */
const shot = async (page: Page, name: string) => {
  const dir = process.env.GRIDLEDGER_SCREENSHOTS;
  if (dir) await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
};

const flipHexDigit = (hex: string, at: number) =>
  `${hex.slice(0, at)}${hex[at] === "0" ? "1" : "0"}${hex.slice(at + 1)}`;

describe.runIf(browserAvailable())("the regulator's dashboard in Chromium", () => {
  let t: MeteringNode;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let page: Page;
  let consumer: DeviceKey;
  let keys: Awaited<ReturnType<typeof tempDir>>;
  /** The operator of 广东省 (a region operator scoped to CN-GD): sees and acts on everything of the region. */
  let operator: TestAccount;
  const count = 6;
  const importDelta = 250n;
  const exportDelta = 400n;

  beforeAll(async () => {
    const built = ensureWebBuilt();
    t = await startMeteringNode();
    await seedDemoRegions(t.node.context);
    keys = await tempDir();
    operator = await newAccount(keys.dir, "region-operator");
    await grantRole(t, operator.address, "region-operator", { region: "CN-GD" });
    consumer = await t.device({ region: "CN-GD", kind: "consumption" });
    const solar = await t.device({ region: "CN-GD", kind: "generation", source: "solar" });
    const start = intervalAgo(count + 2);
    const readings = [
      ...readingSeries(consumer, { start, count, importDelta }),
      ...readingSeries(solar, { start, count, importDelta: 0n, exportDelta }),
    ];
    const sent = await t.post("/v1/readings", { readings: asJson(readings) });
    expect(sent.body.results.every((r: Json) => r.status === "accepted")).toBe(true);
    // The same seq again with other figures: refused, and raised as a reading_conflict alert.
    const original = readings[2]!;
    const conflicting = signReading(consumer, { ...original, importDelta: original.importDelta + 1n });
    const refused = await t.post("/v1/readings", { readings: asJson([conflicting]) });
    expect(refused.body.results[0].code).toBe("READING_SEQ_CONFLICT");
    const anchored = await t.post("/v1/anchors", { region: "CN-GD" });
    expect(anchored.body.anchored).toBe(count);
    await built;
    // A browser in New York (UTC−5) while the node keeps China's day (UTC+8): every time on every page
    // must still be the node's, labelled.
    chromium = await launchChromium({ timezoneId: "America/New_York" });
    context = chromium.context;
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${t.node.apiUrl}/`);
    await signInWithKeyFile(page, operator, "paste");
  }, 240_000);

  afterAll(async () => {
    await chromium?.close();
    await t?.stop();
    await keys?.cleanup();
  });

  it("finds 广东省 by its Chinese name and shows its charts and figures", async () => {
    await page.goto(`${t.node.apiUrl}/`);
    await page.getByTestId("region-search").fill("广东");
    await page.getByTestId("region-search").press("Enter");
    await page.waitForURL(/#\/region\/CN-GD/);
    await poll(() => page.getByTestId("region-title").textContent()).toContain("广东省");
    await page.getByTestId("range-7d").click();

    const series = (
      await t.get(
        `/v1/stats/series?region=CN-GD&granularity=hour&from=${Number(intervalAgo(200))}&to=${Math.floor(Date.now() / 1000) + 3600}`,
      )
    ).body;
    expect(series.totals.consumption).toBe(String(BigInt(count) * importDelta));
    expect(series.totals.generation).toBe(String(BigInt(count) * exportDelta));
    // 6 × 250 Wh and 6 × 400 Wh, as the page words them.
    await poll(() => page.getByTestId("total-consumption").textContent()).toContain("1.5 kWh");
    await poll(() => page.getByTestId("total-generation").textContent()).toContain("2.4 kWh");

    const loadLines = page.locator('[data-testid="chart-load"] path.recharts-line-curve');
    await poll(() => loadLines.count()).toBe(2);
    const path = (await loadLines.first().getAttribute("d")) ?? "";
    expect(path).toMatch(/^M[\d.]+,[\d.]+/);
    expect(path.match(/[\d.]+,[\d.]+/g)!.length).toBeGreaterThanOrEqual(2);
    await expect
      .poll(() => page.locator('[data-testid="chart-sources"] path.recharts-area-area').count())
      .toBe(1);
    expect(await page.getByTestId("chart-sources").textContent()).toContain("光伏");
    expect(await page.getByTestId("csv-link").getAttribute("href")).toMatch(
      /^\/v1\/stats\/series\?region=CN-GD.*format=csv/,
    );
    // Steps per interval, not smoothed curves; the axis in a unit chosen by range, ticks all different.
    expect(path).not.toContain("C");
    expect(await page.getByTestId("chart-load").locator("figcaption").textContent()).toMatch(
      /\((Wh|kWh), .*UTC\+8\)/,
    );
    const yTickLabels = page.locator(
      '[data-testid="chart-load"] .recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value',
    );
    await shot(page, "region");
    await poll(() => yTickLabels.count()).toBeGreaterThanOrEqual(2);
    const yTicks = await yTickLabels.allTextContents();
    expect(new Set(yTicks).size, yTicks.join(", ")).toBe(yTicks.length);
    // The region page is not "Overview": no nav item is highlighted.
    expect(await page.locator("header nav a.active").count()).toBe(0);

    // Today stops at now: the series asked for ends with the current hour, not at midnight.
    await page.getByTestId("range-today").click();
    await page.waitForURL(/range=today/);
    const today = new URL((await page.getByTestId("csv-link").getAttribute("href"))!, t.node.apiUrl)
      .searchParams;
    expect(Number(today.get("to"))).toBeLessThanOrEqual(Math.floor(Date.now() / 3600_000) * 3600 + 3600);
  });

  it("closes the search's “no match” note when the page changes, and highlights the current page", async () => {
    await page.goto(`${t.node.apiUrl}/`);
    await page.getByTestId("region-search").fill("xyz");
    await page.getByTestId("region-search").press("Enter");
    await poll(() => page.getByTestId("search-no-match").count()).toBe(1);
    await page.locator("header nav a").nth(1).click();
    await page.waitForURL(/#\/alerts/);
    await poll(() => page.getByTestId("search-no-match").count()).toBe(0);
    expect(await page.locator("header nav a.active").allTextContents()).toEqual(["预警"]);
  });

  it("acknowledges an alert as the signed-in operator: the status changes in the page and in the API", async () => {
    const alerts = await t.get("/v1/alerts?kind=reading_conflict");
    expect(alerts.status, "GET /v1/alerts answers").toBe(200);
    await page.goto(`${t.node.apiUrl}/#/alerts?kind=reading_conflict`);
    const row = page.locator('tr[data-kind="reading_conflict"]');
    await poll(() => row.count()).toBe(1);
    expect(await row.getAttribute("data-status")).toBe("open");
    // Its time is the node's (UTC+8), labelled, not New York's.
    const createdAt = Date.parse(alerts.body.alerts[0].createdAt) / 1000;
    const cell = (await row.locator("td").first().textContent()) ?? "";
    expect(cell).toContain(nodeTime(createdAt));
    expect(cell).toContain("UTC+8");
    // The node's English message, worded in the page's language from the alert's evidence.
    expect(await row.getByTestId("alert-text").textContent()).toMatch(/^序号 \d+ 的第二条不同读数.*被拒绝/);

    // No name is asked: the node records the signed-in account.
    await row.getByTestId("acknowledge").click();
    await poll(() => row.getAttribute("data-status")).toBe("acknowledged");
    expect(await page.getByTestId("sign-in-dialog").count()).toBe(0);
    expect(await row.getByTestId("alert-status").textContent()).toBe("已确认");

    const { body } = await t.get("/v1/alerts?kind=reading_conflict");
    expect(body.alerts).toHaveLength(1);
    expect(body.alerts[0].status).toBe("acknowledged");
    expect(body.alerts[0].acknowledgedBy.toLowerCase()).toBe(operator.address.toLowerCase());
  });

  it("counts on a region's tile the open alerts its link lists (not the acknowledged one)", async () => {
    const open = (await t.get("/v1/alerts?region=CN-GD&status=open")).body.alerts.length;
    await page.goto(`${t.node.apiUrl}/`);
    const badge = page.getByTestId("tile-CN-GD").getByTestId("open-alerts");
    await poll(() => badge.textContent()).toMatch(/\d+$/);
    expect(Number((await badge.textContent())!.match(/(\d+)$/)![1])).toBe(open);
    // The renewable share says what it is a share of, with its definition.
    const share = page.getByTestId("tile-CN-GD").getByTestId("renewable-share");
    expect(await share.textContent()).toContain("可再生能源发电占比");
    expect(await share.getAttribute("title")).toContain("不是占用电量的比例");
    // Gas as a quantity with its unit, not a bare 0.
    expect(await page.getByTestId("tile-CN-GD").getByTestId("gas").textContent()).toMatch(
      /天然气用量\d[\d,.]* (L|m³)$/,
    );
    await shot(page, "overview");
    await badge.click();
    await page.waitForURL(/status=open/);
    await poll(() => page.getByTestId("alerts-count").textContent()).toContain(`共 ${open} 条`);
  });

  it("opens the alert with its evidence reading and verifies that reading in the browser", async () => {
    const { status, body } = await t.get("/v1/alerts?kind=reading_conflict");
    expect(status, "GET /v1/alerts answers").toBe(200);
    await page.goto(`${t.node.apiUrl}/#/alerts/${body.alerts[0].id}`);
    await poll(() => page.getByTestId("alert-text").textContent()).toContain("第二条不同读数");
    expect(await page.getByTestId("original-message").textContent()).toMatch(
      /a second, different reading with seq \d+ was refused/,
    );
    const evidence = page.getByTestId("evidence-readings");
    await poll(() => evidence.getByTestId("evidence-row").count()).toBeGreaterThanOrEqual(1);
    // A table a person reads: the interval in the node's zone, the import with its unit; the JSON hidden.
    const stored = (await t.get(`/v1/readings/${consumer.deviceId.slice(2)}/3`)).body.reading;
    const interval = (await evidence.getByTestId("evidence-interval").first().textContent()) ?? "";
    expect(interval).toContain(nodeTime(stored.intervalStart));
    expect(interval).toContain("UTC+8");
    expect(await evidence.getByTestId("evidence-import").first().textContent()).toBe(`${importDelta} Wh`);
    expect(await page.locator('[data-testid="raw-evidence"] pre').isVisible()).toBe(false);
    await shot(page, "alert");
    await page.locator('[data-testid="raw-evidence"] summary').click();
    expect(await page.locator('[data-testid="raw-evidence"] pre').isVisible()).toBe(true);
    // The refused duplicate beside the stored reading: only the import delta was changed, named in Chinese.
    const differing = page.locator('[data-testid="refused-comparison"] tr[data-differs="true"]');
    await poll(() => differing.count()).toBe(1);
    expect(await differing.getAttribute("data-field")).toBe("importDelta");
    expect(await differing.locator("td").first().textContent()).toBe("时段输入量");
    await evidence.getByRole("link").first().click();
    await page.waitForURL(/#\/explorer\?device=/);
    const verdict = page.getByTestId("verification");
    await poll(() => verdict.getAttribute("data-verified")).toBe("true");
  });

  it("looks a reading up by device and seq, shows its proof and on-chain root, and verifies it", async () => {
    await page.goto(`${t.node.apiUrl}/#/explorer`);
    await page.getByTestId("lookup-device").fill(consumer.deviceId.slice(2));
    await page.getByTestId("lookup-seq").fill("2");
    await page.getByTestId("lookup-submit").click();
    const verdict = page.getByTestId("verification");
    await poll(() => verdict.getAttribute("data-verified")).toBe("true");
    expect(await verdict.textContent()).toContain("已验证");
    for (const check of ["leaf", "path", "batch", "chainRoot", "leafCount", "signature"]) {
      expect(await page.getByTestId(`check-${check}`).getAttribute("data-ok")).toBe("true");
    }
    const proof = (await t.get(`/v1/readings/${consumer.deviceId.slice(2)}/2/proof`)).body;
    expect(await page.getByTestId("proof-root").textContent()).toBe(proof.root);
    // The reading's fields named in Chinese, its interval start a date in the node's zone, not 1796193900.
    const start = page.locator('[data-testid="reading-fields"] [data-field="intervalStart"]');
    expect(await start.locator("dt").textContent()).toBe("计量时段起点");
    expect(await start.locator("dd").textContent()).toBe(`${nodeTime(proof.reading.intervalStart)}（UTC+8）`);
    expect(
      await page.locator('[data-testid="reading-fields"] [data-field="importDelta"] dd').textContent(),
    ).toBe(`${importDelta} Wh`);
    expect(
      await page.locator('[data-testid="reading-fields"] [data-field="commodity"] dd').textContent(),
    ).toBe("电力");
    expect(await page.getByTestId("chain-root").textContent()).toBe(`0x${proof.root}`);

    await page.getByTestId("language-toggle").click();
    await poll(() => verdict.textContent()).toContain("Verified ✓");
    expect(await start.locator("dt").textContent()).toBe("Interval start");
    expect(await start.locator("dd").textContent()).toBe(`${nodeTime(proof.reading.intervalStart)} (UTC+8)`);
    await shot(page, "explorer-en");
    await page.getByTestId("language-toggle").click();

    // Anchors by region and interval, each checked against the chain; the anchoring transactions among the blocks.
    // The default range holds the latest anchored batches, newest first, times in the node's zone.
    expect(await page.getByTestId("anchors-from").inputValue()).toBe("");
    await page.getByTestId("anchors-region").selectOption("CN-GD");
    const anchors = page.locator('[data-testid="anchors-table"] tbody tr');
    await poll(() => anchors.count()).toBe(count);
    const latest = (await t.get("/v1/anchors?region=CN-GD&order=desc&limit=1")).body.batches[0];
    expect(await anchors.first().getByTestId("anchor-interval").textContent()).toBe(
      `${nodeTime(latest.intervalStart)}（UTC+8）`,
    );
    expect(await anchors.first().getByTestId("anchor-import").textContent()).toMatch(/ (k)?Wh$/);
    await anchors.first().getByRole("button").click();
    await poll(() => anchors.first().textContent()).toContain("链上根一致 ✓");
    await shot(page, "explorer");
    const blocks = page.getByTestId("blocks-table");
    await poll(() => blocks.textContent()).toContain("MeterAnchor");
    expect(await blocks.textContent()).toContain("anchor");
  });

  it("shows a tampered proof as not verified, with the reason", async () => {
    const proof = (await t.get(`/v1/readings/${consumer.deviceId.slice(2)}/3/proof`)).body;
    expect(proof.auditPath.length).toBeGreaterThanOrEqual(1);
    await page.goto(`${t.node.apiUrl}/#/explorer`);
    await page.locator("summary").click();
    const verdict = page.getByTestId("verification");
    const cases = [
      { ...proof, auditPath: [flipHexDigit(proof.auditPath[0], 17), ...proof.auditPath.slice(1)] },
      { ...proof, root: flipHexDigit(proof.root, 40) },
    ];
    for (const tampered of cases) {
      await page.getByTestId("proof-json").fill(JSON.stringify(tampered, null, 2));
      await page.getByTestId("verify-pasted").click();
      await poll(() => verdict.getAttribute("data-verified")).toBe("false");
      expect(await verdict.textContent()).toContain("未通过验证");
      expect(await verdict.textContent()).toContain("审计路径无法从叶节点通向证明中的根");
      expect(await page.getByTestId("check-path").getAttribute("data-ok")).toBe("false");
      // The untouched proof, pasted the same way, verifies: the refusal is the tampering's doing.
      await page.getByTestId("proof-json").fill(JSON.stringify(proof));
      await page.getByTestId("verify-pasted").click();
      await poll(() => verdict.getAttribute("data-verified")).toBe("true");
    }
  });

  it("shows the node's status in the header: ok, then degraded with the reason while a batch is quarantined", async () => {
    await page.goto(`${t.node.apiUrl}/`);
    const indicator = page.getByTestId("node-status");
    await poll(() => indicator.getAttribute("data-status")).toBe("ok");
    expect(await indicator.textContent()).toContain("节点正常");
    // A batch the chain refused (set aside by hand here, as the anchorer would).
    const region = (await t.node.context.store.getRegion("CN-GD"))!;
    await t.node.context.db.query(
      `insert into reading_batches (region_id, commodity, interval_start, part, root, leaf_count, import_total, export_total, status, status_reason)
       values ($1, 5, 1000000800, 0, $2, 1, 0, 0, 'quarantined', 'METER_ANCHOR_INVALID_COMMODITY')`,
      [region.regionId, `0x${"ab".repeat(32)}`],
    );
    try {
      await page.reload();
      await poll(() => indicator.getAttribute("data-status")).toBe("degraded");
      expect(await indicator.textContent()).toContain("节点异常");
      expect(await indicator.getAttribute("title")).toContain("1 batch(es) quarantined");
      await indicator.click();
      const panel = page.getByTestId("node-status-panel");
      await poll(() => panel.textContent()).toContain("已隔离批次1");
    } finally {
      await t.node.context.db.query(
        "delete from reading_batches where commodity = 5 and interval_start = 1000000800",
      );
    }
  });
});
