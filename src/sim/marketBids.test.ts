import { type Address, getAddress, type Hex, pad, toHex } from "viem";
import { describe, expect, it } from "vitest";
import { type BiddingDevice, openSlots, planSlotOrders } from "./marketBids.js";
import { buildScenario } from "./scenario.js";
import { simulateInterval } from "./simulateInterval.js";

const scenario = buildScenario({ seed: 1, size: "small" });
const tariffs = { retailPrice: 60n, feedInPrice: 30n };
/** Local noon and midnight (UTC+8) of 2025-05-12, a Monday. */
const noon = Date.UTC(2025, 4, 12, 4) / 1000;
const midnight = Date.UTC(2025, 4, 11, 16) / 1000;

const account = (n: number): Address => getAddress(pad(toHex(n), { size: 20 }));
const names = [
  "CN-GD/c01/prosumer-01",
  "CN-GD/c01/prosumer-02",
  "CN-GD/c01/household-04",
  "CN-GD/c01/household-05",
  "CN-GD/c01/household-06",
  "CN-GD/c01/enterprise-01",
];
const devices: BiddingDevice[] = names.map((name, i) => ({
  name,
  deviceId: pad(toHex(1000 + i), { size: 32 }) as Hex,
  account: account(i + 1),
}));

/** What the meters of the slot will report, by device name. */
function metered(slot: number): Map<string, { importDelta: bigint; exportDelta: bigint }> {
  const energies = simulateInterval(scenario, slot, 900);
  return new Map(scenario.devices.map((d, i) => [d.name, energies[i]!]));
}

describe("the demo prosumers' orders for a slot", () => {
  it("at noon: PV roofs offer their surplus and households bid for their load, both at 90–110 % of what their meters will show", () => {
    const orders = planSlotOrders({ scenario, slot: noon, slotSeconds: 900, devices, tariffs });
    const meters = metered(noon);
    const sells = orders.filter((o) => o.side === 1);
    const buys = orders.filter((o) => o.side === 0);
    expect(sells.map((o) => o.name).sort()).toEqual(["CN-GD/c01/prosumer-01", "CN-GD/c01/prosumer-02"]);
    expect(buys.map((o) => o.name).sort()).toEqual([
      "CN-GD/c01/household-04",
      "CN-GD/c01/household-05",
      "CN-GD/c01/household-06",
    ]);
    for (const order of orders) {
      const meter = meters.get(order.name)!;
      const expected = order.side === 1 ? meter.exportDelta : meter.importDelta;
      expect(order.energyWh * 100n).toBeGreaterThanOrEqual(expected * 90n - 100n);
      expect(order.energyWh * 100n).toBeLessThanOrEqual(expected * 110n);
      const device = devices.find((d) => d.name === order.name)!;
      expect(order.device).toBe(device.deviceId);
      expect(order.account).toBe(device.account);
    }
  });

  it("prices every order between the feed-in and the retail tariff, and at noon some bid meets some offer", () => {
    let crossed = 0;
    for (let k = 0; k < 8; k++) {
      const orders = planSlotOrders({ scenario, slot: noon + k * 900, slotSeconds: 900, devices, tariffs });
      for (const o of orders) {
        expect(o.limitPrice).toBeGreaterThanOrEqual(tariffs.feedInPrice);
        expect(o.limitPrice).toBeLessThanOrEqual(tariffs.retailPrice);
      }
      const sells = orders.filter((o) => o.side === 1);
      if (orders.some((b) => b.side === 0 && sells.some((s) => s.limitPrice <= b.limitPrice))) crossed++;
    }
    expect(crossed).toBeGreaterThanOrEqual(6);
  });

  it("at midnight: no PV offers, the households still bid", () => {
    const orders = planSlotOrders({ scenario, slot: midnight, slotSeconds: 900, devices, tariffs });
    expect(orders.filter((o) => o.side === 1)).toEqual([]);
    expect(orders.filter((o) => o.side === 0).length).toBeGreaterThan(0);
  });

  it("places nothing for devices that are not PV prosumers or households, or not in the scenario", () => {
    const others = [
      devices[5]!,
      { name: "CN-XX/c99/household-01", deviceId: pad("0x01", { size: 32 }), account: account(9) },
    ];
    expect(planSlotOrders({ scenario, slot: noon, slotSeconds: 900, devices: others, tariffs })).toEqual([]);
  });

  it("gives the same orders for the same slot again, and nonces never repeated across slots and devices", () => {
    const first = planSlotOrders({ scenario, slot: noon, slotSeconds: 900, devices, tariffs });
    expect(planSlotOrders({ scenario, slot: noon, slotSeconds: 900, devices, tariffs })).toEqual(first);
    const nonces = new Set<bigint>();
    let count = 0;
    for (let k = 0; k < 96; k++) {
      for (const o of planSlotOrders({
        scenario,
        slot: midnight + k * 900,
        slotSeconds: 900,
        devices,
        tariffs,
      })) {
        nonces.add(o.nonce);
        count++;
      }
    }
    expect(nonces.size).toBe(count);
  });
});

describe("the slots still open for orders", () => {
  const market = { slotSeconds: 900, gateClosureSeconds: 300 };

  it("skips a slot whose gate closes within the margin", () => {
    // 10:00:00; the 10:15 slot closes at 10:10, the 10:00 slot is already being delivered.
    expect(openSlots(noon, market)).toEqual([noon + 900, noon + 1800]);
    // 10:09:57: the 10:15 slot closes in 3 s, too late to be sure the order arrives in time.
    expect(openSlots(noon + 597, market)).toEqual([noon + 1800, noon + 2700]);
  });

  it("has every gate closure still ahead", () => {
    for (let now = noon; now < noon + 1800; now += 37) {
      for (const slot of openSlots(now, market, 3)) {
        expect(slot % 900).toBe(0);
        expect(slot - market.gateClosureSeconds).toBeGreaterThan(now);
      }
    }
  });
});
