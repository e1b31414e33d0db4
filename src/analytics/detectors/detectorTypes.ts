/**
 * Shared shapes of the alert detectors: the readings they look at and the alerts they propose.
 * Pure data; the detectors import nothing from `db/`, `chain/` or `server/`.
 */

/** Alert kinds raised by the detectors (and, for the last two, by ingest). */
export type DetectorKind =
  | "data_gap"
  | "region_data_gap"
  | "zero_run"
  | "spike"
  | "export_without_generation"
  | "community_imbalance"
  | "bad_signatures"
  | "anchor_late";

/** Every alert kind the node records, detectors and ingest alike. */
export const alertKinds = [
  "data_gap",
  "region_data_gap",
  "zero_run",
  "spike",
  "register_regression",
  "reading_conflict",
  "export_without_generation",
  "community_imbalance",
  "bad_signatures",
  "anchor_late",
  "sequence_gap",
  "anchor_conflict",
  "chain_text_sanitised",
  "batch_quarantined",
] as const;

export type AlertSeverity = "info" | "warning" | "critical";

/** A stored reading as the detectors see it (deltas in the commodity's unit: Wh, litres, kJ). */
export type DetectorReading = {
  deviceId: string;
  seq: bigint;
  commodity: number;
  intervalStart: bigint;
  duration: number;
  importDelta: bigint;
  exportDelta: bigint;
};

/** A reading named in an alert's evidence (its proof is looked up by `GET /v1/alerts/:id`). */
export type ReadingRef = { deviceId: string; seq: string };

/** Most readings one alert lists as evidence. */
export const maxEvidenceReadings = 20;

/** An alert a detector proposes; `dedupeKey` makes a second run of the detector record it once. */
export type AlertDraft = {
  kind: DetectorKind;
  severity: AlertSeverity;
  /** The device the alert is about, if it is about one. */
  deviceId?: string | undefined;
  /** Unix start of the data the alert is about. */
  periodStart: bigint;
  dedupeKey: string;
  /** A sentence a regulator understands, figures with their units. */
  message: string;
  /** The readings involved and the figures behind the decision (energy as decimal strings). */
  evidence: { readings: ReadingRef[] } & Record<string, unknown>;
};

/** References to at most {@link maxEvidenceReadings} readings, in the given order. */
export function readingRefs(readings: readonly Pick<DetectorReading, "deviceId" | "seq">[]): ReadingRef[] {
  return readings.slice(0, maxEvidenceReadings).map((r) => ({ deviceId: r.deviceId, seq: r.seq.toString() }));
}
