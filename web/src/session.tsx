import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { getAddress, isAddress } from "viem";
import { actions as allActions, permissions } from "../../src/auth/permissions.js";
import { ApiError, answer, client, type Me, type SignedIn, setPurpose as setApiPurpose } from "./api.js";
import { SignInDialog } from "./auth/SignInDialog.js";

const purposeKey = "gridledger.purpose";
const expiresKey = "gridledger.sessionExpiresAt";
/** Refresh this long before the session expires (sessions last an hour). */
const refreshMarginMs = 5 * 60_000;

/** What a visitor who is not signed in may do: the table's public actions (a node without sign-in answers 404 to /v1/auth/me). */
const publicMe: Me = {
  principal: { kind: "anonymous", bindings: [] },
  roles: [],
  actions: allActions.filter((action) => "public" in permissions[action]),
};

/** Why the dashboard dropped a session. */
export type SessionNotice = "sessionEnded" | undefined;

type Session = {
  /** Who the node takes this browser for; undefined until `GET /v1/auth/me` answers. */
  me: Me | undefined;
  /** The signed-in account's address, when signed in with Sign-In with Ethereum. */
  account: string | undefined;
  /** Whether the permission table lets this principal call `action` (from `GET /v1/auth/me`). */
  can(action: string): boolean;
  openSignIn(): void;
  signOut(): Promise<void>;
  /** The purpose stated for reads of personal data (sent as X-GridLedger-Purpose), if any. */
  purpose: string | undefined;
  setPurpose(purpose: string | undefined): void;
  /** Changes whenever who is signed in or the purpose changes, so answers are fetched again. */
  epoch: number;
  notice: SessionNotice;
};

const SessionContext = createContext<Session | undefined>(undefined);

/** Forgets what older dashboards kept in localStorage (an API token and a name): the session is the node's cookie now. */
function forgetStoredToken(): void {
  localStorage.removeItem("gridledger.token");
  localStorage.removeItem("gridledger.name");
}

/**
 * The session: the node's HttpOnly cookie (set by `POST /v1/auth/signin`, never readable here), who it
 * is (`GET /v1/auth/me`), its refresh before expiry and sign-out; the sign-in dialog.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me>();
  const [dialogOpen, setDialogOpen] = useState(false);
  const [purpose, setPurposeState] = useState(() => sessionStorage.getItem(purposeKey) ?? undefined);
  const [epoch, setEpoch] = useState(0);
  const [notice, setNotice] = useState<SessionNotice>();
  const [expiresAt, setExpiresAt] = useState(() => sessionStorage.getItem(expiresKey) ?? undefined);
  const loaded = useRef(false);
  if (!loaded.current) {
    loaded.current = true;
    forgetStoredToken();
    setApiPurpose(purpose);
  }

  const loadMe = useCallback(async () => {
    let found: Me;
    try {
      found = answer(await client.GET("/v1/auth/me"));
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 0) throw error;
      found = publicMe;
    }
    setMe(found);
    setEpoch((n) => n + 1);
    return found;
  }, []);

  const remember = useCallback((signedIn: SignedIn | undefined) => {
    if (signedIn?.expiresAt) sessionStorage.setItem(expiresKey, signedIn.expiresAt);
    else sessionStorage.removeItem(expiresKey);
    setExpiresAt(signedIn?.expiresAt);
  }, []);

  useEffect(() => {
    loadMe().catch(() => setMe(publicMe));
  }, [loadMe]);

  const signedIn = me?.principal.kind === "account";

  // Refresh before expiry; a session whose expiry this tab does not know is refreshed at once.
  useEffect(() => {
    if (!signedIn) return;
    const due = expiresAt ? Date.parse(expiresAt) - refreshMarginMs - Date.now() : 0;
    const timer = setTimeout(
      () => {
        client
          .POST("/v1/auth/refresh")
          .then(answer)
          .then(remember)
          .catch(async () => {
            // Past the refresh limit, or revoked: signed out, and told why.
            remember(undefined);
            setNotice("sessionEnded");
            await loadMe().catch(() => setMe(publicMe));
          });
      },
      Math.max(due, 0),
    );
    return () => clearTimeout(timer);
  }, [signedIn, expiresAt, remember, loadMe]);

  const setPurpose = useCallback((next: string | undefined) => {
    const value = next?.trim() || undefined;
    if (value) sessionStorage.setItem(purposeKey, value);
    else sessionStorage.removeItem(purposeKey);
    setApiPurpose(value);
    setPurposeState(value);
    setEpoch((n) => n + 1);
  }, []);

  const value = useMemo<Session>(() => {
    const actions = new Set(me?.actions ?? []);
    return {
      me,
      account: me?.principal.kind === "account" ? checksummed(me.principal.account) : undefined,
      can: (action) => actions.has(action),
      openSignIn: () => setDialogOpen(true),
      async signOut() {
        await client.POST("/v1/auth/signout").catch(() => undefined);
        remember(undefined);
        setPurpose(undefined);
        await loadMe().catch(() => setMe(publicMe));
      },
      purpose,
      setPurpose,
      epoch,
      notice,
    };
  }, [me, purpose, setPurpose, epoch, notice, remember, loadMe]);

  return (
    <SessionContext.Provider value={value}>
      {children}
      {dialogOpen && (
        <SignInDialog
          onCancel={() => setDialogOpen(false)}
          onSignedIn={async (answer) => {
            remember(answer);
            setNotice(undefined);
            setPurpose(undefined);
            await loadMe();
            setDialogOpen(false);
          }}
        />
      )}
    </SessionContext.Provider>
  );
}

/** An address as EIP-55 writes it (the node may answer in lower case). */
function checksummed(address: string | undefined): string | undefined {
  return address && isAddress(address, { strict: false }) ? getAddress(address) : address;
}

/** The session of this page. */
export function useSession(): Session {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}

/** The session's epoch, or 0 outside a SessionProvider (so `useApi` also works in isolation). */
export function useSessionEpoch(): number {
  return useContext(SessionContext)?.epoch ?? 0;
}

/** The roles the permission table lists for `action` (for "sign in as … to see this"). */
export function rolesFor(action: string): string[] {
  const permission = (permissions as Record<string, { roles: Record<string, string> }>)[action];
  return permission ? Object.keys(permission.roles).filter((role) => role !== "admin") : [];
}

/** Whether `action` asks the roles of `roles` for a stated purpose (and none of them reaches it without one). */
export function needsPurpose(action: string, roles: string[]): boolean {
  const permission = (permissions as Record<string, { roles: Record<string, string> }>)[action];
  const reaches = roles.map((role) => permission?.roles[role]).filter(Boolean);
  return reaches.length > 0 && reaches.every((reach) => reach === "purpose");
}
