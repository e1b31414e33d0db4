import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AccessEntry, addAuth } from "../../src/auth/authPlugin.js";
import { handleError } from "../../src/server/httpErrors.js";
import { apiKeyHeaders, roleHeaders } from "../helpers/auth.js";
import { setupDatabase, type TestDatabase } from "../helpers/database.js";

describe("the auth plugin", () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  const logged: AccessEntry[] = [];
  const bootstrap = "bootstrap-secret-of-this-test";

  beforeAll(async () => {
    t = await setupDatabase("pglite");
    app = Fastify();
    app.setErrorHandler(handleError);
    const auth = addAuth(app, {
      db: t.db,
      apiToken: bootstrap,
      accessLog: { record: async (entry) => void logged.push(entry) },
    });
    app.get("/public", { config: { permission: "chain.read" } }, async (request) => ({
      principal: request.principal.kind,
    }));
    app.get("/devices", { config: { permission: "devices.read" } }, async (request) => ({
      principal: request.principal,
      purpose: request.purpose,
    }));
    app.post("/alerts/ack", { config: { permission: "alerts.write" } }, async () => ({ ok: true }));
    auth.assertDeclared();
  });
  afterAll(async () => {
    await app.close();
    await t.cleanup();
  });

  const call = (method: "GET" | "POST", url: string, headers: Record<string, string> = {}) =>
    app.inject({ method, url, headers });

  it("lets anyone call a public action, and refuses anonymous callers elsewhere with 401 AUTH_REQUIRED", async () => {
    const open = await call("GET", "/public");
    expect(open.statusCode).toBe(200);
    expect(open.json().principal).toBe("anonymous");
    const closed = await call("GET", "/devices");
    expect(closed.statusCode).toBe(401);
    expect(closed.json().error.code).toBe("AUTH_REQUIRED");
  });

  it("takes the bootstrap key as an admin and an unknown key as 401 AUTH_TOKEN_INVALID", async () => {
    const admin = await call("GET", "/devices", { authorization: `Bearer ${bootstrap}` });
    expect(admin.statusCode).toBe(200);
    expect(admin.json().principal).toMatchObject({ kind: "api-key", keyId: "bootstrap" });
    const wrong = await call("GET", "/devices", {
      authorization: `Bearer glk_${"0".repeat(16)}_${"a".repeat(43)}`,
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe("AUTH_TOKEN_INVALID");
  });

  it("refuses a role the table does not list with 403 AUTH_FORBIDDEN", async () => {
    const auditor = await roleHeaders(t.db, "auditor");
    const refused = await call("POST", "/alerts/ack", auditor);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({
      code: "AUTH_FORBIDDEN",
      details: { action: "alerts.write" },
    });
    expect((await call("GET", "/devices", auditor)).statusCode).toBe(200);
  });

  it("asks a regulator for a purpose on personal data and logs it", async () => {
    const regulator = await roleHeaders(t.db, "regulator");
    const without = await call("GET", "/devices", regulator);
    expect(without.statusCode).toBe(403);
    expect(without.json().error.code).toBe("AUTH_PURPOSE_REQUIRED");
    logged.length = 0;
    const withPurpose = await call("GET", "/devices?purpose=annual%20review", regulator);
    expect(withPurpose.statusCode).toBe(200);
    expect(logged).toEqual([
      expect.objectContaining({
        action: "devices.read",
        roles: ["regulator"],
        object: "/devices",
        purpose: "annual review",
      }),
    ]);
    const byHeader = await call("GET", "/devices", { ...regulator, "x-gridledger-purpose": "audit" });
    expect(byHeader.json().purpose).toBe("audit");
  });

  it("logs writes but not public reads", async () => {
    logged.length = 0;
    await call("GET", "/public");
    const admin = await apiKeyHeaders(t.db, [{ role: "admin", scope: { kind: "all" } }]);
    expect((await call("POST", "/alerts/ack", admin)).statusCode).toBe(200);
    expect(logged.map((entry) => entry.action)).toEqual(["alerts.write"]);
  });

  it("refuses to start with a route that declares no permission", async () => {
    const bare = Fastify();
    const auth = addAuth(bare, { db: t.db });
    bare.get("/forgotten", async () => ({}));
    expect(() => auth.assertDeclared()).toThrow(/GET \/forgotten declares no permission/);
    await bare.close();
  });
});
