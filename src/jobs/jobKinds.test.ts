import { describe, expect, it } from "vitest";
import { defineJobKind, invalidJobParams, jobHandlersOf } from "./jobKinds.js";
import type { JobContext } from "./jobTypes.js";

const echo = defineJobKind({
  kind: "echo",
  parse(params) {
    const text = (params as { text?: unknown } | null)?.text;
    if (typeof text !== "string") throw invalidJobParams("echo needs text", { text: String(text) });
    return { text };
  },
  run: async (_ctx, { text }) => ({ echoed: text }),
});
const ctx = {} as JobContext;

describe("job kinds", () => {
  it("dispatches a job to its kind's handler with checked parameters", async () => {
    const handlers = jobHandlersOf([echo]);
    expect(Object.keys(handlers)).toEqual(["echo"]);
    expect(await handlers.echo!(ctx, { text: "hi" })).toEqual({ echoed: "hi" });
  });

  it("refuses bad parameters with JOB_PARAMS_INVALID before the handler runs", async () => {
    await expect(jobHandlersOf([echo]).echo!(ctx, { text: 3 })).rejects.toMatchObject({
      code: "JOB_PARAMS_INVALID",
    });
  });

  it("refuses two modules defining the same kind", () => {
    expect(() => jobHandlersOf([echo, echo])).toThrow(
      expect.objectContaining({ code: "JOB_KIND_DUPLICATE" }),
    );
  });
});
