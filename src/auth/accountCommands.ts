import { resolve } from "node:path";
import type { Command } from "commander";
import { clientOf } from "../cli/context.js";
import { answer } from "../cli/nodeApi.js";
import { output, printTable } from "../cli/output.js";
import { createAccountKeyFile } from "./accountKey.js";

/** A binding's scope as the node answers it. */
type ScopeView = { kind: string; region?: string; community?: string };

/** A scope for people: `all`, `region CN-GD`, `community 0x…`. */
export function scopeText(scope: ScopeView): string {
  if (scope.kind === "region") return `region ${scope.region}`;
  if (scope.kind === "community") return `community ${scope.community}`;
  return "all";
}

type ScopeOptions = { region?: string; community?: string };

function scopeBody(options: ScopeOptions) {
  if (options.region !== undefined) return { kind: "region" as const, region: options.region };
  if (options.community !== undefined) return { kind: "community" as const, community: options.community };
  return undefined;
}

/**
 * `gridledger account create|list|grant|revoke`: account keys, and role bindings granted on chain by
 * the node's organisation (through the node's API).
 */
export function registerAccountCommands(program: Command): void {
  const account = program
    .command("account")
    .description("account keys, and the roles the node's organisation grants them on chain");

  account
    .command("create")
    .description("write a new account key (secp256k1, mode 0600) and print its address; never overwrites")
    .requiredOption("--out <file>", "where to write the key")
    .action(async (options: { out: string }, command: Command) => {
      const { out } = clientOf(command);
      const created = await createAccountKeyFile(resolve(options.out));
      output(out, created, () => {
        console.log(created.address);
        console.error(
          `key written to ${created.path} (keep it secret; sign in with: gridledger login --key ${options.out})`,
        );
      });
    });

  account
    .command("list")
    .description(
      "role bindings on chain, by account (needs accounts.read: an admin, regulator or auditor key or session)",
    )
    .option("--role <role>", "only this role")
    .option("--address <address>", "only this account")
    .action(async (options: { role?: string; address?: string }, command: Command) => {
      const { api, out } = clientOf(command);
      const { bindings } =
        options.address === undefined
          ? answer(await api.client.GET("/v1/accounts", { params: { query: { role: options.role } } }))
          : answer(
              await api.client.GET("/v1/accounts/{address}", {
                params: { path: { address: options.address } },
              }),
            );
      output(out, bindings, () =>
        printTable(
          bindings.map((b) => ({ ...b, scope: scopeText(b.scope) })),
          ["account", "role", "scope", "grantedBy"],
          "(no bindings)",
        ),
      );
    });

  for (const [name, path, verb] of [
    ["grant", "/v1/accounts/grants", "granted"],
    ["revoke", "/v1/accounts/revocations", "revoked"],
  ] as const) {
    account
      .command(`${name} <address> <role>`)
      .description(
        `${name} a role ${name === "grant" ? "to" : "from"} an account on chain, as the node's organisation ` +
          "(roles: regulator, grid-operator, region-operator, community-operator, prosumer, issuer, auditor, collector)",
      )
      .option("--region <code>", "the region (region-operator, grid-operator, collector)")
      .option(
        "--community <address>",
        "the community (community-operator, prosumer; default the node's own organisation)",
      )
      .action(async (address: string, role: string, options: ScopeOptions, command: Command) => {
        const { api, out } = clientOf(command);
        const scope = scopeBody(options);
        const result = answer(await api.client.POST(path, { body: { account: address, role, scope } }));
        output(out, result, () => {
          const what = `${result.binding.role} (${scopeText(result.binding.scope)}) for ${result.binding.account}`;
          console.log(result.changed ? `${verb} ${what} (tx ${result.txHash})` : `already ${verb}: ${what}`);
        });
      });
  }
}
