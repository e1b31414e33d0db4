import type { AccountRole } from "./roles.js";

/**
 * How far a role's permission reaches:
 * - `all`: wherever the role is held;
 * - `scoped`: only objects inside the binding's scope — a prosumer's own devices (owner = its address),
 *   a community operator's members' devices, a region operator's, grid operator's or collector's
 *   regions; handlers narrow lists and refuse single objects outside it (404, so nothing leaks);
 * - `purpose`: as `all`, but the request states why (`X-GridLedger-Purpose` header or `purpose`
 *   query parameter, logged in the access log); refused with `AUTH_PURPOSE_REQUIRED` without one.
 */
export type Reach = "all" | "scoped" | "purpose";

export type Permission = {
  /** One line for docs/security.md. */
  summary: string;
  /** Anyone, signed in or not. */
  public?: true;
  /** A device with its own signed token may do it (for its own readings). */
  device?: true;
  /** Reads or writes personal data: every call is written to the access log. */
  personal?: true;
  roles: Partial<Record<AccountRole, Reach>>;
};

const operators = { admin: "all", "region-operator": "scoped", regulator: "all" } as const;

/**
 * The one permission table (role × action × scope). Every route declares one of these actions in
 * `config.permission`; the auth plugin refuses a route without one at start-up, answers 401
 * `AUTH_REQUIRED` to a request without credentials and 403 `AUTH_FORBIDDEN` to a principal whose roles
 * the action does not list. docs/security.md prints this table; a test checks they match.
 */
export const permissions = {
  "docs.read": { summary: "the dashboard, the OpenAPI document, health", public: true, roles: {} },
  "chain.read": { summary: "chain status, blocks, on-chain anchors", public: true, roles: {} },
  "registry.read": {
    summary: "regions, organisations, governance and proposals (public on chain)",
    public: true,
    roles: {},
  },
  "anchors.read": {
    summary: "anchored batches: roots, counts, totals per region and interval",
    public: true,
    roles: {},
  },
  "stats.read": {
    summary: "rollups per region (a region with fewer than k devices is not broken down for the public)",
    public: true,
    roles: {},
  },
  "status.read": {
    summary: "the node's metering status and MQTT connection details",
    public: true,
    roles: {},
  },
  "auth.signin": {
    summary: "ask for a sign-in nonce, sign in, refresh, sign out, who am I",
    public: true,
    roles: {},
  },
  "devices.read": {
    summary: "devices with their owners",
    personal: true,
    roles: {
      ...operators,
      regulator: "purpose",
      "community-operator": "scoped",
      prosumer: "scoped",
      auditor: "all",
    },
  },
  "readings.read": {
    summary: "a device's readings, series and CSV",
    personal: true,
    roles: { ...operators, regulator: "purpose", "community-operator": "scoped", prosumer: "scoped" },
  },
  "readings.proof": {
    summary: "a reading's Merkle proof (a proof file stays verifiable offline by anyone)",
    personal: true,
    roles: {
      ...operators,
      regulator: "purpose",
      "community-operator": "scoped",
      prosumer: "scoped",
      auditor: "all",
    },
  },
  "readings.ingest": {
    summary: "submit signed readings (a collector's API key, or the device's own signed token)",
    device: true,
    roles: { admin: "all", collector: "scoped" },
  },
  "alerts.read": {
    summary: "alerts and their evidence",
    personal: true,
    roles: { ...operators, regulator: "purpose", "community-operator": "scoped", prosumer: "scoped" },
  },
  "alerts.write": { summary: "acknowledge and resolve alerts", roles: { ...operators } },
  "analyses.read": {
    summary: "analyses (region-level results) and the job queue",
    roles: { ...operators, "grid-operator": "scoped", auditor: "all" },
  },
  "analyses.write": { summary: "create, change, delete and refresh analyses", roles: { ...operators } },
  "audit.read": {
    summary: "audit stored batches against the chain; quarantined batches",
    roles: { ...operators, auditor: "all" },
  },
  "batches.write": {
    summary: "anchor now; release or drop quarantined batches",
    roles: { admin: "all", "region-operator": "scoped" },
  },
  "devices.write": {
    summary: "register, approve, suspend and retire devices (signed with the node's key)",
    roles: { admin: "all", "region-operator": "scoped" },
  },
  "governance.write": {
    summary: "propose, vote, execute; propose and update regions (signed with the node's key)",
    roles: { admin: "all" },
  },
  "accounts.read": {
    summary: "accounts and their on-chain role bindings",
    roles: { admin: "all", regulator: "all", auditor: "all" },
  },
  "accounts.write": {
    summary: "grant and revoke role bindings on chain as this node's organisation",
    roles: { admin: "all" },
  },
  "apikeys.manage": {
    summary: "create, list, rotate and revoke API keys (an account: its own keys, with roles it holds)",
    roles: {
      admin: "all",
      regulator: "scoped",
      "region-operator": "scoped",
      "grid-operator": "scoped",
      "community-operator": "scoped",
      issuer: "scoped",
      auditor: "scoped",
    },
  },
  "profiles.read": {
    summary: "owner profiles (name, address, contact, meter location), decrypted",
    personal: true,
    roles: { admin: "all", "region-operator": "scoped", regulator: "purpose", prosumer: "scoped" },
  },
  "profiles.write": {
    summary: "write an owner profile; erase it (destroys the subject's key)",
    personal: true,
    roles: { admin: "all", prosumer: "scoped" },
  },
  "metrics.read": {
    summary: "Prometheus metrics of the node (no personal data): scraped with an API key",
    roles: { admin: "all", "region-operator": "all", regulator: "all", auditor: "all" },
  },
  "market.read": {
    summary: "markets, slots, order books (depth only), published orders and results after clearing, audits",
    public: true,
    roles: {},
  },
  "market.trade": {
    summary: "place and cancel orders (the order's EIP-712 signature authenticates, not the caller)",
    public: true,
    roles: {},
  },
  "market.settlement": {
    summary: "a slot's settlement lines (a prosumer: its own lines)",
    personal: true,
    roles: {
      admin: "all",
      regulator: "all",
      auditor: "all",
      "community-operator": "scoped",
      prosumer: "scoped",
    },
  },
  "market.me": {
    summary: "the signed-in account's escrow, orders, trades and statement",
    personal: true,
    roles: { prosumer: "scoped", "community-operator": "scoped" },
  },
  "accesslog.read": {
    summary: "the access log and its hash-chain verification",
    roles: { admin: "all", regulator: "all", auditor: "all" },
  },
} as const satisfies Record<string, Permission>;

/** An action of the permission table. */
export type Action = keyof typeof permissions;

/** Every action, in table order. */
export const actions = Object.keys(permissions) as Action[];

/** How far `role` reaches for `action`, or undefined when the table does not give it. */
export function reachOf(action: Action, role: AccountRole): Reach | undefined {
  return (permissions[action] as Permission).roles[role];
}
