import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { CustomCrypto } from "@ethereumjs/common";
import { Capability, type TypedTransaction } from "@ethereumjs/tx";
import {
  bigIntToUnpaddedBytes,
  bytesToHex,
  calculateSigRecovery,
  ecrecover,
  setLengthLeft,
} from "@ethereumjs/util";

/**
 * Recovers transaction senders on a worker thread. Public-key recovery is the most expensive step of
 * accepting a transaction (several milliseconds in pure JavaScript on a small machine); doing it off the
 * main thread lets it overlap with the mining of the previous transaction when several arrive at once.
 *
 * The recovered keys are handed to EthereumJS through `Common.customCrypto.ecrecover`, so EthereumJS still
 * applies its own signature checks (low `s`, `v` range); when no worker result is at hand (worker failed,
 * or a signature verified elsewhere, such as the ECRECOVER precompile) it recovers on the calling thread.
 */
export type SenderRecovery = {
  /** Crypto hooks to install in the chain's `Common`. */
  customCrypto: CustomCrypto;
  /** Recovers the sender of `tx` in the background; afterwards `tx.getSenderAddress()` is cheap. */
  prepare(tx: TypedTransaction): Promise<void>;
  close(): Promise<void>;
};

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
import(workerData.secp256k1Url).then(({ secp256k1 }) => {
  parentPort.on("message", ({ id, hash, signature, recovery }) => {
    try {
      const point = secp256k1.Signature.fromBytes(signature).addRecoveryBit(recovery).recoverPublicKey(hash);
      parentPort.postMessage({ id, publicKey: point.toBytes(false).slice(1) });
    } catch {
      parentPort.postMessage({ id, publicKey: undefined });
    }
  });
  parentPort.postMessage({ ready: true });
});
`;

type Pending = { resolve: () => void; key: string };

/** Creates the recovery worker lazily, on the first transaction. */
export function createSenderRecovery(): SenderRecovery {
  const recovered = new Map<string, Uint8Array>();
  const pending = new Map<number, Pending>();
  let worker: Worker | undefined;
  let failed = false;
  let nextId = 0;

  const keyOf = (hash: Uint8Array, r: Uint8Array, s: Uint8Array, recovery: bigint) =>
    `${bytesToHex(hash)}${bytesToHex(setLengthLeft(r, 32))}${bytesToHex(setLengthLeft(s, 32))}${recovery}`;

  const settleAll = () => {
    for (const { resolve } of pending.values()) resolve();
    pending.clear();
  };

  const start = (): Worker | undefined => {
    if (failed) return undefined;
    if (worker !== undefined) return worker;
    try {
      const secp256k1Path = createRequire(import.meta.url).resolve("@noble/curves/secp256k1.js");
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { secp256k1Url: pathToFileURL(secp256k1Path).href },
      });
    } catch {
      failed = true;
      return undefined;
    }
    worker.unref();
    worker.on("message", (message: { id?: number; publicKey?: Uint8Array }) => {
      if (message.id === undefined) return;
      const entry = pending.get(message.id);
      if (entry === undefined) return;
      pending.delete(message.id);
      if (message.publicKey !== undefined) recovered.set(entry.key, message.publicKey);
      entry.resolve();
    });
    const fail = () => {
      failed = true;
      worker = undefined;
      settleAll();
    };
    worker.on("error", fail);
    worker.on("exit", fail);
    return worker;
  };

  return {
    customCrypto: {
      ecrecover(msgHash, v, r, s, chainId) {
        const key = keyOf(msgHash, r, s, calculateSigRecovery(v, chainId));
        const publicKey = recovered.get(key);
        if (publicKey !== undefined) {
          recovered.delete(key);
          return publicKey;
        }
        return ecrecover(msgHash, v, r, s, chainId);
      },
    },
    prepare(tx) {
      const { v, r, s } = tx;
      const active = start();
      if (active === undefined || v === undefined || r === undefined || s === undefined) {
        return Promise.resolve();
      }
      // Same chain id argument as EthereumJS's `getSenderPublicKey`, so the lookup key matches.
      const chainId = tx.supports(Capability.EIP155ReplayProtection) ? tx.common.chainId() : undefined;
      const recovery = calculateSigRecovery(v, chainId);
      if (recovery !== 0n && recovery !== 1n) return Promise.resolve();
      const hash = tx.getMessageToVerifySignature();
      const rBytes = bigIntToUnpaddedBytes(r);
      const sBytes = bigIntToUnpaddedBytes(s);
      const key = keyOf(hash, rBytes, sBytes, recovery);
      const id = nextId++;
      return new Promise<void>((resolve) => {
        pending.set(id, { resolve, key });
        active.postMessage({
          id,
          hash,
          signature: new Uint8Array([...setLengthLeft(rBytes, 32), ...setLengthLeft(sBytes, 32)]),
          recovery: Number(recovery),
        });
      });
    },
    async close() {
      const active = worker;
      failed = true;
      worker = undefined;
      settleAll();
      recovered.clear();
      if (active !== undefined) await active.terminate();
    },
  };
}
