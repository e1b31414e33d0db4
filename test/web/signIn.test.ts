import { mkdir } from "node:fs/promises";
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
import {
  admitMember,
  grantRole,
  injectWallet,
  newAccount,
  ownedDevice,
  signInWithKeyFile,
  type TestAccount,
} from "./accounts.js";
import { browserAvailable, ensureWebBuilt, launchChromium } from "./browser.js";

const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000 });

/** Screenshots of each role's pages, to look at by eye: GRIDLEDGER_SCREENSHOTS, else /tmp/shots. */
const shotsDir = process.env.GRIDLEDGER_SCREENSHOTS ?? "/tmp/shots";
const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${shotsDir}/${name}.png`, fullPage: true });

describe.runIf(browserAvailable())("signing in to the dashboard as different actors", () => {
  let t: MeteringNode;
  let keys: Awaited<ReturnType<typeof tempDir>>;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let regulator: TestAccount;
  let prosumer: TestAccount;
  let neighbour: TestAccount;
  let operator: TestAccount;
  let mine: DeviceKey;
  let theirs: DeviceKey;

  /** Sends readings of `device` and a conflicting duplicate, so each device has one reading_conflict alert. */
  const readingsWithConflict = async (device: DeviceKey) => {
    const readings = readingSeries(device, { start: intervalAgo(6), count: 4, importDelta: 300n });
    const sent = await t.post("/v1/readings", { readings: asJson(readings) });
    expect(sent.body.results.every((r: Json) => r.status === "accepted")).toBe(true);
    const original = readings[1]!;
    const conflicting = signReading(device, { ...original, importDelta: original.importDelta + 1n });
    await t.post("/v1/readings", { readings: asJson([conflicting]) });
  };

  const freshPage = async () => {
    for (const open of context.pages()) await open.close();
    await context.clearCookies();
    return context.newPage();
  };

  beforeAll(async () => {
    const built = ensureWebBuilt();
    await mkdir(shotsDir, { recursive: true });
    t = await startMeteringNode();
    await seedDemoRegions(t.node.context);
    keys = await tempDir();
    regulator = await newAccount(keys.dir, "regulator");
    prosumer = await newAccount(keys.dir, "prosumer");
    neighbour = await newAccount(keys.dir, "neighbour");
    operator = await newAccount(keys.dir, "region-operator");
    const community = (await newAccount(keys.dir, "community")).address;
    await admitMember(t, community, "珠江社区", ["community"]);
    await admitMember(t, prosumer.address, "李家", ["prosumer"]);
    await admitMember(t, neighbour.address, "王家", ["prosumer"]);
    await grantRole(t, regulator.address, "regulator");
    await grantRole(t, prosumer.address, "prosumer", { community });
    await grantRole(t, neighbour.address, "prosumer", { community });
    await grantRole(t, operator.address, "region-operator", { region: "CN-GD" });
    mine = await ownedDevice(t, { region: "CN-GD", owner: prosumer.address, community });
    theirs = await ownedDevice(t, { region: "CN-ZJ", owner: neighbour.address, community });
    await readingsWithConflict(mine);
    await readingsWithConflict(theirs);
    await t.post("/v1/anchors", {});
    await built;
    chromium = await launchChromium();
    context = chromium.context;
  }, 240_000);

  afterAll(async () => {
    await chromium?.close();
    await t?.stop();
    await keys?.cleanup();
  });

  it("shows a visitor the public pages, and says who may see the others", async () => {
    const page = await freshPage();
    await page.goto(`${t.node.apiUrl}/`);
    await poll(() => page.getByTestId("tile-CN-GD").count()).toBe(1);
    // One device in 广东: too small a group to break down for the public.
    await poll(() => page.getByTestId("tile-CN-GD").getByTestId("suppressed").textContent()).toBe(
      "不予显示：设备少于 5 台",
    );
    // The market's book and results are public: a visitor sees its page too.
    expect(await page.locator("header nav a").allTextContents()).toEqual(["总览", "交易市场", "区块浏览器"]);
    await page.goto(`${t.node.apiUrl}/#/alerts`);
    const refusal = page.getByTestId("needs-sign-in");
    await poll(() => refusal.textContent()).toContain("身份登录后查看");
    expect(await refusal.textContent()).toContain("监管机构");
    expect(await refusal.textContent()).toContain("产消者");
    await page.goto(`${t.node.apiUrl}/#/access-log`);
    await poll(() => refusal.getAttribute("data-action")).toBe("accesslog.read");
    await shot(page, "visitor-access-log");
    // No browser wallet here: the dialog says so and offers the key file.
    await page.getByTestId("sign-in").click();
    const dialog = page.getByTestId("sign-in-dialog");
    await dialog.getByTestId("key-text").fill("0x1234");
    await dialog.getByTestId("sign-in-submit").click();
    await poll(() => dialog.getByTestId("sign-in-error").textContent()).toContain("这不是密钥文件");
    await dialog.getByTestId("sign-in-wallet").click();
    expect(await dialog.textContent()).toContain("此浏览器中没有浏览器钱包");
    expect(await dialog.getByTestId("sign-in-wallet-submit").isDisabled()).toBe(true);
    await shot(page, "visitor-sign-in-dialog");
    await dialog.getByRole("button", { name: "取消" }).click();
    // Nothing of the old shared token is kept in the browser.
    expect(await page.evaluate("Object.keys(localStorage).filter(k => k.includes('token'))")).toEqual([]);
  });

  it("signs a regulator in with a key file: all regions' alerts for a stated purpose, and the access log", async () => {
    const page = await freshPage();
    await page.goto(`${t.node.apiUrl}/`);
    await signInWithKeyFile(page, regulator, "pick");
    expect(await page.getByTestId("whoami-roles").textContent()).toBe("监管机构");
    // The session is an HttpOnly cookie, out of the page's reach.
    const cookie = (await context.cookies()).find((c) => c.name === "gridledger_session");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    expect(await page.evaluate("document.cookie")).not.toContain("gridledger_session");
    await poll(() => page.locator("header nav a").allTextContents()).toContain("访问日志");

    await page.locator("header nav a", { hasText: "预警" }).click();
    await page.getByTestId("purpose-input").fill("2026年12月例行检查");
    await page.getByTestId("purpose-submit").click();
    const rows = page.locator('tr[data-kind="reading_conflict"]');
    await poll(() => rows.count()).toBe(2);
    const regions = await rows.locator("td:nth-child(4)").allTextContents();
    expect(regions.sort()).toEqual(["CN-GD", "CN-ZJ"]);
    // The table lets regulators act on alerts too.
    expect(await page.getByTestId("acknowledge").count()).toBe(2);
    expect(await page.getByTestId("purpose-chip").textContent()).toContain("2026年12月例行检查");
    await shot(page, "regulator-alerts");

    await page.locator("header nav a", { hasText: "访问日志" }).click();
    const logRows = page.getByTestId("log-row");
    await poll(() => logRows.count()).toBeGreaterThan(0);
    const purposes = await page.getByTestId("log-purpose").allTextContents();
    expect(purposes).toContain("2026年12月例行检查");
    await page.getByTestId("verify-log").click();
    await poll(() => page.getByTestId("log-verdict").getAttribute("data-ok")).toBe("true");
    await shot(page, "regulator-access-log");

    await page.getByTestId("sign-out").click();
    await poll(() => page.getByTestId("sign-in").count()).toBe(1);
    await poll(() => page.getByTestId("needs-sign-in").count()).toBe(1);
    expect(await page.getByTestId("log-row").count()).toBe(0);
  });

  it("signs a prosumer in with a pasted key: its own device and alert only, no access log", async () => {
    const page = await freshPage();
    await page.goto(`${t.node.apiUrl}/`);
    await signInWithKeyFile(page, prosumer, "paste");
    expect(await page.getByTestId("whoami-roles").textContent()).toBe("产消者");
    await poll(() => page.locator("header nav a").allTextContents()).toEqual([
      "总览",
      "预警",
      "设备",
      "交易市场",
      "区块浏览器",
    ]);

    await page.locator("header nav a", { hasText: "设备" }).click();
    const devices = page.getByTestId("device-row");
    await poll(() => devices.count()).toBe(1);
    expect(await devices.first().getAttribute("data-device")).toContain(mine.deviceId.slice(2));
    await devices.first().getByRole("link").click();
    await poll(() => page.getByTestId("device-series").locator("tbody tr").count()).toBeGreaterThan(0);
    await shot(page, "prosumer-device");

    await page.locator("header nav a", { hasText: "预警" }).click();
    const rows = page.locator('tr[data-kind="reading_conflict"]');
    await poll(() => rows.count()).toBe(1);
    expect(await rows.first().locator("td:nth-child(4)").textContent()).toBe("CN-GD");
    expect(await page.getByTestId("acknowledge").count()).toBe(0);
    await shot(page, "prosumer-alerts");

    await page.goto(`${t.node.apiUrl}/#/access-log`);
    const refusal = page.getByTestId("needs-sign-in");
    await poll(() => refusal.textContent()).toContain("您的角色（产消者）无权查看此内容");
    await shot(page, "prosumer-access-log");
  });

  it("signs a region operator in with a browser wallet and acknowledges an alert under its address", async () => {
    const page = await freshPage();
    await injectWallet(page, operator);
    await page.goto(`${t.node.apiUrl}/#/alerts?kind=reading_conflict`);
    await page.getByTestId("sign-in").click();
    await page.getByTestId("sign-in-wallet-submit").click();
    await poll(() => page.getByTestId("whoami").getAttribute("data-account")).toBe(operator.address);
    expect(await page.getByTestId("whoami-roles").textContent()).toBe("地区运营方");
    const row = page.locator('tr[data-kind="reading_conflict"]');
    await poll(() => row.count()).toBe(1);
    await row.getByTestId("acknowledge").click();
    await poll(() => row.getAttribute("data-status")).toBe("acknowledged");
    await shot(page, "operator-alerts");
    const { body } = await t.get(`/v1/alerts?kind=reading_conflict&region=CN-GD`);
    expect(body.alerts[0].acknowledgedBy.toLowerCase()).toBe(operator.address.toLowerCase());
  });
});
