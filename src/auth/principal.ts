import type { Address } from "viem";
import type { AccountRole, Binding } from "./roles.js";

/**
 * Who made a request, resolved once per request by the auth plugin (src/auth/authPlugin.ts):
 * - `anonymous`: no credentials; sees what the permission table gives the public;
 * - `account`: signed in with Sign-In with Ethereum (session cookie or bearer session token); its
 *   bindings are the roles the chain records for its address (mirrored in `account_roles`);
 * - `api-key`: a service or script with an API key; its bindings are the key's own (a subset of its
 *   creator's); `account` is the creator's address, or undefined for the bootstrap admin key;
 * - `device`: a meter with its signed login token (the MQTT password), for `POST /v1/readings` only.
 */
export type Principal =
  | { kind: "anonymous" }
  | { kind: "account"; account: Address; bindings: Binding[]; sessionId: string }
  | { kind: "api-key"; keyId: string; name: string; account: Address | undefined; bindings: Binding[] }
  | { kind: "device"; deviceId: `0x${string}` };

/** The roles a principal holds, whatever their scope. */
export function rolesOf(principal: Principal): AccountRole[] {
  if (principal.kind !== "account" && principal.kind !== "api-key") return [];
  return [...new Set(principal.bindings.map((binding) => binding.role))];
}

/** How a principal is named in the access log and on alert actions: an address, `api-key:<id>`, `device:<id>`. */
export function actorOf(principal: Principal): string {
  switch (principal.kind) {
    case "anonymous":
      return "anonymous";
    case "account":
      return principal.account;
    case "api-key":
      return `api-key:${principal.keyId}`;
    case "device":
      return `device:${principal.deviceId}`;
  }
}

declare module "fastify" {
  interface FastifyRequest {
    /** Who made the request (set by the auth plugin before any handler runs). */
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** The action of the permission table (src/auth/permissions.ts) this route performs. */
    permission?: import("./permissions.js").Action;
  }
}
