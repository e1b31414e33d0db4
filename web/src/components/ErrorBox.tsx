import type { ApiError } from "../api.js";
import { useI18n } from "../i18n.js";

/** A refusal of the node, with its code and message as the API gave them. */
export function ErrorBox({ error }: { error: ApiError | Error | undefined }) {
  const { t } = useI18n();
  if (!error) return null;
  const code = "code" in error ? error.code : "ERROR";
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
