import {
  createContext,
  type FormEvent,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { useI18n } from "./i18n.js";

const tokenKey = "gridledger.token";
const nameKey = "gridledger.name";

/**
 * Takes an API token given in the address (`#token=…`, or `token=…` in the hash's query), keeps it in
 * localStorage and removes it from the address bar and history, so it is not shared with a screenshot
 * or a copied link.
 */
export function captureTokenFromUrl(): string | undefined {
  const hash = window.location.hash.replace(/^#/, "");
  const [path = "", search = ""] = hash.includes("?")
    ? hash.split("?", 2)
    : hash.startsWith("/")
      ? [hash, ""]
      : ["", hash];
  const params = new URLSearchParams(search);
  const token = params.get("token");
  if (!token) return undefined;
  localStorage.setItem(tokenKey, token);
  params.delete("token");
  const rest = params.toString();
  const cleaned = `${path || "/"}${rest ? `?${rest}` : ""}`;
  window.history.replaceState(null, "", `${window.location.pathname}${window.location.search}#${cleaned}`);
  window.dispatchEvent(new HashChangeEvent("hashchange"));
  return token;
}

/**
 * Who acts on alerts: their name (recorded as `by`) and the node's API token. Holding the token is
 * being signed in (the header says so, also after a `#token=` link); the name is asked once, at the
 * first action, without asking for the token again.
 */
export type Credentials = { name: string; token: string };

type Session = {
  name: string | undefined;
  token: string | undefined;
  /** The credentials, asking for the missing ones in the sign-in dialog; undefined when it is cancelled. */
  credentials(): Promise<Credentials | undefined>;
  openSignIn(): void;
  signOut(): void;
};

const SessionContext = createContext<Session | undefined>(undefined);

/** Keeps the name and token in localStorage and shows the sign-in dialog when an action needs them. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [name, setName] = useState(() => localStorage.getItem(nameKey) ?? undefined);
  const [token, setToken] = useState(() => localStorage.getItem(tokenKey) ?? undefined);
  const [dialogOpen, setDialogOpen] = useState(false);
  const waiting = useRef<((credentials: Credentials | undefined) => void)[]>([]);

  // A `#token=…` link opened while the dashboard is already open changes only the hash.
  useEffect(() => {
    const onHashChange = () => {
      const captured = captureTokenFromUrl();
      if (captured) setToken(captured);
    };
    window.addEventListener("hashchange", onHashChange);
    return () => window.removeEventListener("hashchange", onHashChange);
  }, []);

  const finish = useCallback((credentials: Credentials | undefined) => {
    setDialogOpen(false);
    for (const resolve of waiting.current.splice(0)) resolve(credentials);
  }, []);

  const value = useMemo<Session>(
    () => ({
      name,
      token,
      credentials() {
        if (name && token) return Promise.resolve({ name, token });
        setDialogOpen(true);
        return new Promise((resolve) => waiting.current.push(resolve));
      },
      openSignIn: () => setDialogOpen(true),
      signOut() {
        localStorage.removeItem(tokenKey);
        localStorage.removeItem(nameKey);
        setName(undefined);
        setToken(undefined);
      },
    }),
    [name, token],
  );

  return (
    <SessionContext.Provider value={value}>
      {children}
      {dialogOpen && (
        <SignInDialog
          name={name}
          token={token}
          nameOnly={Boolean(token)}
          onCancel={() => finish(undefined)}
          onSave={(credentials) => {
            localStorage.setItem(nameKey, credentials.name);
            localStorage.setItem(tokenKey, credentials.token);
            setName(credentials.name);
            setToken(credentials.token);
            finish(credentials);
          }}
        />
      )}
    </SessionContext.Provider>
  );
}

/** The signed-in person and token. */
export function useSession(): Session {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}

function SignInDialog(props: {
  name: string | undefined;
  token: string | undefined;
  /** Signed in already (a token is kept): ask only for the name. */
  nameOnly: boolean;
  onSave(credentials: Credentials): void;
  onCancel(): void;
}) {
  const { t } = useI18n();
  const [name, setName] = useState(props.name ?? "");
  const [token, setToken] = useState(props.token ?? "");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() && token.trim()) props.onSave({ name: name.trim(), token: token.trim() });
  };
  return (
    <div className="dialog-backdrop">
      <dialog open className="dialog" aria-labelledby="sign-in-title" data-testid="sign-in-dialog">
        <form onSubmit={submit}>
          <h2 id="sign-in-title">{t("signInTitle")}</h2>
          <p className="muted">{props.nameOnly ? t("nameOnlyHelp") : t("signInHelp")}</p>
          <label>
            {t("yourName")}
            <input
              name="name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
              autoComplete="name"
            />
          </label>
          {!props.nameOnly && (
            <label>
              {t("apiToken")}
              <input
                name="token"
                type="password"
                value={token}
                onChange={(e) => setToken(e.target.value)}
                required
                autoComplete="current-password"
              />
            </label>
          )}
          <div className="row end">
            <button type="button" onClick={props.onCancel}>
              {t("cancel")}
            </button>
            <button type="submit" className="primary">
              {t("save")}
            </button>
          </div>
        </form>
      </dialog>
    </div>
  );
}
