import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Permission, permissions } from "../../src/auth/permissions.js";
import { type AccountRole, accountRoles } from "../../src/auth/roles.js";
import { deviceToken } from "../../src/metering/mqttAuth.js";
import { roleHeaders } from "../helpers/auth.js";
import {
  asJson,
  intervalAgo,
  type MeteringNode,
  readingSeries,
  startMeteringNode,
} from "../helpers/metering.js";

/** A value for each path parameter, so every route is reached (a 404 for a missing object is fine). */
const params: Record<string, string> = {
  id: "1",
  deviceId: `0x${"ab".repeat(32)}`,
  seq: "1",
  region: "CN-GD",
  address: `0x${"cd".repeat(20)}`,
};

/** The error code of an answer, or undefined (HTML pages, successes). */
function codeOf(answer: { body: string }): string | undefined {
  try {
    return JSON.parse(answer.body)?.error?.code;
  } catch {
    return undefined;
  }
}

const authCodes = ["AUTH_REQUIRED", "AUTH_FORBIDDEN", "AUTH_PURPOSE_REQUIRED"];

describe("the permission table, walked over every route and every role", () => {
  let t: MeteringNode & { restart(): Promise<void> };
  const headers = new Map<AccountRole, Record<string, string>>();

  beforeAll(async () => {
    t = await startMeteringNode({ flags: { rateLimit: "0", readingsRateLimit: "0" } });
    for (const role of accountRoles) headers.set(role, await roleHeaders(t.node.context.db, role));
  }, 120_000);
  afterAll(async () => t.stop());

  it("answers each route exactly as the table says, for anonymous callers and for each role", async () => {
    const routes = t.node.app.auth
      .routes()
      .filter((route) => route.method !== "HEAD" && !route.url.includes("*"));
    expect(routes.length).toBeGreaterThan(40);
    const seen = new Set<string>();
    for (const route of routes) {
      const key = `${route.method} ${route.url}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const action = route.permission!;
      const permission = permissions[action] as Permission;
      const url = route.url.replace(/:([A-Za-z]+)/g, (_, name: string) => params[name] ?? "1");
      const call = (extra: Record<string, string>) =>
        t.node.app.inject({
          method: route.method as "GET",
          url,
          headers: {
            ...extra,
            ...(route.method === "GET" || route.method === "DELETE"
              ? {}
              : { "content-type": "application/json" }),
          },
          ...(route.method === "GET" || route.method === "DELETE" ? {} : { payload: "{}" }),
        });
      const anonymous = await call({});
      const anonymousCode = codeOf(anonymous);
      if (permission.public) expect(authCodes, `${key} anonymous`).not.toContain(anonymousCode);
      else {
        expect(anonymous.statusCode, `${key} anonymous`).toBe(401);
        expect(anonymousCode, `${key} anonymous`).toBe("AUTH_REQUIRED");
      }
      for (const role of accountRoles) {
        const answer = await call({ ...headers.get(role)!, "x-gridledger-purpose": "role test" });
        const code = codeOf(answer);
        const allowed = permission.public || permission.roles[role] !== undefined;
        if (allowed) expect(authCodes, `${key} as ${role}`).not.toContain(code);
        else {
          expect(answer.statusCode, `${key} as ${role}`).toBe(403);
          expect(code, `${key} as ${role}`).toBe("AUTH_FORBIDDEN");
        }
        if (permission.roles[role] === "purpose") {
          const without = await call(headers.get(role)!);
          expect(codeOf(without), `${key} as ${role} without purpose`).toBe("AUTH_PURPOSE_REQUIRED");
        }
      }
    }
  }, 300_000);

  it("takes readings over HTTP only from a collector of the device's region or the device itself", async () => {
    const gd = await t.device({ region: "CN-GD" });
    const zj = await t.device({ region: "CN-ZJ" });
    const start = intervalAgo(4);
    const submit = (readings: unknown[], authorization?: string) =>
      t.node.app.inject({
        method: "POST",
        url: "/v1/readings",
        headers: authorization ? { authorization } : {},
        payload: { readings },
      });
    const anonymous = await submit(asJson(readingSeries(gd, { start, count: 1 })));
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe("AUTH_REQUIRED");

    const collector = (await roleHeaders(t.node.context.db, "collector", { region: "CN-GD" })).authorization;
    const mixed = await submit(
      [...asJson(readingSeries(gd, { start, count: 1 })), ...asJson(readingSeries(zj, { start, count: 1 }))],
      collector,
    );
    expect(mixed.json().results).toMatchObject([
      { status: "accepted" },
      { status: "rejected", code: "READING_OUT_OF_SCOPE" },
    ]);

    const now = Math.floor(Date.now() / 1000);
    const asDevice = `Device ${gd.deviceId} ${deviceToken(gd, now)}`;
    const own = await submit(
      [
        ...asJson(readingSeries(gd, { start, count: 2, firstSeq: 2n, registersBefore: [1_000_250n, 0n] })),
        ...asJson(readingSeries(zj, { start, count: 1 })),
      ],
      asDevice,
    );
    expect(own.statusCode).toBe(200);
    expect(own.json().results.map((r: { status: string; code?: string }) => r.code ?? r.status)).toEqual([
      "accepted",
      "accepted",
      "READING_OUT_OF_SCOPE",
    ]);
    const forged = await submit([], `Device ${zj.deviceId} ${deviceToken(gd, now)}`);
    expect(forged.statusCode).toBe(401);
    expect(forged.json().error.code).toBe("AUTH_DEVICE_TOKEN_INVALID");
    const stale = await submit([], `Device ${gd.deviceId} ${deviceToken(gd, now - 3600)}`);
    expect(stale.json().error.code).toBe("AUTH_DEVICE_TOKEN_INVALID");
    const elsewhere = await t.node.app.inject({
      method: "GET",
      url: "/v1/devices",
      headers: { authorization: asDevice },
    });
    expect(elsewhere.statusCode).toBe(403);
  }, 120_000);
});
