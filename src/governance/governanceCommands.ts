import type { Command } from "commander";
import type { paths } from "../api/openapi.js";
import { clientOf } from "../cli/context.js";
import { answer } from "../cli/nodeApi.js";
import { formatDuration, output, printRecord, printTable } from "../cli/output.js";
import { checkProposalText } from "../registry/proposals.js";

/** What the node answers to a proposal, vote or execution. */
export type Outcome = paths["/v1/proposals"]["post"]["responses"][200]["content"]["application/json"];
/** The body of `POST /v1/proposals`. */
type ProposalBody = paths["/v1/proposals"]["post"]["requestBody"]["content"]["application/json"];

/** Prints what a governance action did: taken effect, or the proposal id to vote on. */
export function printOutcome(result: Outcome, effect: string): void {
  if (result.executed) console.log(`${effect} (proposal ${result.proposalId} passed, tx ${result.txHash})`);
  else
    console.log(
      `proposal ${result.proposalId} awaits more votes (or its timelock delay): gridledger gov vote ${result.proposalId} --for, then gridledger gov execute ${result.proposalId}`,
    );
}

/**
 * The body fields of the forms given by position: `bind-service NAME ADDRESS`,
 * `set-function-role CONTRACT FUNCTION ROLE|public|governance`, `grant-authority-role ROLE ACCOUNT`,
 * `revoke-authority-role ROLE ACCOUNT`, `call TARGET SIGNATURE ARGS...`.
 */
export function positionalForm(kind: string, args: readonly string[]): Record<string, unknown> {
  const [a, b, c] = args;
  switch (kind) {
    case "bind-service":
      return { service: a, address: b };
    case "set-function-role":
      return { contract: a, function: b, authorityRole: c };
    case "grant-authority-role":
    case "revoke-authority-role":
      return { authorityRole: a, account: b };
    case "call":
      return { target: a, signature: b, args: args.slice(2) };
    default:
      return {};
  }
}

/** `gridledger gov …` and `gridledger chain …`. */
export function registerGovernanceCommands(program: Command): void {
  const gov = program
    .command("gov")
    .description("consortium governance: proposals and votes of seat holders");
  gov
    .command("propose <kind> [args...]")
    .description(
      "propose admit-member, remove-member, grant-role, revoke-role, approve-region, update-region or set-parameter (with options), " +
        "or bind-service NAME ADDRESS, set-function-role CONTRACT FUNCTION ROLE|public|governance, " +
        "grant-authority-role ROLE ACCOUNT, revoke-authority-role ROLE ACCOUNT, call TARGET SIGNATURE ARGS... " +
        "(TARGET: a contract name such as Registry, or an address; SIGNATURE: e.g. setParameter(bytes32,uint256))",
    )
    .option("--address <address>", "organisation (admit-member, remove-member, grant-role, revoke-role)")
    .option("--name <name>", "organisation name (admit-member) or parameter name (set-parameter)")
    .option("--roles <roles>", "comma-separated roles (admit-member)", "")
    .option("--seat", "give the new member a consortium seat (admit-member)")
    .option("--role <role>", "one role (grant-role, revoke-role)")
    .option("--code <code>", "region code (approve-region, update-region)")
    .option("--name-zh <name>", "Chinese region name (approve-region, update-region)")
    .option("--name-en <name>", "English region name (approve-region, update-region)")
    .option("--operator <address>", "region operator (approve-region: default this node's; update-region)")
    .option("--interval <seconds>", "metering interval (approve-region)", "900")
    .option("--value <n>", "parameter value (set-parameter)")
    .option("--description <text>", "what and why")
    .action(async (kind: string, args: string[], o, command: Command) => {
      const { api, out } = clientOf(command);
      const body = {
        ...positionalForm(kind, args),
        // Any text: the node refuses a kind it does not know (REQUEST_INVALID naming the kinds).
        kind: kind as ProposalBody["kind"],
        description: o.description,
        address: o.address,
        name: o.name,
        roles: o.roles,
        seat: !!o.seat,
        role: o.role,
        code: o.code,
        nameZh: o.nameZh,
        nameEn: o.nameEn,
        operator: o.operator,
        intervalSeconds: kind === "update-region" ? undefined : Number(o.interval),
        value: o.value,
      };
      checkProposalText(body);
      const result = answer(await api.client.POST("/v1/proposals", { body }));
      output(out, result, () => printOutcome(result, `${kind} took effect`));
    });
  gov
    .command("vote <id>")
    .description("vote on a proposal as this node's organisation")
    .option("--for", "vote for (default)")
    .option("--against", "vote against")
    .action(async (id: string, o, command: Command) => {
      const { api, out } = clientOf(command);
      if (o.for && o.against) command.error("error: give --for or --against, not both");
      const result = answer(
        await api.client.POST("/v1/proposals/{id}/votes", {
          params: { path: { id } },
          body: { support: !o.against },
        }),
      );
      output(out, result, () => printOutcome(result, `proposal ${id} took effect`));
    });
  gov
    .command("queue <id>")
    .description("queue a proposal that has succeeded in the timelock (execute it once the delay has passed)")
    .action(async (id: string, _o, command: Command) => {
      const { api, out } = clientOf(command);
      const result = answer(await api.client.POST("/v1/proposals/{id}/queue", { params: { path: { id } } }));
      output(out, result, () => console.log(`proposal ${id} queued (tx ${result.txHash})`));
    });
  gov
    .command("execute <id>")
    .description(
      "queue (when needed) and execute a proposal that has reached the quorum and whose timelock delay has passed",
    )
    .action(async (id: string, _o, command: Command) => {
      const { api, out } = clientOf(command);
      const result = answer(
        await api.client.POST("/v1/proposals/{id}/execute", { params: { path: { id } } }),
      );
      output(out, result, () => printOutcome(result, `proposal ${id} took effect`));
    });
  gov
    .command("list")
    .description("list proposals, newest first")
    .action(async (_o, command: Command) => {
      const { api, out } = clientOf(command);
      const { proposals } = answer(await api.client.GET("/v1/proposals"));
      output(out, proposals, () =>
        printTable(
          proposals.map((p) => ({ ...p, deadline: new Date(p.deadline * 1000).toISOString() })),
          ["id", "kind", "state", "forVotes", "againstVotes", "deadline", "description", "change"],
          "(no proposals)",
        ),
      );
    });
  gov
    .command("show <id>")
    .description("show one proposal with its decoded calls")
    .action(async (id: string, _o, command: Command) => {
      const { api, out } = clientOf(command);
      const found = answer(await api.client.GET("/v1/proposals/{id}", { params: { path: { id } } }));
      output(out, found, () => {
        const { calls, ...rest } = found;
        printRecord(rest);
        for (const call of calls ?? [])
          console.log(
            `call: ${call.contract}.${call.function}(${call.args.map((a) => JSON.stringify(a)).join(", ")})`,
          );
      });
    });
  gov
    .command("status")
    .description("seats, quorum and voting period")
    .action(async (_o, command: Command) => {
      const { api, out } = clientOf(command);
      const status = answer(await api.client.GET("/v1/governance"));
      output(out, status, () =>
        printRecord({ ...status, votingPeriod: formatDuration(Number(status.votingPeriod)) }),
      );
    });

  program
    .command("chain")
    .description("the chain this node uses")
    .command("status")
    .description("print chainId, blockNumber, rpcUrl and contract addresses")
    .action(async (_o, command: Command) => {
      const { api, out } = clientOf(command);
      const status = answer(await api.client.GET("/v1/chain"));
      output(out, status, () => printRecord(status));
    });
}
