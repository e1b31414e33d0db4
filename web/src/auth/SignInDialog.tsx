import { type ChangeEvent, type FormEvent, useState } from "react";
import { ApiError, type SignedIn } from "../api.js";
import { ErrorBox } from "../components/ErrorBox.js";
import { useI18n } from "../i18n.js";
import { browserWallet, keyFileSigner, type Signer, SignInError, signIn, walletSigner } from "./signIn.js";

type Method = "wallet" | "key";

/**
 * Sign-In with Ethereum: with the browser's wallet (EIP-1193), or with a key file picked or pasted here.
 * A key file's key is used in this page only (viem's privateKeyToAccount): never sent, never stored.
 */
export function SignInDialog(props: { onSignedIn(answer: SignedIn): Promise<void>; onCancel(): void }) {
  const { t } = useI18n();
  const wallet = browserWallet();
  const [method, setMethod] = useState<Method>(wallet ? "wallet" : "key");
  const [keyText, setKeyText] = useState("");
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ key?: SignInError["key"]; error?: ApiError }>();

  const run = async (makeSigner: () => Signer | Promise<Signer>) => {
    setBusy(true);
    setFailure(undefined);
    try {
      const answer = await signIn(await makeSigner());
      setKeyText("");
      await props.onSignedIn(answer);
    } catch (error) {
      if (error instanceof SignInError) setFailure({ key: error.key });
      else if (error instanceof ApiError) setFailure({ error });
      else setFailure({ error: new ApiError(0, "CLIENT", String(error)) });
    } finally {
      setBusy(false);
    }
  };

  const pickFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (!file) return;
    // A key file is 66 characters and a newline; anything much larger is not one.
    if (file.size > 1024) return setFailure({ key: "keyFileInvalid" });
    setKeyText((await file.text()).trim());
  };

  const submitKey = (event: FormEvent) => {
    event.preventDefault();
    void run(() => keyFileSigner(keyText));
  };

  const tab = (name: Method, label: string) => (
    <button
      type="button"
      aria-pressed={method === name}
      data-testid={`sign-in-${name}`}
      onClick={() => {
        setMethod(name);
        setFailure(undefined);
      }}
    >
      {label}
    </button>
  );

  return (
    <div className="dialog-backdrop">
      <dialog open className="dialog" aria-labelledby="sign-in-title" data-testid="sign-in-dialog">
        <h2 id="sign-in-title">{t("signInTitle")}</h2>
        <p className="muted">{t("signInHelp")}</p>
        <fieldset className="segmented">
          {tab("wallet", t("signInWallet"))}
          {tab("key", t("signInKeyFile"))}
        </fieldset>
        {method === "wallet" ? (
          <div className="stack">
            <p className="muted">{wallet ? t("walletHelp") : t("walletMissing")}</p>
            <div className="row end">
              <button type="button" onClick={props.onCancel}>
                {t("cancel")}
              </button>
              <button
                type="button"
                className="primary"
                disabled={!wallet || busy}
                data-testid="sign-in-wallet-submit"
                onClick={() => wallet && void run(() => walletSigner(wallet))}
              >
                {busy ? t("signingIn") : t("signInWithWallet")}
              </button>
            </div>
          </div>
        ) : (
          <form onSubmit={submitKey} className="stack">
            <p className="muted">{t("keyFileHelp")}</p>
            <label>
              {t("keyFilePick")}
              <input type="file" accept=".key,.txt,text/plain" data-testid="key-file" onChange={pickFile} />
            </label>
            <label>
              {t("keyFilePaste")}
              <input
                name="key"
                type="password"
                value={keyText}
                onChange={(e) => setKeyText(e.target.value)}
                autoComplete="off"
                spellCheck={false}
                placeholder="0x…"
                data-testid="key-text"
              />
            </label>
            <div className="row end">
              <button type="button" onClick={props.onCancel}>
                {t("cancel")}
              </button>
              <button
                type="submit"
                className="primary"
                disabled={!keyText.trim() || busy}
                data-testid="sign-in-submit"
              >
                {busy ? t("signingIn") : t("signIn")}
              </button>
            </div>
          </form>
        )}
        {failure?.key && (
          <p className="error" role="alert" data-testid="sign-in-error">
            {t(failure.key)}
          </p>
        )}
        {failure?.error && <ErrorBox error={failure.error} />}
      </dialog>
    </div>
  );
}
