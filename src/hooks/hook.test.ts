import { describe, expect, it } from "vitest";
import { createHook } from "./hook.js";

describe("a hook", () => {
  it("runs its handlers in the order they registered, with the publisher's context", async () => {
    const hook = createHook<number, string[]>();
    hook.on(async (log, n) => void log.push(`a${n}`));
    const off = hook.on(async (log, n) => void log.push(`b${n}`));
    const log: string[] = [];
    await hook.run(log, 1);
    off();
    await hook.run(log, 2);
    expect(log).toEqual(["a1", "b1", "a2"]);
    expect(hook.size).toBe(1);
  });

  it("fails the publisher's run when a handler throws, so its transaction rolls back", async () => {
    const hook = createHook<void, void>();
    let after = false;
    hook.on(async () => {
      throw new Error("rollups unavailable");
    });
    hook.on(async () => {
      after = true;
    });
    await expect(hook.run(undefined, undefined)).rejects.toThrow("rollups unavailable");
    expect(after).toBe(false);
  });
});
