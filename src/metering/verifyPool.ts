import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { BaseError } from "../core/errors.js";
import { packedItemLength, verifyPacked } from "./verifyWorker.js";

/** One signature to check: the device's scheme and raw public key, the signature and the 90-byte message. */
export type SignatureItem = {
  scheme: number;
  publicKey: Uint8Array;
  signature: Uint8Array;
  message: Uint8Array;
};

/** Verifies reading signatures on worker threads, one per core by default. */
export type VerifyPool = {
  readonly size: number;
  /** One boolean per item, in order. */
  verify(items: readonly SignatureItem[]): Promise<boolean[]>;
  close(): Promise<void>;
};

/** Below this many items a job is not split across workers: the messaging would cost more than it saves. */
const minItemsPerWorker = 64;

/** Packs items into one transferable buffer (layout in verifyWorker.js). */
export function packSignatureItems(items: readonly SignatureItem[]): Uint8Array {
  const packed = new Uint8Array(items.length * packedItemLength);
  items.forEach((item, i) => {
    const at = i * packedItemLength;
    packed[at] = item.scheme;
    packed.set(item.publicKey.subarray(0, 33), at + 1);
    if (item.signature.length === 64) packed.set(item.signature, at + 34);
    packed.set(item.message.subarray(0, 90), at + 98);
  });
  return packed;
}

/**
 * Starts `size` worker threads (default: the number of cores). `size: 0` verifies on the calling
 * thread, for tools that check a handful of signatures.
 */
export function createVerifyPool(options: { size?: number } = {}): VerifyPool {
  const size = options.size ?? availableParallelism();
  type Job = { resolve: (results: Uint8Array) => void; reject: (error: Error) => void };
  type Slot = { worker: Worker; jobs: Map<number, Job> };
  const workers: Slot[] = [];
  let nextId = 0;
  let closed = false;
  // A worker that dies (it should not: verification catches everything) fails its jobs and is replaced,
  // so later batches are not sent to a thread that will never answer.
  function spawn(slot: Slot): void {
    const worker = new Worker(new URL("./verifyWorker.js", import.meta.url));
    worker.unref();
    slot.worker = worker;
    worker.on("message", ({ id, results }: { id: number; results: Uint8Array }) => {
      slot.jobs.get(id)?.resolve(results);
      slot.jobs.delete(id);
    });
    worker.on("error", () => undefined);
    worker.on("exit", (code) => {
      const error = new BaseError(
        "METERING_VERIFIER_FAILED",
        `a signature verification thread exited (${code})`,
      );
      for (const job of slot.jobs.values()) job.reject(error);
      slot.jobs.clear();
      if (!closed) spawn(slot);
    });
  }
  for (let i = 0; i < size; i++) {
    const slot = { jobs: new Map<number, Job>() } as Slot;
    spawn(slot);
    workers.push(slot);
  }
  let turn = 0;

  function run(items: readonly SignatureItem[]): Promise<Uint8Array> {
    const packed = packSignatureItems(items);
    const slot = workers[turn++ % workers.length]!;
    const id = nextId++;
    return new Promise((resolve, reject) => {
      slot.jobs.set(id, { resolve, reject });
      slot.worker.postMessage({ id, packed: packed.buffer, count: items.length }, [
        packed.buffer as ArrayBuffer,
      ]);
    });
  }

  return {
    size,
    async verify(items) {
      if (closed) throw new BaseError("METERING_CLOSED", "the signature verifier is closed");
      if (items.length === 0) return [];
      const invalidLength = items.map((item) => item.signature.length !== 64);
      if (workers.length === 0) {
        return Array.from(
          verifyPacked(packSignatureItems(items), items.length),
          (ok, i) => ok === 1 && !invalidLength[i],
        );
      }
      const chunks = Math.max(1, Math.min(workers.length, Math.floor(items.length / minItemsPerWorker)));
      const chunkSize = Math.ceil(items.length / chunks);
      const parts: Promise<Uint8Array>[] = [];
      for (let start = 0; start < items.length; start += chunkSize)
        parts.push(run(items.slice(start, start + chunkSize)));
      const results = (await Promise.all(parts)).flatMap((part) => Array.from(part));
      return results.map((ok, i) => ok === 1 && !invalidLength[i]);
    },
    async close() {
      closed = true;
      await Promise.all(workers.splice(0).map(({ worker }) => worker.terminate()));
    },
  };
}
