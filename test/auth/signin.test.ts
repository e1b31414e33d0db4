import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import Fastify, { type FastifyInstance } from "fastify";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerApiKeyRoutes } from "../../src/auth/apiKeyRoutes.js";
import { addAuth } from "../../src/auth/authPlugin.js";
import { registerAuthRoutes } from "../../src/auth/authRoutes.js";
import { handleError } from "../../src/server/httpErrors.js";
import { setupDatabase, type TestDatabase } from "../helpers/database.js";

const castBin = path.resolve(import.meta.dirname, "../../node_modules/.bin/cast");
const run = promisify(execFile);

/** Signs an EIP-191 message with `cast wallet sign`: an outside tool, not our code. */
async function castSign(privateKey: Hex, message: string): Promise<Hex> {
  const { stdout } = await run(castBin, ["wallet", "sign", "--private-key", privateKey, message]);
  return stdout.trim() as Hex;
}

const chainId = 31337;

describe("sign-in with Ethereum, sessions and API keys", () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  const key = generatePrivateKey();
  const address = privateKeyToAddress(key);

  beforeAll(async () => {
    t = await setupDatabase("pglite");
    app = Fastify();
    app.setErrorHandler(handleError);
    const auth = addAuth(app, { db: t.db });
    registerAuthRoutes(app, { db: t.db, chainId, auth });
    registerApiKeyRoutes(app, { auth });
    auth.assertDeclared();
    // The chain says: this account is a regulator (everywhere).
    await t.db.query("insert into account_roles (account, role, scope, granted_by) values ($1, 1, $2, $3)", [
      address.toLowerCase(),
      `0x${"0".repeat(64)}`,
      `0x${"11".repeat(20)}`,
    ]);
  });
  afterAll(async () => {
    await app.close();
    await t.cleanup();
  });

  const post = (url: string, payload?: object, headers: Record<string, string> = {}) =>
    app.inject({ method: "POST", url, payload, headers });

  /** A message built from the node's challenge (with changes), signed by `signer`. */
  async function signed(changes: Record<string, unknown> = {}, signer: Hex = key) {
    const challenge = (await post("/v1/auth/nonce", { address })).json();
    const message = createSiweMessage({
      address,
      domain: challenge.domain,
      uri: challenge.uri,
      chainId: challenge.chainId,
      nonce: challenge.nonce,
      version: "1",
      statement: challenge.statement,
      issuedAt: new Date(challenge.issuedAt),
      expirationTime: new Date(challenge.expirationTime),
      ...changes,
    });
    return { message, signature: await castSign(signer, message) };
  }

  it("signs in with a message signed by cast, sets the cookie and knows the account's roles", async () => {
    const answer = await post("/v1/auth/signin", await signed());
    expect(answer.statusCode).toBe(200);
    const body = answer.json();
    expect(body.token).toMatch(/^gls_/);
    expect(body.bindings).toEqual([{ role: "regulator", scope: { kind: "all" } }]);
    const cookie = String(answer.headers["set-cookie"]);
    expect(cookie).toMatch(/^gridledger_session=gls_.+; HttpOnly; SameSite=Strict; Path=\//);
    const me = await app.inject({
      method: "GET",
      url: "/v1/auth/me",
      headers: { cookie: cookie.split(";")[0]! },
    });
    expect(me.json()).toMatchObject({ principal: { kind: "account" }, roles: ["regulator"] });
    expect(me.json().actions).toContain("accesslog.read");
    expect(me.json().actions).not.toContain("accounts.write");
  });

  it("refuses a replayed message: its nonce is used up", async () => {
    const once = await signed();
    expect((await post("/v1/auth/signin", once)).statusCode).toBe(200);
    const again = await post("/v1/auth/signin", once);
    expect(again.statusCode).toBe(401);
    expect(again.json().error.code).toBe("AUTH_SIWE_NONCE");
  });

  it("refuses expired, wrong-domain, wrong-chain, wrong-signer and unparsable messages with their codes", async () => {
    const cases: [Promise<{ message: string; signature: Hex }>, string][] = [
      [signed({ expirationTime: new Date(Date.now() - 1000) }), "AUTH_SIWE_EXPIRED"],
      [signed({ domain: "evil.example:443" }), "AUTH_SIWE_DOMAIN"],
      [signed({ uri: "https://evil.example" }), "AUTH_SIWE_DOMAIN"],
      [signed({ chainId: 1 }), "AUTH_SIWE_DOMAIN"],
      [signed({}, generatePrivateKey()), "AUTH_SIWE_SIGNATURE"],
    ];
    for (const [attempt, code] of cases) {
      const answer = await post("/v1/auth/signin", await attempt);
      expect(answer.json().error.code).toBe(code);
      expect(answer.statusCode).toBe(401);
    }
    const garbage = await post("/v1/auth/signin", { message: "hello", signature: `0x${"1".repeat(130)}` });
    expect(garbage.json().error.code).toBe("AUTH_SIWE_INVALID");
    expect(garbage.statusCode).toBe(400);
  });

  it("refreshes a session (the old token stops working) and signs out", async () => {
    const first = (await post("/v1/auth/signin", await signed())).json().token as string;
    const refreshed = await post("/v1/auth/refresh", undefined, { authorization: `Bearer ${first}` });
    expect(refreshed.statusCode).toBe(200);
    const second = refreshed.json().token as string;
    const me = (token: string) =>
      app.inject({ method: "GET", url: "/v1/auth/me", headers: { authorization: `Bearer ${token}` } });
    expect((await me(first)).json().error.code).toBe("AUTH_TOKEN_INVALID");
    expect((await me(second)).json().principal.kind).toBe("account");
    const out = await post("/v1/auth/signout", undefined, { authorization: `Bearer ${second}` });
    expect(String(out.headers["set-cookie"])).toMatch(/Max-Age=0/);
    expect((await me(second)).statusCode).toBe(401);
  });

  it("lets an account create keys only with its roles, and rotates and revokes them", async () => {
    const token = (await post("/v1/auth/signin", await signed())).json().token as string;
    const auth = { authorization: `Bearer ${token}` };
    const tooMuch = await post("/v1/api-keys", { name: "x", bindings: [{ role: "auditor" }] }, auth);
    expect(tooMuch.statusCode).toBe(403);
    expect(tooMuch.json().error.code).toBe("AUTH_FORBIDDEN");
    const made = await post(
      "/v1/api-keys",
      { name: "reports", bindings: [{ role: "regulator", scope: "all" }] },
      auth,
    );
    expect(made.statusCode).toBe(200);
    const { key: secret, id } = made.json();
    const listed = await app.inject({ method: "GET", url: "/v1/api-keys", headers: auth });
    expect(listed.json().keys).toEqual([expect.objectContaining({ id, name: "reports" })]);
    expect(JSON.stringify(listed.json())).not.toContain(secret.slice(-20));
    const whoAmI = (k: string) =>
      app.inject({ method: "GET", url: "/v1/auth/me", headers: { authorization: `Bearer ${k}` } });
    expect((await whoAmI(secret)).json().principal).toMatchObject({ kind: "api-key", keyId: id });
    const rotated = (await post(`/v1/api-keys/${id}/rotate`, undefined, auth)).json().key as string;
    expect((await whoAmI(secret)).statusCode).toBe(401);
    expect((await whoAmI(rotated)).statusCode).toBe(200);
    const revoked = await app.inject({ method: "DELETE", url: `/v1/api-keys/${id}`, headers: auth });
    expect(revoked.json().key.revokedAt).not.toBeNull();
    expect((await whoAmI(rotated)).json().error.code).toBe("AUTH_TOKEN_INVALID");
  });
});
