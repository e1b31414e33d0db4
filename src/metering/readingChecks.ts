import { deviceKinds, deviceStatuses, energySources } from "../registry/deviceTypes.js";
import { commodities, commodityName, type Reading, readingLimits } from "./readingFormat.js";

/** Why a reading is refused: a stable code and a plain message. */
export type Refusal = { code: string; message: string };

/** What ingest knows of a registered device (from the registry index). */
export type DeviceRecord = {
  deviceId: `0x${string}`;
  scheme: number;
  publicKey: Uint8Array;
  regionId: `0x${string}`;
  regionCode: string;
  /** Operator of the device's region, lowercase. */
  regionOperator: string;
  kind: number;
  source: number;
  status: number;
};

/** The registers of a stored reading next to the one being checked. */
export type NeighbourReading = { seq: bigint; importRegister: bigint; exportRegister: bigint };

const electricityOnly = [commodities.electricity];
const anyCommodity = Object.values(commodities);
const thermal = new Set<number>([
  energySources.gas,
  energySources.biomass,
  energySources.coal,
  energySources.other,
]);

/**
 * Commodities a device may report, by kind: generators, batteries, EV chargers and bidirectional meters
 * measure electricity (a thermal plant may also report heat, as in CHP); consumption and feeder meters
 * may measure any commodity (gas, heat and water meters are consumption meters).
 */
export function allowedCommodities(kind: number, source: number): readonly number[] {
  if (kind === deviceKinds.consumption || kind === deviceKinds.feeder) return anyCommodity;
  if (kind === deviceKinds.generation && thermal.has(source))
    return [commodities.electricity, commodities.heat];
  return electricityOnly;
}

const secondsPerDay = 86_400;

/**
 * Checks a reading's values against their valid ranges ({@link readingLimits}; docs/reading-format.md
 * "Valid ranges"): an interval starting before 2000, a duration that does not divide a day, a register
 * or delta too large for any batch total to fit the chain's types. The wire format's own checks
 * (types, duration 60–86400, commodity, quality) come before, at parse.
 */
export function checkRanges(reading: Reading): Refusal | undefined {
  if (reading.intervalStart < readingLimits.minIntervalStart) {
    return {
      code: "READING_TIME_OUT_OF_RANGE",
      message: `intervalStart ${reading.intervalStart} is before 2000-01-01T00:00:00Z (${readingLimits.minIntervalStart})`,
    };
  }
  if (secondsPerDay % reading.duration !== 0) {
    return {
      code: "READING_DURATION_INVALID",
      message: `duration ${reading.duration} s does not divide a day (86400 s): use e.g. 60, 300, 900, 3600 or 86400`,
    };
  }
  for (const field of ["importRegister", "exportRegister"] as const) {
    if (reading[field] > readingLimits.maxRegister) {
      return {
        code: "READING_REGISTER_OUT_OF_RANGE",
        message: `${field} ${reading[field]} is above the largest register, ${readingLimits.maxRegister}`,
      };
    }
  }
  for (const field of ["importDelta", "exportDelta"] as const) {
    if (reading[field] > readingLimits.maxDelta) {
      return {
        code: "READING_DELTA_OUT_OF_RANGE",
        message: `${field} ${reading[field]} is above the largest delta of one interval, ${readingLimits.maxDelta}`,
      };
    }
  }
  return undefined;
}

/**
 * Checks a reading against its device and the clock: known, in a region this node operates, active,
 * commodity allowed, interval aligned and not in the future (`now` and `maxClockSkew` in seconds).
 */
export function checkAgainstDevice(
  reading: Reading,
  device: DeviceRecord | undefined,
  context: { operator: string; now: bigint; maxClockSkew: number },
): Refusal | undefined {
  if (device === undefined) {
    return { code: "READING_UNKNOWN_DEVICE", message: `device ${reading.deviceId} is not registered` };
  }
  if (device.regionOperator !== context.operator) {
    return {
      code: "READING_WRONG_REGION",
      message: `device ${reading.deviceId} belongs to region ${device.regionCode}, which another node operates`,
    };
  }
  if (device.status === deviceStatuses.pending) {
    return {
      code: "READING_DEVICE_PENDING",
      message: `device ${reading.deviceId} awaits its region operator's approval`,
    };
  }
  if (device.status !== deviceStatuses.active) {
    const status = device.status === deviceStatuses.suspended ? "suspended" : "retired";
    return { code: "READING_DEVICE_INACTIVE", message: `device ${reading.deviceId} is ${status}` };
  }
  if (!allowedCommodities(device.kind, device.source).includes(reading.commodity)) {
    return {
      code: "READING_COMMODITY_NOT_ALLOWED",
      message: `a device of this kind does not measure ${commodityName(reading.commodity)}`,
    };
  }
  if (reading.intervalStart % BigInt(reading.duration) !== 0n) {
    return {
      code: "READING_INTERVAL_UNALIGNED",
      message: `intervalStart ${reading.intervalStart} is not a multiple of the duration ${reading.duration}`,
    };
  }
  const end = reading.intervalStart + BigInt(reading.duration);
  if (end > context.now + BigInt(context.maxClockSkew)) {
    return {
      code: "READING_IN_FUTURE",
      message: `the interval ends at ${end}, ${end - context.now} s from now; a reading is sent after its interval ends`,
    };
  }
  return undefined;
}

/**
 * Checks a reading's registers against its own deltas and the device's neighbouring readings
 * (the stored or accepted ones with the next lower and next higher seq). Registers never go back;
 * between consecutive seqs a register grows by exactly the later reading's delta, across a gap by
 * at least it. Returns the refusal, or the seqs missing just below this reading (a gap to record).
 */
export function checkContinuity(
  reading: Reading,
  previous: NeighbourReading | undefined,
  next: (NeighbourReading & { importDelta: bigint; exportDelta: bigint }) | undefined,
): { refusal: Refusal } | { gap: { from: bigint; to: bigint } | undefined } {
  if (reading.importDelta > reading.importRegister || reading.exportDelta > reading.exportRegister) {
    return {
      refusal: {
        code: "READING_DELTA_MISMATCH",
        message: "a delta is larger than its cumulative register",
      },
    };
  }
  if (previous) {
    const refusal = stepRefusal(previous, reading, "the previous");
    if (refusal) return { refusal };
  }
  if (next) {
    const refusal = stepRefusal(reading, next, "this", "the next");
    if (refusal) return { refusal };
  }
  const gap =
    previous && reading.seq > previous.seq + 1n
      ? { from: previous.seq + 1n, to: reading.seq - 1n }
      : undefined;
  return { gap };
}

function stepRefusal(
  earlier: NeighbourReading,
  later: NeighbourReading & { importDelta: bigint; exportDelta: bigint },
  earlierName: string,
  laterName = "this",
): Refusal | undefined {
  for (const [register, delta, label] of [
    ["importRegister", "importDelta", "import"],
    ["exportRegister", "exportDelta", "export"],
  ] as const) {
    const growth = later[register] - earlier[register];
    if (growth < 0n) {
      return {
        code: "READING_REGISTER_BACKWARDS",
        message: `the ${label} register of ${laterName} reading (seq ${later.seq}, ${later[register]}) is below ${earlierName} reading's (seq ${earlier.seq}, ${earlier[register]})`,
      };
    }
    const consecutive = later.seq === earlier.seq + 1n;
    if (consecutive ? growth !== later[delta] : growth < later[delta]) {
      return {
        code: "READING_DELTA_MISMATCH",
        message: `the ${label} delta of seq ${later.seq} (${later[delta]}) does not match its register growth since seq ${earlier.seq} (${growth})`,
      };
    }
  }
  return undefined;
}
