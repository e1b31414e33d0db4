import { evEnergyWh, gasFlowLph, type LoadContext, loadPowerW } from "./loadShapes.js";
import type { Province } from "./provinces.js";
import { clamp, unit } from "./random.js";
import type { DeviceModel, Scenario, SimDevice } from "./scenario.js";
import { localTime } from "./simClock.js";
import { pvPowerW } from "./solar.js";
import { skyTransmission, temperatureC, windPowerW, windSpeedMs } from "./weather.js";

/** What a meter adds to its registers in one interval (Wh, or litres of gas). */
export type IntervalEnergy = { importDelta: bigint; exportDelta: bigint };

/** The weather and calendar of a province at one sample instant. */
type Sample = { t: number; context: LoadContext; transmission: number; windMs: number };

/** Share of the time a wind farm's turbines are available. */
const windAvailability = 0.97;

/** Seconds between the instants at which power is sampled inside an interval (midpoint rule). */
const sampleSeconds = 180;

/**
 * The energy every device of `scenario` meters in [start, start + duration) (Unix seconds), in the
 * order of `scenario.devices`. Power is integrated over samples every ~3 minutes; household and
 * enterprise loads carry ±25% / ±10% noise per interval and ±10% per day. A prosumer's load and PV
 * are netted at each sample (import and export registers). A feeder meters the net import of its
 * members plus technical losses: at a net flow F it reads F × (1 + loss) when importing and
 * |F| × (1 − loss) when exporting, loss growing linearly from `lossBand.minBp` at no load to
 * `lossBand.maxBp` at the feeder's rating (I²R losses are proportional to current). Pure: the same
 * scenario and interval always give the same energies.
 */
export function simulateInterval(scenario: Scenario, start: number, duration: number): IntervalEnergy[] {
  const steps = Math.max(1, Math.round(duration / sampleSeconds));
  const stepHours = duration / steps / 3600;
  const samples = new Map<Province, Sample[]>();
  const samplesOf = (province: Province): Sample[] => {
    let list = samples.get(province);
    if (!list) {
      list = [];
      for (let k = 0; k < steps; k++) {
        const t = start + (k + 0.5) * (duration / steps);
        const { hour, weekend } = localTime(t);
        list.push({
          t,
          context: { hour, weekend, temperatureC: temperatureC(scenario.seed, province, t), province },
          transmission: skyTransmission(scenario.seed, province, t),
          windMs: windSpeedMs(scenario.seed, province, t),
        });
      }
      samples.set(province, list);
    }
    return list;
  };

  const energies: IntervalEnergy[] = scenario.devices.map((device) => {
    if (device.model.type === "feeder") return { importDelta: 0n, exportDelta: 0n };
    const { imported, exported } = deviceEnergy(scenario.seed, device, device.model, {
      start,
      duration,
      stepHours,
      samples: samplesOf(device.province),
    });
    return { importDelta: wh(imported), exportDelta: wh(exported) };
  });

  for (const [index, device] of scenario.devices.entries()) {
    if (device.model.type !== "feeder") continue;
    let net = 0n;
    for (const member of device.model.members) {
      const energy = energies[member];
      if (energy) net += energy.importDelta - energy.exportDelta;
    }
    const flow = net < 0n ? -net : net;
    const load = device.model.ratingW > 0 ? (Number(flow) * 3600) / duration / device.model.ratingW : 0;
    const { minBp, maxBp } = scenario.lossBand;
    const lossBp = BigInt(Math.round(minBp + (maxBp - minBp) * clamp(load, 0, 1)));
    const loss = (flow * lossBp + 5000n) / 10_000n;
    energies[index] =
      net >= 0n
        ? { importDelta: flow + loss, exportDelta: 0n }
        : { importDelta: 0n, exportDelta: flow - loss };
  }
  return energies;
}

type Window = { start: number; duration: number; stepHours: number; samples: Sample[] };

function deviceEnergy(
  seed: number,
  device: SimDevice,
  model: Exclude<DeviceModel, { type: "feeder" }>,
  window: Window,
): { imported: number; exported: number } {
  const { samples, stepHours, start } = window;
  const noise = (spread: number) => {
    const day = localTime(start).dayIndex;
    return (
      (1 + spread * (2 * unit(seed, device.stream, start, 7) - 1)) *
      (1 + 0.1 * (2 * unit(seed, device.stream, day, 8) - 1))
    );
  };
  let imported = 0;
  let exported = 0;
  switch (model.type) {
    case "household": {
      const factor = noise(0.25);
      for (const s of samples)
        imported += loadPowerW("household", model.dailyWh, s.context) * factor * stepHours;
      break;
    }
    case "prosumer": {
      const factor = noise(0.25);
      for (const s of samples) {
        const net =
          loadPowerW("household", model.dailyWh, s.context) * factor -
          pvPowerW(model.pvW, s.t, device.province, s.transmission);
        if (net >= 0) imported += net * stepHours;
        else exported -= net * stepHours;
      }
      break;
    }
    case "enterprise": {
      const factor = noise(0.1);
      for (const s of samples)
        imported += loadPowerW(model.shape, model.dailyWh, s.context) * factor * stepHours;
      break;
    }
    case "gas": {
      const factor = noise(0.1);
      for (const s of samples) imported += gasFlowLph(model.shape, model, s.context) * factor * stepHours;
      break;
    }
    case "ev-charger":
      imported = evEnergyWh(seed, device.stream, model.charger, start, start + window.duration);
      break;
    case "wind-farm":
      for (const s of samples)
        exported += windPowerW(model.capacityW, s.windMs) * windAvailability * stepHours;
      break;
    case "solar-plant":
      for (const s of samples)
        exported += pvPowerW(model.capacityW, s.t, device.province, s.transmission) * stepHours;
      break;
  }
  return { imported, exported };
}

/** A non-negative energy rounded to a whole Wh (or litre). */
function wh(value: number): bigint {
  return BigInt(Math.max(0, Math.round(value)));
}
