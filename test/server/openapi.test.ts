import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { generatedApiFiles, offlineContext } from "../../scripts/openapi.js";
import { createServer } from "../../src/server/createServer.js";

describe("the API typed once", () => {
  it("has a committed OpenAPI document and client types that match the route schemas", async () => {
    for (const [path, wanted] of Object.entries(await generatedApiFiles())) {
      const committed = await readFile(new URL(`../../${path}`, import.meta.url), "utf8").catch(() => "");
      // A failure here means a route schema changed: run `npm run gen:api` and commit both files.
      expect(committed === wanted, `${path} is stale; run "npm run gen:api"`).toBe(true);
    }
  });

  it("says in every error answer whether a retry can help (retry from the error catalogue)", async () => {
    const app = await createServer(offlineContext(), {
      limits: { rateLimit: 1, readingsRateLimit: 0, requestTimeoutSeconds: 0 },
    });
    try {
      const missing = await app.inject({ method: "GET", url: "/v1/no-such-route" });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error).toMatchObject({ code: "ROUTE_NOT_FOUND", retry: false });

      // The first write spends the limit of one per minute (what it answers needs no database here).
      await app.inject({ method: "POST", url: "/v1/auth/nonce", payload: {} });
      const limited = await app.inject({ method: "POST", url: "/v1/auth/nonce", payload: {} });
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error).toMatchObject({ code: "RATE_LIMITED", retry: true });
      expect(Object.keys(limited.json().error)).toEqual(["code", "message", "retry", "details"]);
    } finally {
      await app.close();
    }
  });
});
