import { afterAll, describe, expect, it } from "vitest";
import { generateDeviceKey, signReading } from "./deviceKey.js";
import { encodeReading } from "./readingFormat.js";
import { createVerifyPool, type SignatureItem } from "./verifyPool.js";

function items(count: number): SignatureItem[] {
  const keys = [generateDeviceKey("ed25519"), generateDeviceKey("secp256k1")];
  return Array.from({ length: count }, (_, i) => {
    const key = keys[i % 2]!;
    const reading = signReading(key, {
      seq: BigInt(i + 1),
      intervalStart: 1_767_225_600n,
      duration: 900,
      commodity: 1,
      quality: 0,
      importRegister: 1000n + BigInt(i),
      exportRegister: 0n,
      importDelta: 1n,
      exportDelta: 0n,
    });
    return {
      scheme: key.scheme === "ed25519" ? 1 : 2,
      publicKey: key.publicKey,
      signature: reading.signature,
      message: encodeReading(reading),
    };
  });
}

describe("the signature verification pool", () => {
  const pool = createVerifyPool({ size: 2 });
  afterAll(() => pool.close());

  it("answers one verdict per item, in order, across the chunks its threads verify", async () => {
    const batch = items(300);
    // Every seventh signature is broken; every eleventh message is altered after signing.
    batch.forEach((item, i) => {
      if (i % 7 === 0) item.signature = item.signature.map((b, j) => (j === 5 ? b ^ 1 : b));
      if (i % 11 === 0) item.message = item.message.map((b, j) => (j === 80 ? b ^ 1 : b));
    });
    const verdicts = await pool.verify(batch);
    expect(verdicts).toEqual(batch.map((_, i) => i % 7 !== 0 && i % 11 !== 0));
  });

  it("refuses a signature of the wrong length or under another device's key", async () => {
    const [a, b] = items(2);
    const verdicts = await pool.verify([
      { ...a!, signature: a!.signature.slice(0, 63) },
      { ...a!, publicKey: b!.publicKey, scheme: b!.scheme },
      a!,
    ]);
    expect(verdicts).toEqual([false, false, true]);
  });

  it("verifies on the calling thread with size 0, and refuses work once closed", async () => {
    const inline = createVerifyPool({ size: 0 });
    expect(await inline.verify(items(3))).toEqual([true, true, true]);
    await inline.close();
    await expect(inline.verify(items(1))).rejects.toMatchObject({ code: "METERING_CLOSED" });
  });
});
