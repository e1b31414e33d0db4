import { shortHex } from "../format.js";
import { useI18n } from "../i18n.js";
import { useSession } from "../session.js";
import { useRoleName } from "./Access.js";

/** The header's account block: the signed-in address and roles, the stated purpose, sign-out; or a sign-in button. */
export function WhoAmI() {
  const { t, lang } = useI18n();
  const session = useSession();
  const roleName = useRoleName();
  if (!session.account) {
    return (
      <button type="button" className="on-dark" onClick={session.openSignIn} data-testid="sign-in">
        {t("signIn")}
      </button>
    );
  }
  const roles = (session.me?.roles ?? []).map(roleName).join(lang === "zh" ? "、" : ", ");
  return (
    <>
      <span
        className="who"
        title={t("whoTitle", { address: session.account })}
        data-testid="whoami"
        data-account={session.account}
      >
        <code>{shortHex(session.account)}</code>
        <span className="role" data-testid="whoami-roles">
          {roles || t("noRole")}
        </span>
      </span>
      {session.purpose && (
        <button
          type="button"
          className="on-dark purpose"
          title={t("purposeClear")}
          data-testid="purpose-chip"
          onClick={() => session.setPurpose(undefined)}
        >
          {t("purposeLabel", { purpose: session.purpose })} ×
        </button>
      )}
      <button type="button" className="on-dark" onClick={() => void session.signOut()} data-testid="sign-out">
        {t("signOut")}
      </button>
    </>
  );
}
