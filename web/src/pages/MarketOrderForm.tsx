import { type ChangeEvent, type FormEvent, useState } from "react";
import type { Hex } from "viem";
import { ApiError, client } from "../api.js";
import { browserWallet, SignInError } from "../auth/signIn.js";
import { ErrorBox } from "../components/ErrorBox.js";
import { shortHex } from "../format.js";
import { useI18n } from "../i18n.js";
import { type MarketInfo, type OrderSigner, placeOrder, randomNonce, signOrder } from "../marketApi.js";
import { useSession } from "../session.js";
import { formatDateTime } from "../time.js";
import { useApi } from "../useApi.js";

/** Sides a meter of a kind can take: an import meter buys, a generator sells, a bidirectional one both. */
function sidesOf(kind: string): ("buy" | "sell")[] {
  if (kind === "generation") return ["sell"];
  if (kind === "bidirectional") return ["buy", "sell"];
  return ["buy"];
}

/**
 * Places an order as the signed-in account: one of its meters in the market's community, a side, the
 * energy and a limit price, for an open slot; signed in this page (EIP-712 `Order`) with the account's
 * key file or its browser wallet, then sent to `POST /v1/market/orders`.
 */
export function MarketOrderForm(props: {
  market: MarketInfo;
  openSlots: string[];
  /** The slot the page shows: the form's default when it is open. */
  selected: string;
  onPlaced(): void;
}) {
  const { t, lang } = useI18n();
  const session = useSession();
  const wallet = browserWallet();
  const devices = useApi("/v1/devices?limit=200", (signal) =>
    client.GET("/v1/devices", { params: { query: { limit: 200 } }, signal }),
  );
  const community = props.market.community.toLowerCase();
  const mine = (devices.data?.devices ?? []).filter(
    (d) =>
      d.community?.toLowerCase() === community && d.owner.toLowerCase() === session.account?.toLowerCase(),
  );
  const [deviceId, setDeviceId] = useState("");
  const [side, setSide] = useState<"buy" | "sell">("buy");
  const [slot, setSlot] = useState("");
  const [energy, setEnergy] = useState("500");
  const [price, setPrice] = useState(
    String(props.market.retailPrice === "0" ? 50 : props.market.retailPrice),
  );
  const [method, setMethod] = useState<OrderSigner["kind"]>(wallet ? "wallet" : "key");
  const [keyText, setKeyText] = useState("");
  const [busy, setBusy] = useState(false);
  const [placed, setPlaced] = useState<string>();
  const [failure, setFailure] = useState<{ message?: string; error?: ApiError }>();

  const device = mine.find((d) => d.deviceId === deviceId) ?? mine[0];
  const sides = device ? sidesOf(device.kind) : ["buy" as const];
  const chosenSide = sides.includes(side) ? side : (sides[0] ?? "buy");
  const chosenSlot = props.openSlots.includes(slot)
    ? slot
    : props.openSlots.includes(props.selected)
      ? props.selected
      : props.openSlots[0];

  const pickFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (file && file.size <= 1024) setKeyText((await file.text()).trim());
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!device || !chosenSlot || !session.account) return;
    setBusy(true);
    setFailure(undefined);
    setPlaced(undefined);
    try {
      const order = {
        market: props.market.market as Hex,
        slot: BigInt(chosenSlot),
        side: chosenSide === "buy" ? (0 as const) : (1 as const),
        device: device.deviceId as Hex,
        energyWh: BigInt(energy.trim() || "0"),
        limitPrice: BigInt(price.trim() || "0"),
        nonce: randomNonce(),
        expiry: BigInt(chosenSlot),
      };
      const signer: OrderSigner =
        method === "wallet" && wallet ? { kind: "wallet", wallet } : { kind: "key", keyText };
      const { signature, signerAddress } = await signOrder(props.market, order, signer, session.account);
      if (signature === "0x") {
        setFailure({ message: `${t("marketWrongSigner", { account: session.account })} (${signerAddress})` });
        return;
      }
      const answer = await placeOrder(order, signature);
      setKeyText("");
      setPlaced(answer.digest);
      props.onPlaced();
    } catch (error) {
      if (error instanceof ApiError) setFailure({ error });
      else if (error instanceof SignInError) setFailure({ message: t(error.key) });
      else setFailure({ message: String((error as Error).message ?? error) });
    } finally {
      setBusy(false);
    }
  };

  if (!session.account) return <p className="muted">{t("marketSignInToTrade")}</p>;
  return (
    <section className="panel" data-testid="market-order-form">
      <h2>{t("marketPlaceOrder")}</h2>
      <ErrorBox error={devices.error} />
      {devices.data && mine.length === 0 && <p className="muted">{t("marketNoDevices")}</p>}
      {mine.length > 0 && (
        <form className="stack" onSubmit={submit}>
          <div className="filters">
            <label>
              {t("marketSlot")}
              <select
                value={chosenSlot ?? ""}
                onChange={(e) => setSlot(e.target.value)}
                data-testid="order-slot"
              >
                {props.openSlots.map((s) => (
                  <option key={s} value={s}>
                    {formatDateTime(Number(s), lang)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t("marketDevice")}
              <select
                value={device?.deviceId ?? ""}
                onChange={(e) => setDeviceId(e.target.value)}
                data-testid="order-device"
              >
                {mine.map((d) => (
                  <option key={d.deviceId} value={d.deviceId}>
                    {shortHex(d.deviceId)} ({d.kind})
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t("marketSide")}
              <select
                value={chosenSide}
                onChange={(e) => setSide(e.target.value as "buy" | "sell")}
                data-testid="order-side"
              >
                {sides.map((s) => (
                  <option key={s} value={s}>
                    {s === "buy" ? t("marketBuy") : t("marketSell")}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t("marketEnergy")}
              <input
                inputMode="numeric"
                value={energy}
                onChange={(e) => setEnergy(e.target.value)}
                data-testid="order-energy"
              />
            </label>
            <label>
              {t("marketLimitPrice")}
              <input
                inputMode="numeric"
                value={price}
                onChange={(e) => setPrice(e.target.value)}
                data-testid="order-price"
              />
            </label>
          </div>
          <fieldset className="segmented">
            <legend className="muted small">{t("marketSignWith")}</legend>
            <button type="button" aria-pressed={method === "wallet"} onClick={() => setMethod("wallet")}>
              {t("marketSignWallet")}
            </button>
            <button
              type="button"
              aria-pressed={method === "key"}
              onClick={() => setMethod("key")}
              data-testid="order-sign-key"
            >
              {t("marketSignKey")}
            </button>
          </fieldset>
          {method === "wallet" && !wallet && <p className="muted">{t("walletMissing")}</p>}
          {method === "key" && (
            <div className="stack">
              <p className="muted small">{t("marketKeyHelp")}</p>
              <label>
                {t("keyFilePick")}
                <input
                  type="file"
                  accept=".key,.txt,text/plain"
                  onChange={pickFile}
                  data-testid="order-key-file"
                />
              </label>
              <label>
                {t("keyFilePaste")}
                <input
                  type="password"
                  value={keyText}
                  onChange={(e) => setKeyText(e.target.value)}
                  autoComplete="off"
                  spellCheck={false}
                  placeholder="0x…"
                  data-testid="order-key-text"
                />
              </label>
            </div>
          )}
          <div className="row end">
            <button
              type="submit"
              className="primary"
              disabled={busy || !chosenSlot || (method === "key" ? !keyText.trim() : !wallet)}
              data-testid="order-submit"
            >
              {busy ? t("marketSubmitting") : t("marketSubmit")}
            </button>
          </div>
        </form>
      )}
      {placed && (
        <p className="ok" role="status" data-testid="order-placed" data-digest={placed}>
          {t("marketPlaced", { digest: shortHex(placed, 8) })}
        </p>
      )}
      {failure?.message && (
        <p className="error" role="alert" data-testid="order-error">
          {failure.message}
        </p>
      )}
      {failure?.error && <ErrorBox error={failure.error} />}
    </section>
  );
}
