/**
 * What the node answers for one reading, in the order the readings came: `accepted` (stored),
 * `duplicate` (already stored, nothing to do) or `rejected` with a stable `code` and a short message.
 * `seq` echoes the reading's sequence number when the node could read it.
 */
export type IngestResult = {
  status: "accepted" | "duplicate" | "rejected";
  code?: string;
  message?: string;
  seq?: string;
};

/**
 * Verifies and stores readings in their JSON form (`ReadingJson`, not yet validated), one result per
 * reading. `topicDeviceId` is the device the transport received them for (the MQTT topic), so that a
 * reading naming another device can be refused. Throws only when the node cannot store anything (e.g. database down).
 */
export type IngestFn = (
  readings: unknown[],
  options: { topicDeviceId?: `0x${string}` },
) => Promise<IngestResult[]>;
