import { type Abi, type Address, type Hex, stringToHex, zeroAddress } from "viem";
import {
  accountsAbi,
  accountsBytecode,
  consortiumAbi,
  consortiumBytecode,
  consortiumGovernorAbi,
  consortiumGovernorBytecode,
  gridAuthorityAbi,
  gridAuthorityBytecode,
  gridTimelockAbi,
  gridTimelockBytecode,
  marketAbi,
  marketBytecode,
  meterAnchorAbi,
  meterAnchorBytecode,
  registryAbi,
  registryBytecode,
  rewardTokenAbi,
  rewardTokenBytecode,
  settlementTokenAbi,
  settlementTokenBytecode,
} from "./artifacts/index.js";

/** The platform's contracts (names of `contracts/*.sol`). */
export type ContractName =
  | "GridAuthority"
  | "Consortium"
  | "GridTimelock"
  | "ConsortiumGovernor"
  | "Registry"
  | "MeterAnchor"
  | "Accounts"
  | "SettlementToken"
  | "RewardToken"
  | "Market";

/**
 * The GridAuthority's roles besides ADMIN (0, governance) and PUBLIC, named in one place
 * (contracts/interfaces/ITokens.sol): PAYMENT_AGENT mints and burns settlement tokens, MARKET_MINTER
 * mints rewards.
 */
export const authorityRoles = { paymentAgent: 10n, marketMinter: 11n } as const;

/** The name of a role of {@link authorityRoles}. */
export type AuthorityRoleName = keyof typeof authorityRoles;

/** What a founder chooses: its organisation's name and role mask, and the timelock's delay in seconds. */
export type FoundingOptions = { founderName: string; founderRoles: number; timelockDelay: bigint };

/** The addresses known when a contract is deployed, the deployer and the founding options. */
export type FoundingContext = {
  addresses: Partial<Record<ContractName, Address>>;
  deployer: Address;
  options: FoundingOptions;
};

/** How one contract is deployed, found and opened at founding. */
export type ContractSpec = {
  name: ContractName;
  abi: Abi;
  bytecode: Hex;
  /** Name in the Consortium's service directory, or undefined for the Consortium itself. */
  service?: Hex;
  /** Constructor arguments from the addresses deployed before it and the founding options. */
  args: (ctx: FoundingContext) => readonly unknown[];
  /** Functions opened to every caller (PUBLIC_ROLE) at founding; the contract's own checks still apply. Others: governance only. */
  publicFunctions: readonly string[];
  /** Functions restricted to an authority role at founding (instead of governance only). */
  roleFunctions?: readonly { role: AuthorityRoleName; functions: readonly string[] }[];
  /** The accounts granted an authority role at founding (the deployer, a contract of the manifest). */
  roleGrants?: (ctx: FoundingContext) => readonly { role: AuthorityRoleName; account: Address }[];
};

/** Where each contract of the manifest is, on one chain. */
export type ContractAddresses = Record<ContractName, Address>;

/** A service-directory name: `name` as a left-aligned `bytes32`. */
export function serviceName(name: string): Hex {
  return stringToHex(name, { size: 32 });
}

/** The address of a contract deployed earlier in the manifest (a founding bug when missing). */
function deployed(ctx: FoundingContext, name: ContractName): Address {
  const address = ctx.addresses[name];
  if (!address) throw new Error(`${name} must be deployed before the contracts that take its address`);
  return address;
}

/** The platform's contracts, in deployment order. Adding a contract = one entry here + its module. */
export const contractManifest: readonly ContractSpec[] = [
  {
    name: "GridAuthority",
    abi: gridAuthorityAbi,
    bytecode: gridAuthorityBytecode,
    service: serviceName("authority"),
    args: (ctx) => [ctx.deployer],
    publicFunctions: [],
  },
  {
    name: "Consortium",
    abi: consortiumAbi,
    bytecode: consortiumBytecode,
    args: (ctx) => [deployed(ctx, "GridAuthority"), ctx.options.founderName, ctx.options.founderRoles],
    publicFunctions: [],
  },
  {
    name: "GridTimelock",
    abi: gridTimelockAbi,
    bytecode: gridTimelockBytecode,
    service: serviceName("timelock"),
    args: (ctx) => [ctx.options.timelockDelay, [], [zeroAddress], ctx.deployer],
    publicFunctions: [],
  },
  {
    name: "ConsortiumGovernor",
    abi: consortiumGovernorAbi,
    bytecode: consortiumGovernorBytecode,
    service: serviceName("governor"),
    args: (ctx) => [deployed(ctx, "Consortium"), deployed(ctx, "GridTimelock")],
    publicFunctions: [],
  },
  {
    name: "Registry",
    abi: registryAbi,
    bytecode: registryBytecode,
    service: serviceName("registry"),
    args: (ctx) => [deployed(ctx, "GridAuthority"), deployed(ctx, "Consortium")],
    publicFunctions: ["registerDevices", "approveDevices", "setDeviceStatus"],
  },
  {
    name: "MeterAnchor",
    abi: meterAnchorAbi,
    bytecode: meterAnchorBytecode,
    service: serviceName("MeterAnchor"),
    args: (ctx) => [deployed(ctx, "GridAuthority"), deployed(ctx, "Registry")],
    publicFunctions: ["anchor"],
  },
  {
    name: "Accounts",
    abi: accountsAbi,
    bytecode: accountsBytecode,
    service: serviceName("accounts"),
    args: (ctx) => [deployed(ctx, "GridAuthority"), deployed(ctx, "Registry")],
    publicFunctions: ["grant", "revoke", "anchorAccessLog"],
  },
  {
    name: "SettlementToken",
    abi: settlementTokenAbi,
    bytecode: settlementTokenBytecode,
    service: serviceName("settlement-token"),
    args: (ctx) => [deployed(ctx, "GridAuthority")],
    publicFunctions: ["transfer", "transferFrom", "approve", "permit"],
    roleFunctions: [{ role: "paymentAgent", functions: ["mint", "burn"] }],
    // The founder (the node's operator key) is the payment agent until governance names another.
    roleGrants: (ctx) => [{ role: "paymentAgent", account: ctx.deployer }],
  },
  {
    name: "RewardToken",
    abi: rewardTokenAbi,
    bytecode: rewardTokenBytecode,
    service: serviceName("reward-token"),
    args: (ctx) => [deployed(ctx, "GridAuthority")],
    publicFunctions: ["transfer", "transferFrom", "approve", "redeem"],
    roleFunctions: [{ role: "marketMinter", functions: ["mint"] }],
    roleGrants: (ctx) => [{ role: "marketMinter", account: deployed(ctx, "Market") }],
  },
  {
    name: "Market",
    abi: marketAbi,
    bytecode: marketBytecode,
    service: serviceName("market"),
    args: (ctx) => [
      deployed(ctx, "GridAuthority"),
      deployed(ctx, "SettlementToken"),
      deployed(ctx, "RewardToken"),
      deployed(ctx, "MeterAnchor"),
    ],
    publicFunctions: [
      "setTariffs",
      "deposit",
      "depositFor",
      "withdraw",
      "commitClearing",
      "settle",
      "claimRewards",
      "dispute",
    ],
  },
];

/** The manifest entry of a contract. */
export function contractSpec(name: ContractName): ContractSpec {
  const spec = contractManifest.find((s) => s.name === name);
  if (!spec) throw new Error(`no contract ${name} in the manifest`);
  return spec;
}
