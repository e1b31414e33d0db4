import type { ApiError } from "../api.js";
import { useI18n } from "../i18n.js";
import { NeedsSignIn, PurposeForm } from "./Access.js";

/** Codes of the permission check (src/auth/authPlugin.ts) that the page answers with a way forward. */
const refusals = new Set(["AUTH_REQUIRED", "AUTH_FORBIDDEN"]);

/**
 * A refusal of the node, with its code and message as the API gave them; a refusal for want of a
 * sign-in, a role or a stated purpose says who may see this and how, never a bare error.
 */
export function ErrorBox({ error, action }: { error: ApiError | Error | undefined; action?: string }) {
  const { t } = useI18n();
  if (!error) return null;
  const code = "code" in error ? error.code : "ERROR";
  if (code === "AUTH_PURPOSE_REQUIRED") return <PurposeForm />;
  if (refusals.has(code)) {
    const details = "details" in error ? (error.details as { action?: unknown } | undefined) : undefined;
    const named = typeof details?.action === "string" ? details.action : action;
    return <NeedsSignIn action={named} />;
  }
  const status = "status" in error && error.status ? ` (HTTP ${error.status})` : "";
  return (
    <div className="error" role="alert" data-testid="api-error">
      <strong>{code === "NETWORK" ? t("errorNetwork") : t("errorTitle")}</strong>{" "}
      <code>
        {code}
        {status}
      </code>
      <div>{error.message}</div>
    </div>
  );
}
