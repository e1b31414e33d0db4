import { type Address, getAddress, type Hex, isAddress, parseEventLogs, type TransactionReceipt } from "viem";
import { accountsAbi } from "../chain/artifacts/index.js";
import type { ChainClient } from "../chain/chainClient.js";
import { BaseError } from "../core/errors.js";
import { normaliseRegionCode, regionIdOf } from "../registry/regionCode.js";
import { scopeWord } from "./accountStore.js";
import {
  type AccountRole,
  type Binding,
  type ChainRole,
  chainRoleId,
  type Scope,
  scopeKindOf,
} from "./roles.js";

/** What a grant, revoke or anchor did on chain. `changed` is false when the chain held it already. */
export type AccountsOutcome = { txHash: Hex; blockNumber: number; changed: boolean };

/** A binding ready for the contract: role id and scope word. */
export type ChainBinding = {
  account: Address;
  role: ChainRole;
  roleId: number;
  scope: Scope;
  scopeWord: Hex;
};

/** Checks an account address given by a user (any case) and returns it checksummed. */
export function parseAccount(value: unknown, field = "account"): Address {
  if (typeof value !== "string" || !isAddress(value, { strict: false })) {
    throw new BaseError(
      "ACCOUNTS_INVALID_ADDRESS",
      `${field} must be a 20-byte hex address, got "${String(value)}"`,
      { details: { field, value } },
    );
  }
  return getAddress(value);
}

/**
 * The binding a grant or revoke names, checked before anything is sent: `admin` is local to a node
 * (`ACCOUNTS_ROLE_NOT_ON_CHAIN`); the scope must be of the kind the role takes (`ACCOUNTS_SCOPE_MISMATCH`).
 * Without a scope, an everywhere role is granted everywhere and a community role in the granting
 * organisation's own community (`grantor`); a region role needs its region (`ACCOUNTS_SCOPE_REQUIRED`).
 */
export function chainBinding(input: {
  account: Address;
  role: AccountRole;
  scope?: Scope | undefined;
  grantor: Address;
}): ChainBinding {
  const { account, role } = input;
  const roleId = chainRoleId(role);
  if (roleId === undefined) {
    throw new BaseError(
      "ACCOUNTS_ROLE_NOT_ON_CHAIN",
      `the ${role} role is local to a node (its API keys), not granted on chain`,
      { details: { role } },
    );
  }
  const kind = scopeKindOf[role];
  let scope = input.scope;
  if (scope === undefined) {
    if (kind === "region") {
      throw new BaseError("ACCOUNTS_SCOPE_REQUIRED", `the ${role} role is granted for one region: name it`, {
        details: { role },
      });
    }
    scope = kind === "all" ? { kind: "all" } : { kind: "community", community: input.grantor };
  }
  if (scope.kind !== kind) {
    throw new BaseError(
      "ACCOUNTS_SCOPE_MISMATCH",
      `the ${role} role takes a scope of kind "${kind}", not "${scope.kind}"`,
      { details: { role, expected: kind, scope: scope.kind } },
    );
  }
  if (scope.kind === "region") scope = { kind: "region", region: normaliseRegionCode(scope.region) };
  if (scope.kind === "community")
    scope = { kind: "community", community: parseAccount(scope.community, "community") };
  return { account, role: role as ChainRole, roleId, scope, scopeWord: scopeWord(scope, regionIdOf) };
}

/**
 * Writes to and reads from the Accounts contract (contracts/Accounts.sol) as the node's organisation,
 * through the node's transaction sender (one nonce manager per key). Refusals come back as the
 * contract's errors by code (`ACCOUNTS_NOT_MEMBER`, `ACCOUNTS_INVALID_SCOPE`, …).
 */
export function createAccountsClient(options: { client: ChainClient; address: Address }) {
  const { client } = options;
  const contract = { address: options.address, abi: accountsAbi } as const;
  const organisation = client.sender.account.address;

  function outcome(receipt: TransactionReceipt): AccountsOutcome {
    const events = parseEventLogs({ abi: accountsAbi, logs: receipt.logs });
    return {
      txHash: receipt.transactionHash,
      blockNumber: Number(receipt.blockNumber),
      changed: events.length > 0,
    };
  }

  const bindingOf = (input: { account: Address; role: AccountRole; scope?: Scope | undefined }) =>
    chainBinding({ ...input, grantor: organisation });

  return {
    address: options.address,
    /** The organisation this node grants as (its operator address). */
    organisation,
    bindingOf,

    /** Binds an account to a role with a scope, as this node's organisation. Granting again changes nothing. */
    async grant(input: { account: Address; role: AccountRole; scope?: Scope | undefined }) {
      const binding = bindingOf(input);
      const receipt = await client.sender.write({
        ...contract,
        functionName: "grant",
        args: [binding.account, binding.roleId, binding.scopeWord],
      });
      return { binding: toBinding(binding), ...outcome(receipt) };
    },

    /** Removes a binding this node's organisation granted (`ACCOUNTS_NOT_GRANTED`, `ACCOUNTS_NOT_GRANTOR`). */
    async revoke(input: { account: Address; role: AccountRole; scope?: Scope | undefined }) {
      const binding = bindingOf(input);
      const receipt = await client.sender.write({
        ...contract,
        functionName: "revoke",
        args: [binding.account, binding.roleId, binding.scopeWord],
      });
      return { binding: toBinding(binding), ...outcome(receipt) };
    },

    /** Anchors the head of this organisation's access log for a day (days since 1970-01-01 UTC); write-once. */
    async anchorAccessLog(day: number, head: Hex, count: number): Promise<AccountsOutcome> {
      const receipt = await client.sender.write({
        ...contract,
        functionName: "anchorAccessLog",
        args: [BigInt(day), head, BigInt(count)],
      });
      return outcome(receipt);
    },

    /** The organisation that granted a binding, or undefined (read from the chain, not the mirror). */
    async grantorOf(binding: ChainBinding): Promise<Address | undefined> {
      const grantor = await client.publicClient.readContract({
        ...contract,
        functionName: "grantorOf",
        args: [binding.account, binding.roleId, binding.scopeWord],
      });
      return /^0x0{40}$/.test(grantor) ? undefined : grantor;
    },

    /** The head an organisation anchored for a day, or undefined. */
    async accessLogHead(org: Address, day: number): Promise<{ head: Hex; count: number } | undefined> {
      const [head, count] = await client.publicClient.readContract({
        ...contract,
        functionName: "accessLogHead",
        args: [org, BigInt(day)],
      });
      return /^0x0{64}$/.test(head) ? undefined : { head, count: Number(count) };
    },
  };
}

function toBinding(binding: ChainBinding): Binding & { account: Address } {
  return { account: binding.account, role: binding.role, scope: binding.scope };
}

/** The Accounts client of a node. */
export type AccountsClient = ReturnType<typeof createAccountsClient>;
