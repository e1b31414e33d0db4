import { mkdir } from "node:fs/promises";
import type { BrowserContext, Page } from "playwright-core";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/cli.js";
import { readingSeries } from "../helpers/metering.js";
import { type MarketNode, type Prosumer, sendReadings, startMarketNode } from "../market/marketNode.js";
import { newAccount, signInWithKeyFile, type TestAccount } from "./accounts.js";
import { browserAvailable, ensureWebBuilt, launchChromium } from "./browser.js";

const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000 });

/** Screenshots to look at by eye: GRIDLEDGER_SCREENSHOTS, else /tmp/shots. */
const shotsDir = process.env.GRIDLEDGER_SCREENSHOTS ?? "/tmp/shots";
const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${shotsDir}/${name}.png`, fullPage: true });

// A prosumer signs in on the dashboard's market page, places a buy order signed in the browser with
// its key file, sees it in the slot's book, then sees the slot cleared (with an audit that verifies)
// and settled against the anchored readings, with its own settlement line and meter proofs.
describe.runIf(browserAvailable())("the dashboard's market page", () => {
  let t: MarketNode;
  let keys: Awaited<ReturnType<typeof tempDir>>;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let page: Page;
  let buyer: TestAccount;
  let seller: Prosumer;
  let pv: Awaited<ReturnType<MarketNode["device"]>>;
  let meter: Awaited<ReturnType<MarketNode["device"]>>;
  let slot: bigint;
  let realNow: number;

  beforeAll(async () => {
    const built = ensureWebBuilt();
    await mkdir(shotsDir, { recursive: true });
    t = await startMarketNode({ tariffs: { retail: 60n, feedIn: 30n } });
    keys = await tempDir();
    buyer = await newAccount(keys.dir, "buyer");
    await t.prosumer(buyer.key);
    seller = await t.prosumer();
    pv = await t.device(seller.address, "generation");
    meter = await t.device(buyer.address, "consumption");
    await t.fund(buyer.address, 10_000n);
    // A slot that ended a while ago (its readings can be sent and anchored), with the node's clock set
    // 10 minutes before it: its gate (5 minutes before) is still open.
    const now = BigInt(Math.floor(Date.now() / 1000));
    slot = (now / 900n) * 900n - 1800n;
    realNow = t.clock.now;
    t.clock.now = Number(slot - 600n) * 1000;
    await built;
    chromium = await launchChromium();
    context = chromium.context;
    page = await context.newPage();
    await page.goto(`${t.node.apiUrl}/#/market`);
    await signInWithKeyFile(page, buyer, "paste");
    // English labels: this machine's Chromium may have no CJK font, and the screenshots are for reading.
    await page.getByTestId("language-toggle").click();
  }, 240_000);
  afterAll(async () => {
    await chromium?.close();
    await t?.stop();
    await keys?.cleanup();
  });

  const openSlot = async () => {
    await page.goto(`${t.node.apiUrl}/#/market?market=${t.market}&slot=${slot}`);
    await page.reload();
    await page.getByTestId("market-page").waitFor();
  };

  it("places an order signed in the browser with the signed-in account's key and shows it in the book", async () => {
    await openSlot();
    await expect.poll(() => page.getByTestId("market-slot").getAttribute("data-status")).toBe("open");
    const form = page.getByTestId("market-order-form");
    await form.getByTestId("order-slot").selectOption(String(slot));
    await form.getByTestId("order-device").selectOption(meter.id);
    await form.getByTestId("order-side").selectOption("buy");
    await form.getByTestId("order-energy").fill("1500");
    await form.getByTestId("order-price").fill("70");
    await form.getByTestId("order-sign-key").click();
    // Another key than the signed-in account's is refused in the page, before anything is sent.
    const stranger = await newAccount(keys.dir, "stranger");
    await form.getByTestId("order-key-text").fill(stranger.key);
    await form.getByTestId("order-submit").click();
    await expect.poll(() => form.getByTestId("order-error").textContent()).toContain(buyer.address);
    await form.getByTestId("order-key-text").fill(buyer.key);
    await form.getByTestId("order-submit").click();
    const placed = form.getByTestId("order-placed");
    await placed.waitFor({ timeout: 15_000 });
    const digest = (await placed.getAttribute("data-digest")) as Hex;
    expect(digest).toMatch(/^0x[0-9a-f]{64}$/);

    const book = await t.request("GET", `/v1/market/markets/${t.market}/slots/${slot}/book`);
    expect(book.body.bids).toEqual([{ price: "70", energyWh: "1500", orders: "1" }]);
    // A neighbour's PV offer, placed over the API: the depth chart shows both sides.
    const sell = await t.signOrder(seller, {
      slot,
      side: 1,
      device: pv.id,
      energyWh: 2_000n,
      limitPrice: 50n,
      nonce: 1n,
      expiry: slot,
    });
    expect((await t.request("POST", "/v1/market/orders", sell)).status).toBe(201);
    await openSlot();
    await page.getByTestId("market-depth").waitFor();
    await poll(() => page.locator('[data-testid="market-depth"] .recharts-line').count()).toBe(2);
    await poll(() => page.getByTestId("market-my-order").getAttribute("data-status")).toBe("open");
    expect(await page.getByTestId("market-my-order").getAttribute("data-digest")).toBe(digest);
    await shot(page, "market-book");
  });

  it("shows the slot cleared at gate closure, with an audit that verifies the chain's commitment", async () => {
    t.clock.now = realNow;
    expect(await t.runJobs()).toMatchObject({ failed: 0 });
    await openSlot();
    await poll(() => page.getByTestId("market-slot").getAttribute("data-status")).toBe("cleared");
    // Midpoint of the marginal bid (70) and offer (50).
    await poll(() => page.getByTestId("market-result-price").textContent()).toContain("60");
    await page.getByTestId("market-audit").click();
    const verdict = page.getByTestId("market-audit-result");
    await verdict.waitFor();
    expect(await verdict.getAttribute("data-verified")).toBe("true");
    await poll(() => page.getByTestId("market-my-order").getAttribute("data-status")).toBe("included");
    await shot(page, "market-cleared");
  });

  it("shows the slot settled from the anchored readings, with the buyer's statement line and meter proofs", async () => {
    await sendReadings(
      t,
      readingSeries(pv.key, { start: slot, count: 1, importDelta: 0n, exportDelta: 1_200n }),
    );
    await sendReadings(t, readingSeries(meter.key, { start: slot, count: 1, importDelta: 1_800n }));
    expect((await t.request("POST", "/v1/anchors", {})).status).toBe(200);
    expect(await t.runJobs()).toMatchObject({ failed: 0 });
    await openSlot();
    await poll(() => page.getByTestId("market-slot").getAttribute("data-status")).toBe("settled");
    await poll(() => page.getByTestId("market-settlement-root").textContent()).toMatch(/0x[0-9a-f]/);
    const line = page.getByTestId("market-statement-line");
    await line.first().waitFor({ timeout: 15_000 });
    // 1500 Wh bought at 60 fen/kWh: 90 fen paid; 300 Wh more imported at retail (60): 18 fen to the grid.
    const text = await line.first().textContent();
    expect(text).toContain("90");
    expect(text).toContain("-18");
    expect(await page.getByTestId("market-meter-proof").count()).toBeGreaterThan(0);
    await shot(page, "market-settled");
  });
});
