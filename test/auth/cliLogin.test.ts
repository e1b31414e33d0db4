import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "../helpers/cli.js";
import { type MeteringNode, startMeteringNode } from "../helpers/metering.js";

describe("gridledger login, whoami, apikey and logout", () => {
  let t: MeteringNode & { restart(): Promise<void> };
  let client: { dir: string; cleanup(): Promise<void> };
  const key = generatePrivateKey();

  beforeAll(async () => {
    t = await startMeteringNode();
    client = await tempDir();
    // The chain says: this account is an auditor (everywhere).
    await t.node.context.db.query(
      "insert into account_roles (account, role, scope, granted_by) values ($1, 7, $2, $3)",
      [privateKeyToAddress(key).toLowerCase(), `0x${"0".repeat(64)}`, `0x${"11".repeat(20)}`],
    );
    await writeFile(join(client.dir, "auditor.key"), `${key}\n`, { mode: 0o600 });
  }, 120_000);
  afterAll(async () => {
    await t.stop();
    await client.cleanup();
  });

  it("signs in with a key file, acts as the account, makes a key within its role and signs out", async () => {
    const cli = (...args: string[]) => runCli(["--node", t.node.apiUrl, "--data-dir", client.dir, ...args]);
    const login = await cli("login", "--key", join(client.dir, "auditor.key"));
    expect(login.stderr).toBe("");
    expect(login.stdout).toContain(privateKeyToAddress(key).toLowerCase());
    expect((await stat(join(client.dir, "cli-sessions.json"))).mode & 0o777).toBe(0o600);
    const me = JSON.parse((await cli("--json", "whoami")).stdout);
    expect(me).toMatchObject({ principal: { kind: "account" }, roles: ["auditor"] });
    const refused = await cli(
      "apikey",
      "create",
      "--name",
      "ops",
      "--role",
      "collector",
      "--region",
      "CN-GD",
    );
    expect(refused.stderr).toContain("[AUTH_FORBIDDEN]");
    const made = JSON.parse(
      (await cli("--json", "apikey", "create", "--name", "reports", "--role", "auditor")).stdout,
    );
    expect(made.key).toMatch(/^glk_/);
    const withKey = await runCli(["--node", t.node.apiUrl, "--json", "whoami"], {
      GRIDLEDGER_API_KEY: made.key,
    });
    expect(JSON.parse(withKey.stdout).principal).toMatchObject({ kind: "api-key", keyId: made.id });
    expect((await cli("apikey", "list")).stdout).toContain("auditor@all");
    expect((await cli("logout")).stdout).toContain("signed out");
    const after = JSON.parse((await cli("--json", "whoami")).stdout);
    // Without a session the client falls back to the data directory's admin key: there is none here.
    expect(after.principal.kind).toBe("anonymous");
  }, 180_000);
});
