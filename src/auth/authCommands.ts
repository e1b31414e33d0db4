import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { type Hex, isHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { cliSessionsPath, readSession, writeSession } from "../cli/cliSession.js";
import { clientOf, dataDirOf } from "../cli/context.js";
import { answer, createNodeApi, nodeUrlOf } from "../cli/nodeApi.js";
import { output, printRecord, printTable } from "../cli/output.js";
import { BaseError } from "../core/errors.js";
import { parseAccountRole, scopeKindOf } from "./roles.js";

/** Reads a key file: `0x` + 64 hex digits (as `start --demo` writes them and `cast wallet new` prints). */
async function readKeyFile(file: string): Promise<Hex> {
  const text = (
    await readFile(file, "utf8").catch((cause) => {
      throw new BaseError("CLI_KEY_FILE_UNREADABLE", `cannot read ${file}`, { cause });
    })
  ).trim();
  const key = text.startsWith("0x") ? text : `0x${text}`;
  if (!isHex(key) || key.length !== 66) {
    throw new BaseError("CLI_KEY_FILE_INVALID", `${file} does not hold a private key (0x + 64 hex digits)`);
  }
  return key as Hex;
}

const scopeText = (scope: { kind: string; region?: string; community?: string }) =>
  scope.kind === "all" ? "all" : `${scope.kind}:${scope.region ?? scope.community}`;

/**
 * `login --key FILE`, `logout`, `whoami` and `apikey create|list|rotate|revoke` (docs/security.md).
 * The session is kept in `<data-dir>/cli-sessions.json` (0600), one per node URL.
 */
export function registerAuthCommands(program: Command): void {
  program
    .command("login")
    .description(
      "sign in to the node with an account key (Sign-In with Ethereum); the session is stored 0600 in <data-dir>/cli-sessions.json and sent by the other commands",
    )
    .requiredOption("--key <file>", "the account's private key file (0x + 64 hex)")
    .action(async (options: { key: string }, command: Command) => {
      const account = privateKeyToAccount(await readKeyFile(options.key));
      const nodeUrl = nodeUrlOf(command.optsWithGlobals<{ node?: string }>().node);
      const api = createNodeApi(nodeUrl);
      const challenge = answer(
        await api.client.POST("/v1/auth/nonce", { body: { address: account.address } }),
      );
      const message = createSiweMessage({
        ...challenge,
        address: account.address,
        version: "1",
        issuedAt: new Date(challenge.issuedAt),
        expirationTime: new Date(challenge.expirationTime),
      });
      const signature = await account.signMessage({ message });
      const session = answer(await api.client.POST("/v1/auth/signin", { body: { message, signature } }));
      const { token, ...shown } = session;
      await writeSession(dataDirOf(command), nodeUrl, {
        token,
        account: session.account,
        expiresAt: session.expiresAt,
        refreshUntil: session.refreshUntil,
      });
      output(command.optsWithGlobals(), shown, () =>
        printRecord({
          account: session.account,
          expiresAt: session.expiresAt,
          stored: cliSessionsPath(dataDirOf(command)),
        }),
      );
    });

  program
    .command("logout")
    .description("sign out of the node and forget the stored session")
    .action(async (_options: unknown, command: Command) => {
      const nodeUrl = nodeUrlOf(command.optsWithGlobals<{ node?: string }>().node);
      const dataDir = dataDirOf(command);
      const session = await readSession(dataDir, nodeUrl);
      if (session) await createNodeApi(nodeUrl, async () => session.token).client.POST("/v1/auth/signout");
      await writeSession(dataDir, nodeUrl, undefined);
      output(command.optsWithGlobals(), { signedOut: session !== undefined }, () =>
        console.log(session ? `signed out ${session.account}` : "no stored session for this node"),
      );
    });

  program
    .command("whoami")
    .description("who the node takes you for: account or API key, roles, and the actions you may call")
    .action(async (_options: unknown, command: Command) => {
      const { api, out } = clientOf(command);
      const me = answer(await api.client.GET("/v1/auth/me"));
      output(out, me, () =>
        printRecord({
          kind: me.principal.kind,
          ...(me.principal.account ? { account: me.principal.account } : {}),
          ...(me.principal.keyId ? { keyId: me.principal.keyId } : {}),
          roles: me.roles.join(", ") || "(none)",
          actions: me.actions.join(", "),
        }),
      );
    });

  const apikey = program.command("apikey").description("API keys for services: create, list, rotate, revoke");
  apikey
    .command("create")
    .description("create a key with one of your roles (its secret is printed once)")
    .requiredOption("--name <name>", "what the key is for")
    .requiredOption("--role <role>", "the key's role (one you hold)")
    .option(
      "--region <codes>",
      "region codes, comma-separated (region roles: collector, region-operator, grid-operator)",
    )
    .option("--community <address>", "the community (community-operator, prosumer)")
    .action(
      async (
        options: { name: string; role: string; region?: string; community?: string },
        command: Command,
      ) => {
        const { api, out } = clientOf(command);
        const role = parseAccountRole(options.role);
        const kind = scopeKindOf[role];
        const scopes =
          kind === "region"
            ? (options.region ?? "")
                .split(",")
                .filter(Boolean)
                .map((code) => `region:${code.trim()}`)
            : kind === "community"
              ? [`community:${options.community ?? ""}`]
              : ["all"];
        if (scopes.length === 0) {
          throw new BaseError("CLI_SCOPE_REQUIRED", `a ${role} key needs --region <codes>`);
        }
        const key = answer(
          await api.client.POST("/v1/api-keys", {
            body: { name: options.name, bindings: scopes.map((scope) => ({ role, scope })) },
          }),
        );
        output(out, key, () => {
          printRecord({ id: key.id, name: key.name, key: key.key });
          console.log("The key is shown once: keep it now (e.g. GRIDLEDGER_API_KEY=… for the CLI).");
        });
      },
    );
  apikey
    .command("list")
    .description("the keys you manage (never their secrets)")
    .action(async (_options: unknown, command: Command) => {
      const { api, out } = clientOf(command);
      const { keys } = answer(await api.client.GET("/v1/api-keys"));
      const rows = keys.map((key) => ({
        ...key,
        bindings: key.bindings.map((b) => `${b.role}@${scopeText(b.scope)}`).join(" "),
      }));
      output(out, keys, () =>
        printTable(rows, ["id", "name", "bindings", "lastUsedAt", "revokedAt"], "(no API keys)"),
      );
    });
  apikey
    .command("rotate <id>")
    .description(
      "give a key a new secret (printed once); the old one stops working. `rotate bootstrap` with the bootstrap admin key rewrites <data-dir>/api-token",
    )
    .action(async (id: string, _options: unknown, command: Command) => {
      const { api, out } = clientOf(command);
      const key = answer(await api.client.POST("/v1/api-keys/{id}/rotate", { params: { path: { id } } }));
      output(out, key, () => printRecord({ id: key.id, name: key.name, key: key.key }));
    });
  apikey
    .command("revoke <id>")
    .description("revoke a key for good")
    .action(async (id: string, _options: unknown, command: Command) => {
      const { api, out } = clientOf(command);
      const { key } = answer(await api.client.DELETE("/v1/api-keys/{id}", { params: { path: { id } } }));
      output(out, key, () => printRecord({ id: key.id, revokedAt: key.revokedAt }));
    });
}
