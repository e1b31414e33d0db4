import { BaseError } from "../core/errors.js";
import type { CommodityName } from "../metering/readingFormat.js";
import type { DeviceKind, EnergySource } from "../registry/deviceTypes.js";
import type { EvCharger } from "./loadShapes.js";
import { type Province, provinces } from "./provinces.js";
import { hashString, unit } from "./random.js";

/** How many devices of each sort a province gets. */
export type ScenarioCounts = {
  communities: number;
  /** Per community. */
  households: number;
  /** Rooftop-PV prosumers per community. */
  prosumers: number;
  /** Enterprises (an office or a factory) per community. */
  enterprises: number;
  /** EV chargers per community. */
  evChargers: number;
  /** Utility wind farms, and as many PV plants, per province. */
  plants: number;
  /** A gas meter next to each enterprise's electricity meter. */
  gasMeters: boolean;
};

/** Named sizes: communities × households per province; the rest follows the households. */
export const sizePresets = {
  small: { communities: 2, households: 6 },
  medium: { communities: 4, households: 25 },
  large: { communities: 10, households: 50 },
} as const;

/** A named size or explicit counts (missing counts follow from `households`). */
export type SimSize =
  | keyof typeof sizePresets
  | ({ communities: number; households: number } & Partial<ScenarioCounts>);

/** The full counts of a size: a prosumer per 4 households, an enterprise per 12, an EV charger per 8. */
export function resolveSize(size: SimSize): ScenarioCounts {
  const base = typeof size === "string" ? sizePresets[size] : size;
  if (!base) throw invalidSize(String(size));
  const { communities, households } = base;
  const counts: ScenarioCounts = {
    communities,
    households,
    prosumers: Math.round(households / 4),
    enterprises: Math.max(1, Math.round(households / 12)),
    evChargers: Math.max(1, Math.round(households / 8)),
    plants: communities <= 2 ? 1 : communities <= 5 ? 2 : 3,
    gasMeters: true,
    ...(typeof size === "string" ? {} : size),
  };
  for (const [key, value] of Object.entries(counts)) {
    if (typeof value === "number" && (!Number.isInteger(value) || value < 0 || value > 10_000)) {
      throw invalidSize(`${key}=${value}`);
    }
  }
  if (counts.communities < 1) throw invalidSize("communities=0");
  return counts;
}

/** Parses `small`, `medium`, `large` or `<communities>x<households>` (e.g. `4x25`). */
export function parseSize(text: string): SimSize {
  const name = text.trim().toLowerCase();
  if (name in sizePresets) return name as keyof typeof sizePresets;
  const match = /^(\d+)x(\d+)$/.exec(name);
  if (!match) throw invalidSize(text);
  return { communities: Number(match[1]), households: Number(match[2]) };
}

function invalidSize(value: string): BaseError {
  return new BaseError(
    "SIM_INVALID_SIZE",
    `size must be small, medium, large or <communities>x<households> such as 4x25, got "${value}"`,
    { details: { size: value } },
  );
}

/** What drives a device's readings. */
export type DeviceModel =
  | { type: "household"; dailyWh: number }
  | { type: "prosumer"; dailyWh: number; pvW: number }
  | { type: "enterprise"; shape: "office" | "factory"; dailyWh: number }
  | { type: "gas"; shape: "office" | "factory"; heatingLph: number; processLph: number }
  | { type: "ev-charger"; charger: EvCharger }
  | { type: "wind-farm"; capacityW: number }
  | { type: "solar-plant"; capacityW: number }
  /** Indices (in `Scenario.devices`) of the meters behind the feeder; `ratingW` scales its losses. */
  | { type: "feeder"; members: number[]; ratingW: number };

/** One simulated meter. */
export type SimDevice = {
  /** Stable name, e.g. `CN-GD/c01/household-03`; the state file is keyed by it. */
  name: string;
  /** Random stream of the device, from its name. */
  stream: number;
  province: Province;
  /** Name of the community (`CN-GD/c01`), or null for utility plants. */
  community: string | null;
  kind: DeviceKind;
  source: EnergySource;
  commodity: CommodityName;
  /** Registered capacity in W (connection, peak PV, charger or plant rating; 0 for gas). */
  capacityW: number;
  model: DeviceModel;
  /** Register values when the simulation starts (meters were installed years ago). */
  initialImport: number;
  initialExport: number;
};

/** Technical losses of a feeder, basis points of the flow: from `minBp` at no load to `maxBp` at its rating. */
export type LossBand = { minBp: number; maxBp: number };

/** All devices of a simulation and what they depend on. */
export type Scenario = { seed: number; counts: ScenarioCounts; lossBand: LossBand; devices: SimDevice[] };

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * Builds the device list: per province, `communities` communities of households, prosumers,
 * enterprises (with gas meters), EV chargers and one feeder meter, plus utility wind and PV plants.
 * Every parameter is drawn from the seed and the device's name, so the same seed and size always
 * give the same devices.
 */
export function buildScenario(options: { seed: number; size: SimSize; lossBand?: LossBand }): Scenario {
  const counts = resolveSize(options.size);
  const lossBand = options.lossBand ?? { minBp: 200, maxBp: 400 };
  const { seed } = options;
  const devices: SimDevice[] = [];
  const add = (device: Omit<SimDevice, "stream" | "initialImport" | "initialExport">, years: number) => {
    const stream = hashString(device.name);
    const draw = (k: number) => unit(seed, stream, 0, k);
    const days = 365 * (years > 0 ? 1 + (years - 1) * draw(90) : 0);
    const { imported, exported } = yearlyEnergy(device.model);
    devices.push({
      ...device,
      stream,
      initialImport: Math.round(imported * (days / 365)),
      initialExport: Math.round(exported * (days / 365)),
    });
    return devices.length - 1;
  };
  for (const province of provinces) {
    for (let c = 1; c <= counts.communities; c++) {
      const community = `${province.code}/c${pad(c)}`;
      const members: number[] = [];
      const draw = (name: string, k: number) => unit(seed, hashString(`${community}/${name}`), 0, k);
      const base = { province, community, source: "none" as const, commodity: "electricity" as const };
      for (let i = 1; i <= counts.households; i++) {
        const name = `household-${pad(i)}`;
        const dailyWh = Math.round(8000 * province.householdScale * (0.6 + 0.8 * draw(name, 1)));
        const model = { type: "household", dailyWh } as const;
        members.push(
          add({ ...base, name: `${community}/${name}`, kind: "consumption", capacityW: 8000, model }, 5),
        );
      }
      for (let i = 1; i <= counts.prosumers; i++) {
        const name = `prosumer-${pad(i)}`;
        const dailyWh = Math.round(10_000 * province.householdScale * (0.6 + 0.8 * draw(name, 1)));
        const pvW = 100 * Math.round(30 + 70 * draw(name, 2));
        const model = { type: "prosumer", dailyWh, pvW } as const;
        // Registered with its rooftop PV as source: its export is solar generation, not export of unknown origin.
        const prosumer = { ...base, source: "solar" as const, name: `${community}/${name}` };
        members.push(add({ ...prosumer, kind: "bidirectional", capacityW: pvW, model }, 3));
      }
      for (let i = 1; i <= counts.enterprises; i++) {
        const name = `enterprise-${pad(i)}`;
        const shape = draw(name, 1) < 0.55 ? ("office" as const) : ("factory" as const);
        const u = draw(name, 2);
        const dailyWh = Math.round(shape === "office" ? 150_000 + 350_000 * u : 600_000 + 1_900_000 * u);
        const capacityW = 1000 * Math.ceil(dailyWh / 12 / 1000);
        const model = { type: "enterprise", shape, dailyWh } as const;
        members.push(
          add({ ...base, name: `${community}/${name}`, kind: "consumption", capacityW, model }, 8),
        );
        if (counts.gasMeters) {
          const heatingLph = 1500 + 2500 * draw(name, 3);
          const processLph = shape === "factory" ? 15_000 + 35_000 * draw(name, 4) : 0;
          const gas = { type: "gas", shape, heatingLph, processLph } as const;
          add(
            {
              ...base,
              commodity: "gas",
              name: `${community}/${name}-gas`,
              kind: "consumption",
              capacityW: 0,
              model: gas,
            },
            8,
          );
        }
      }
      for (let i = 1; i <= counts.evChargers; i++) {
        const name = `ev-${pad(i)}`;
        const powerW = [3500, 7000, 7000, 11_000][Math.floor(4 * draw(name, 1))] ?? 7000;
        const model = {
          type: "ev-charger",
          charger: { powerW, minSessionWh: 6000, maxSessionWh: 40_000 },
        } as const;
        members.push(
          add({ ...base, name: `${community}/${name}`, kind: "ev-charger", capacityW: powerW, model }, 2),
        );
      }
      const ratingW = Math.round(members.reduce((sum, i) => sum + peakW((devices[i] as SimDevice).model), 0));
      const model = { type: "feeder", members, ratingW } as const;
      add({ ...base, name: `${community}/feeder`, kind: "feeder", capacityW: ratingW, model }, 10);
    }
    for (let i = 1; i <= counts.plants; i++) {
      const plant = { province, community: null, kind: "generation", commodity: "electricity" } as const;
      const windW =
        1e4 *
        Math.round(
          (province.windFarmW / 1e4) *
            (0.8 + 0.4 * unit(seed, hashString(`${province.code}/wind-${i}`), 0, 1)),
        );
      const solarW =
        1e4 *
        Math.round(
          (province.solarPlantW / 1e4) *
            (0.8 + 0.4 * unit(seed, hashString(`${province.code}/solar-${i}`), 0, 1)),
        );
      add(
        {
          ...plant,
          name: `${province.code}/wind-${i}`,
          source: "wind",
          capacityW: windW,
          model: { type: "wind-farm", capacityW: windW },
        },
        6,
      );
      add(
        {
          ...plant,
          name: `${province.code}/solar-${i}`,
          source: "solar",
          capacityW: solarW,
          model: { type: "solar-plant", capacityW: solarW },
        },
        4,
      );
    }
  }
  return { seed, counts, lossBand, devices };
}

/** A rough peak of a member's demand, W: what sizes its feeder. */
function peakW(model: DeviceModel): number {
  switch (model.type) {
    case "household":
    case "prosumer":
      return (model.dailyWh / 24) * 2.5;
    case "enterprise":
      return (model.dailyWh / 24) * 1.8;
    case "ev-charger":
      return model.charger.powerW;
    default:
      return 0;
  }
}

/** Typical energy a year, imported and exported (Wh, or litres of gas), to start registers at a plausible value. */
function yearlyEnergy(model: DeviceModel): { imported: number; exported: number } {
  switch (model.type) {
    case "household":
    case "enterprise":
      return { imported: model.dailyWh * 365, exported: 0 };
    case "prosumer":
      return { imported: model.dailyWh * 250, exported: model.pvW * 700 };
    case "gas":
      return { imported: model.heatingLph * 1000 + model.processLph * 4000, exported: 0 };
    case "ev-charger":
      return { imported: 0.65 * 23_000 * 365, exported: 0 };
    case "wind-farm":
      return { imported: 0, exported: model.capacityW * 2200 };
    case "solar-plant":
      return { imported: 0, exported: model.capacityW * 1400 };
    case "feeder":
      return { imported: model.ratingW * 24 * 365 * 0.3, exported: 0 };
  }
}
