import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeyHeaders } from "../helpers/auth.js";
import { type MeteringNode, startMeteringNode } from "../helpers/metering.js";

describe("the bootstrap admin key", () => {
  let t: MeteringNode;
  beforeAll(async () => {
    t = await startMeteringNode();
  });
  afterAll(async () => {
    await t?.stop();
  });

  const call = async (method: string, path: string, key: string) => {
    const response = await fetch(`${t.node.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}` },
    });
    return {
      status: response.status,
      body: (await response.json()) as { key?: string; error?: { code: string } },
    };
  };

  it("rotates itself: the new secret is in <data-dir>/api-token (0600) and works, the old one is refused", async () => {
    const old = t.node.context.apiToken;
    const otherAdmin = (await apiKeyHeaders(t.node.context.db, [{ role: "admin", scope: { kind: "all" } }]))
      .authorization;
    // Another admin key cannot rotate the bootstrap key: it is not its own.
    const refused = await call("POST", "/v1/api-keys/bootstrap/rotate", otherAdmin.replace(/^Bearer /, ""));
    expect([refused.status, refused.body.error?.code]).toEqual([404, "AUTH_KEY_NOT_FOUND"]);

    const rotated = await call("POST", "/v1/api-keys/bootstrap/rotate", old);
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.key!;
    expect(fresh).not.toBe(old);
    const file = join(t.dataDir, "api-token");
    expect((await readFile(file, "utf8")).trim()).toBe(fresh);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await call("GET", "/v1/api-keys", fresh)).status).toBe(200);
    const stale = await call("GET", "/v1/api-keys", old);
    expect([stale.status, stale.body.error?.code]).toEqual([401, "AUTH_TOKEN_INVALID"]);
  });
});
