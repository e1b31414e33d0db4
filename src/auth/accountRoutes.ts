import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { type Static, Type } from "typebox";
import { BaseError } from "../core/errors.js";
import { normaliseRegionCode } from "../registry/regionCode.js";
import type { ServerContext } from "../server/createServer.js";
import { address, nullable, oneOf, pageLimit, pageOffset, text } from "../server/paramSchemas.js";
import type { AccountsClient } from "./accountsClient.js";
import { parseAccount } from "./accountsClient.js";
import { listBindings } from "./accountsMirror.js";
import { type AccountRole, type ChainRole, parseAccountRole, type Scope } from "./roles.js";

const str = Type.String();

const scope = Type.Object(
  {
    kind: oneOf(["all", "region", "community"]),
    region: Type.Optional(text(16)),
    community: Type.Optional(address),
  },
  {
    description: "where the binding applies: everywhere, one region (by code) or one community (by address)",
    additionalProperties: false,
  },
);

const binding = {
  type: "object",
  required: ["account", "role", "scope", "grantedBy"],
  properties: {
    account: str,
    role: str,
    scope: {
      type: "object",
      required: ["kind"],
      properties: { kind: str, region: str, community: str },
    },
    scopeWord: str,
    grantedBy: str,
    grantedBlock: nullable({ type: "integer" }),
  },
} as const;

const bindingRequest = Type.Object(
  { account: address, role: text(32), scope: Type.Optional(scope) },
  { additionalProperties: false },
);

const bindingOutcome = {
  type: "object",
  required: ["binding", "txHash", "blockNumber", "changed"],
  properties: {
    binding: {
      type: "object",
      required: ["account", "role", "scope"],
      properties: { account: str, role: str, scope: binding.properties.scope },
    },
    txHash: str,
    blockNumber: { type: "integer" },
    changed: { type: "boolean", description: "false when the chain held this already (a second grant)" },
  },
} as const;

type BindingBody = Static<typeof bindingRequest>;

/** The scope of a request body, checked for the fields its kind needs. */
function scopeOf(input: BindingBody["scope"]): Scope | undefined {
  if (input === undefined) return undefined;
  if (input.kind === "all") return { kind: "all" };
  if (input.kind === "region") {
    if (input.region === undefined) {
      throw new BaseError("ACCOUNTS_SCOPE_REQUIRED", "a region scope names its region: scope.region");
    }
    return { kind: "region", region: normaliseRegionCode(input.region) };
  }
  if (input.community === undefined) {
    throw new BaseError("ACCOUNTS_SCOPE_REQUIRED", "a community scope names its community: scope.community");
  }
  return { kind: "community", community: parseAccount(input.community, "scope.community") };
}

/**
 * Accounts and their on-chain role bindings (the `account_roles` mirror of contracts/Accounts.sol), and
 * grants and revocations signed with the node's key as its organisation.
 */
export function registerAccountRoutes(
  app: FastifyInstance,
  context: Pick<ServerContext, "db" | "indexer" | "store"> & { accounts: AccountsClient },
): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { db, indexer, store, accounts } = context;

  api.get(
    "/v1/accounts",
    {
      config: { permission: "accounts.read" },
      schema: {
        summary:
          "Role bindings on chain, by account; filter by role or by the organisation that granted them",
        tags: ["accounts"],
        querystring: Type.Partial(
          Type.Object({ role: text(32), grantedBy: address, limit: pageLimit(100), offset: pageOffset }),
          { additionalProperties: false },
        ),
        response: {
          200: {
            type: "object",
            required: ["bindings"],
            properties: { bindings: { type: "array", items: binding } },
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      await indexer.sync();
      const role = q.role === undefined ? undefined : chainRole(parseAccountRole(q.role));
      return { bindings: await listBindings(db, { ...q, role }) };
    },
  );

  api.get(
    "/v1/accounts/:address",
    {
      config: { permission: "accounts.read" },
      schema: {
        summary: "One account's role bindings (an account with none has an empty list)",
        tags: ["accounts"],
        params: Type.Object({ address }),
        response: {
          200: {
            type: "object",
            required: ["address", "bindings"],
            properties: { address: str, bindings: { type: "array", items: binding } },
          },
        },
      },
    },
    async (request) => {
      const account = parseAccount(request.params.address, "address");
      await indexer.sync();
      return { address: account, bindings: await listBindings(db, { account }) };
    },
  );

  async function bindingInput(body: BindingBody) {
    const input = {
      account: parseAccount(body.account),
      role: parseAccountRole(body.role),
      scope: scopeOf(body.scope),
    };
    if (input.scope?.kind === "region" && !(await store.getRegion(input.scope.region))) {
      throw new BaseError(
        "REGISTRY_UNKNOWN_REGION",
        `region "${input.scope.region}" is not registered; see "gridledger region list"`,
        { details: { region: input.scope.region } },
      );
    }
    return input;
  }

  api.post(
    "/v1/accounts/grants",
    {
      config: { permission: "accounts.write" },
      schema: {
        summary: "Grant a role with a scope to an account, on chain, as this node's organisation",
        description:
          "Without a scope: everywhere for regulator, issuer and auditor; this organisation's own community " +
          "for community-operator and prosumer; region roles need `scope: { kind: region, region }`.",
        tags: ["accounts"],
        body: bindingRequest,
        response: { 200: bindingOutcome },
      },
    },
    async (request) => {
      await indexer.sync();
      const result = await accounts.grant(await bindingInput(request.body));
      await indexer.sync();
      return result;
    },
  );

  api.post(
    "/v1/accounts/revocations",
    {
      config: { permission: "accounts.write" },
      schema: {
        summary: "Revoke a binding this node's organisation granted, on chain",
        tags: ["accounts"],
        body: bindingRequest,
        response: { 200: bindingOutcome },
      },
    },
    async (request) => {
      await indexer.sync();
      const result = await accounts.revoke(await bindingInput(request.body));
      await indexer.sync();
      return result;
    },
  );
}

function chainRole(role: AccountRole): ChainRole {
  if (role === "admin") {
    throw new BaseError(
      "ACCOUNTS_ROLE_NOT_ON_CHAIN",
      "the admin role is local to a node, not granted on chain",
    );
  }
  return role;
}
