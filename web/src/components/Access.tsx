import { type FormEvent, type ReactNode, useState } from "react";
import { useI18n } from "../i18n.js";
import { rolesFor, useSession } from "../session.js";
import type { StringKey } from "../strings.js";

/** A role's name in the page's language (`prosumer` → 产消者), the raw name for one the dashboard does not know. */
export function useRoleName() {
  const { t, has } = useI18n();
  return (role: string) => {
    const key = `role_${role}`;
    return has(key) ? t(key as StringKey) : role;
  };
}

/** The children when the signed-in principal may call `action`; otherwise who may, and a sign-in button. */
export function Gate({ action, children }: { action: string; children: ReactNode }) {
  const { t } = useI18n();
  const session = useSession();
  if (!session.me) return <p className="muted">{t("loading")}</p>;
  if (!session.can(action)) return <NeedsSignIn action={action} />;
  return <>{children}</>;
}

/** "Sign in as … to see this" (not signed in), or "your role … does not allow this" (signed in). */
export function NeedsSignIn({ action }: { action: string | undefined }) {
  const { t, lang } = useI18n();
  const session = useSession();
  const roleName = useRoleName();
  const roles = action ? rolesFor(action).map(roleName) : [];
  const list = roles.join(lang === "zh" ? "、" : ", ");
  const signedIn = Boolean(session.account);
  const mine = (session.me?.roles ?? []).map(roleName).join(lang === "zh" ? "、" : ", ");
  return (
    <div className="notice" role="note" data-testid="needs-sign-in" data-action={action}>
      <strong>
        {signedIn
          ? t("forbiddenTitle", { roles: mine || t("noRole") })
          : roles.length
            ? t("signInToSee", { roles: list })
            : t("signInToSeeAny")}
      </strong>
      {signedIn && roles.length > 0 && <div>{t("forbiddenWho", { roles: list })}</div>}
      <div className="row">
        <button type="button" className="primary" onClick={session.openSignIn}>
          {signedIn ? t("signInOther") : t("signIn")}
        </button>
      </div>
    </div>
  );
}

/** Asks a regulator why it reads per-device data; the purpose goes with every request and into the access log. */
export function PurposeForm() {
  const { t } = useI18n();
  const session = useSession();
  const [text, setText] = useState(session.purpose ?? "");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (text.trim()) session.setPurpose(text);
  };
  return (
    <form className="notice" onSubmit={submit} data-testid="purpose-form">
      <strong>{t("purposeTitle")}</strong>
      <div className="muted">{t("purposeHelp")}</div>
      <div className="row">
        <input
          name="purpose"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={t("purposePlaceholder")}
          maxLength={200}
          required
          data-testid="purpose-input"
        />
        <button type="submit" className="primary" data-testid="purpose-submit">
          {t("purposeSubmit")}
        </button>
      </div>
    </form>
  );
}
