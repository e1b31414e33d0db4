import { BaseError } from "../core/errors.js";
import { type Action, actions, type Permission, permissions, type Reach, reachOf } from "./permissions.js";
import { type Principal, rolesOf } from "./principal.js";

/** The furthest reach a principal's roles give for an action (`all` > `scoped` > `purpose`), or undefined. */
export function reachFor(action: Action, principal: Principal): Reach | undefined {
  if (principal.kind !== "account" && principal.kind !== "api-key") return undefined;
  const reaches = principal.bindings.map((binding) => reachOf(action, binding.role));
  for (const reach of ["all", "scoped", "purpose"] as const) if (reaches.includes(reach)) return reach;
  return undefined;
}

/**
 * Decides whether `principal` may perform `action`, as the permission table says (src/auth/permissions.ts):
 * public actions pass for anyone; a device only its own `device` actions; anonymous → `AUTH_REQUIRED`;
 * no role listed → `AUTH_FORBIDDEN`; a role reaching only with a purpose and no purpose given →
 * `AUTH_PURPOSE_REQUIRED`. Returns the reach the principal acts with (undefined for public or device).
 */
export function authorize(action: Action, principal: Principal, purpose: string | null): Reach | undefined {
  const permission = permissions[action] as Permission;
  if (permission.public) return reachFor(action, principal);
  if (principal.kind === "device") {
    if (permission.device) return undefined;
    throw new BaseError("AUTH_FORBIDDEN", `a device may not ${action}; only submit its own readings`, {
      details: { action },
    });
  }
  if (principal.kind === "anonymous") {
    throw new BaseError(
      "AUTH_REQUIRED",
      `${action} needs a signed-in account or an API key (Authorization: Bearer <key>; see docs/security.md)`,
      { details: { action } },
    );
  }
  const reach = reachFor(action, principal);
  if (reach === undefined) {
    const roles = rolesOf(principal);
    throw new BaseError(
      "AUTH_FORBIDDEN",
      `none of your roles (${roles.join(", ") || "none"}) may ${action}`,
      {
        details: { action, roles },
      },
    );
  }
  if (reach === "purpose" && purpose === null) {
    throw new BaseError(
      "AUTH_PURPOSE_REQUIRED",
      `${action} reads personal data: state why with the X-GridLedger-Purpose header (or ?purpose=)`,
      { details: { action } },
    );
  }
  return reach;
}

/** The actions of the table a principal may call (purpose actions included: they need only a stated purpose). */
export function allowedActions(principal: Principal): Action[] {
  return actions.filter((action) => {
    try {
      authorize(action, principal, "listing");
      return true;
    } catch {
      return false;
    }
  });
}
