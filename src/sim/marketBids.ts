import type { Address, Hex } from "viem";
import { hashString, unit } from "./random.js";
import type { Scenario } from "./scenario.js";
import { simulateInterval } from "./simulateInterval.js";

/** A simulated device that trades in the demo market: its scenario name, its registered id and its owner. */
export type BiddingDevice = { name: string; deviceId: Hex; account: Address };

/** The grid operator's tariffs of a market, settlement-token base units per kWh. */
export type BidTariffs = { retailPrice: bigint; feedInPrice: bigint };

/** One order the simulator means to place for a slot (side 0 = buy, 1 = sell, as the EIP-712 Order has it). */
export type PlannedOrder = {
  name: string;
  device: Hex;
  account: Address;
  side: 0 | 1;
  energyWh: bigint;
  limitPrice: bigint;
  nonce: bigint;
};

/** Below this many Wh a device places no order for the slot (a PV roof at dusk, a household asleep). */
export const minOrderWh = 10n;
/** The market's upper bound on an order's energy (MARKET_QUANTITY_INVALID above it). */
const maxOrderWh = 10_000_000n;

/**
 * The orders the demo's simulated prosumers place for one delivery slot, from the scenario's own
 * forecast of that slot (`simulateInterval`, the energies the meters will report): a PV prosumer
 * (`prosumer` model) offers its expected export, a household (`household` model) bids for its
 * expected import; other devices place none. Each quantity is the forecast times a deterministic
 * forecast error of 90–110 %, so some slots end short and some in excess of what was traded (the
 * grid operator's part of the settlement). Prices lie between the feed-in and the retail tariff: a
 * seller asks feed-in + 10–60 % of the spread, a buyer bids feed-in + 40–95 % of it, so most slots
 * cross. The nonce is `slot × 1000 + the device's position in `devices``: the same slot always gives
 * the same orders (the node refuses a second copy with MARKET_NONCE_REUSED), and a browser's random
 * 63-bit nonces do not meet them. Pure.
 */
export function planSlotOrders(input: {
  scenario: Scenario;
  slot: number;
  slotSeconds: number;
  devices: readonly BiddingDevice[];
  tariffs: BidTariffs;
}): PlannedOrder[] {
  const { scenario, slot, slotSeconds, tariffs } = input;
  const index = new Map(scenario.devices.map((d, i) => [d.name, i]));
  const energies = simulateInterval(scenario, slot, slotSeconds);
  const spread = tariffs.retailPrice > tariffs.feedInPrice ? tariffs.retailPrice - tariffs.feedInPrice : 0n;
  const orders: PlannedOrder[] = [];
  for (const [position, device] of input.devices.entries()) {
    const i = index.get(device.name);
    const sim = i === undefined ? undefined : scenario.devices[i];
    const energy = i === undefined ? undefined : energies[i];
    if (!sim || !energy) continue;
    const side = sim.model.type === "prosumer" ? 1 : sim.model.type === "household" ? 0 : undefined;
    if (side === undefined) continue;
    const draw = (k: number) => unit(scenario.seed, hashString(`market/${device.name}`), slot, k);
    const expected = side === 1 ? energy.exportDelta : energy.importDelta;
    const errorPercent = BigInt(90 + Math.floor(21 * draw(1)));
    let energyWh = (expected * errorPercent) / 100n;
    if (energyWh > maxOrderWh) energyWh = maxOrderWh;
    if (energyWh < minOrderWh) continue;
    const percent = BigInt(side === 1 ? 10 + Math.floor(51 * draw(2)) : 40 + Math.floor(56 * draw(2)));
    const limitPrice = tariffs.feedInPrice + (spread * percent) / 100n;
    orders.push({
      name: device.name,
      device: device.deviceId,
      account: device.account,
      side,
      energyWh,
      limitPrice: limitPrice < 1n ? 1n : limitPrice,
      nonce: BigInt(slot) * 1000n + BigInt(position),
    });
  }
  return orders;
}

/**
 * The slots the simulator still bids for at `now` (unix seconds): the next `ahead` slot starts whose
 * gate closure (`slot − gateClosureSeconds`) is at least `marginSeconds` away, oldest first.
 */
export function openSlots(
  now: number,
  market: { slotSeconds: number; gateClosureSeconds: number },
  ahead = 2,
  marginSeconds = 5,
): number[] {
  const { slotSeconds, gateClosureSeconds } = market;
  let slot = Math.ceil((now + gateClosureSeconds + marginSeconds) / slotSeconds) * slotSeconds;
  const slots: number[] = [];
  for (let k = 0; k < ahead; k++, slot += slotSeconds) slots.push(slot);
  return slots;
}
