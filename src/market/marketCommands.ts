import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { type Address, type Hex, isHex, recoverTypedDataAddress } from "viem";
import { marketAbi } from "../chain/artifacts/index.js";
import { clientOf } from "../cli/context.js";
import { answer } from "../cli/nodeApi.js";
import { output, printRecord, printTable } from "../cli/output.js";
import { BaseError } from "../core/errors.js";
import { parseTime } from "../core/parseTime.js";
import { type AuditResult, auditSlot, type PublishedOrder } from "./auditSlot.js";
import {
  type AuctionOrder,
  type ClearingResult,
  clearDoubleAuction,
  type Mechanism,
  mechanisms,
  type PriceRule,
  priceRules,
} from "./clearDoubleAuction.js";
import { marketDomain, marketIdOf, orderTypes, parseOrderJson, parseUnsigned } from "./orderFormat.js";

/** A hex field of what the node published, checked (a node answering nonsense fails the audit). */
function publishedHex(value: string, field: string): Hex {
  if (!isHex(value))
    throw new BaseError("MARKET_AUDIT_FAILED", `the node published a ${field} that is not hex`);
  return value;
}

/** One of `allowed`, as the node published it, checked. */
function published<T extends string>(allowed: readonly T[], value: string, field: string): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined)
    throw new BaseError("MARKET_AUDIT_FAILED", `the node published an unknown ${field} "${value}"`);
  return found;
}

/** A clearing result in JSON: integers as decimal strings (docs/market.md, "CLI"). */
export function clearingToJson(result: ClearingResult) {
  return {
    mechanism: result.mechanism,
    rule: result.rule,
    price: result.price === null ? null : result.price.toString(),
    volumeWh: result.volumeWh.toString(),
    trades: result.trades.map((t) => ({
      buy: t.buy,
      sell: t.sell,
      energyWh: t.energyWh.toString(),
      price: t.price.toString(),
    })),
  };
}

function badInput(message: string, details: Record<string, unknown> = {}): BaseError {
  return new BaseError("MARKET_CLEARING_INPUT_INVALID", message, { details });
}

/**
 * Parses `market clear` input: `{"orders":[{"id","side","account","energyWh","limitPrice"}]}`, array
 * order = time of receipt, integers as decimal strings or JSON numbers. MARKET_CLEARING_INPUT_INVALID
 * names the first bad order and field.
 */
export function parseClearingInput(input: unknown): AuctionOrder[] {
  const list = (input as { orders?: unknown } | null)?.orders;
  if (typeof input !== "object" || input === null || !Array.isArray(list)) {
    throw badInput('the input must be a JSON object {"orders": [...]}');
  }
  return list.map((item, index): AuctionOrder => {
    const o = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
    const field = (name: string) =>
      badInput(`orders[${index}].${name} is missing or invalid`, { index, field: name });
    if (typeof o.id !== "string" || o.id === "") throw field("id");
    if (o.side !== "buy" && o.side !== "sell") throw field("side");
    if (typeof o.account !== "string" || o.account === "") throw field("account");
    const energyWh = parseUnsigned(o.energyWh);
    if (energyWh === null || energyWh === 0n) throw field("energyWh");
    const limitPrice = parseUnsigned(o.limitPrice);
    if (limitPrice === null || limitPrice === 0n) throw field("limitPrice");
    return { id: o.id, side: o.side, account: o.account, energyWh, limitPrice };
  });
}

function choice<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new BaseError("CLI_INVALID_CHOICE", `${flag} must be one of ${allowed.join(", ")}; got "${value}"`, {
    details: { flag, value, allowed },
  });
}

/** `gridledger market clear FILE` and `gridledger market audit --market M --slot S`. */
export function registerMarketCommands(program: Command): void {
  const market = program
    .command("market")
    .description("the local energy market: clear a book offline, audit a slot");
  market
    .command("clear <file>")
    .description(
      'clear a book offline: FILE holds {"orders":[{"id","side","account","energyWh","limitPrice"}]}',
    )
    .option("--mechanism <mechanism>", "pay-as-clear or pay-as-bid", "pay-as-clear")
    .option("--rule <rule>", "marginal-bid, marginal-ask or midpoint (pay-as-clear)", "midpoint")
    .action(async (file: string, options: { mechanism: string; rule: string }, command: Command) => {
      const mechanism = choice<Mechanism>(options.mechanism, mechanisms, "--mechanism");
      const rule = choice<PriceRule>(options.rule, priceRules, "--rule");
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (cause) {
        throw new BaseError("CLI_FILE_NOT_FOUND", `cannot read ${file}`, { details: { file }, cause });
      }
      let input: unknown;
      try {
        input = JSON.parse(text);
      } catch (cause) {
        throw badInput(`${file} is not JSON: ${(cause as Error).message}`);
      }
      const result = clearingToJson(clearDoubleAuction(parseClearingInput(input), { mechanism, rule }));
      output(command.optsWithGlobals(), result, () => {
        printRecord({
          mechanism,
          rule: mechanism === "pay-as-bid" ? "-" : rule,
          price: result.price,
          volumeWh: result.volumeWh,
        });
        printTable(result.trades, ["buy", "sell", "energyWh", "price"], "(no trades)");
      });
    });

  market
    .command("audit")
    .description("re-run a cleared slot from the node's published orders and check it against the chain")
    .requiredOption("--market <market>", "market id (bytes32) or the community's address")
    .requiredOption("--slot <slot>", "the slot's start: Unix seconds or an ISO 8601 time")
    .option("--rpc-url <url>", "EVM JSON-RPC URL (default: the one the node's GET /v1/chain gives)")
    .action(async (options: { market: string; slot: string; rpcUrl?: string }, command: Command) => {
      const { api, out } = clientOf(command);
      const marketId = marketIdFrom(options.market);
      const slot = BigInt(parseTime(options.slot, "--slot", "CLI_INVALID_OPTION"));
      const path = { market: marketId, slot: slot.toString() };
      const [{ markets }, { orders }, result, chain] = await Promise.all([
        api.client.GET("/v1/market/markets").then(answer),
        api.client.GET("/v1/market/markets/{market}/slots/{slot}/orders", { params: { path } }).then(answer),
        api.client.GET("/v1/market/markets/{market}/slots/{slot}/result", { params: { path } }).then(answer),
        api.client.GET("/v1/chain").then(answer),
      ]);
      const info = markets.find((m) => m.market.toLowerCase() === marketId);
      if (info === undefined) throw new BaseError("MARKET_UNKNOWN", `the node has no market ${marketId}`);
      const rpcUrl = options.rpcUrl ?? chain.rpcUrl ?? undefined;
      if (rpcUrl === undefined) {
        throw new BaseError("CLI_INVALID_OPTION", "the node gives no JSON-RPC URL; pass --rpc-url", {
          details: { flag: "--rpc-url" },
        });
      }
      const { createPublicClient, http } = await import("viem");
      const verifyingContract = publishedHex(info.verifyingContract, "verifyingContract");
      const record = await createPublicClient({ transport: http(rpcUrl) }).readContract({
        address: verifyingContract,
        abi: marketAbi,
        functionName: "slotOf",
        args: [marketId, slot],
      });
      const domain = marketDomain(Number(info.chainId), verifyingContract);
      const included: PublishedOrder[] = orders
        .filter((o) => o.status === "included")
        .map((o) => ({
          digest: publishedHex(o.digest, "digest"),
          order: parseOrderJson(o.order),
          account: publishedHex(o.account, "account"),
        }));
      const audit = auditSlot({
        domain,
        orders: included,
        mechanism: published(mechanisms, result.mechanism, "mechanism"),
        rule: published(priceRules, result.rule, "rule"),
        market: marketId,
        slot,
        committed: {
          ordersRoot: record.ordersRoot,
          tradesRoot: record.tradesRoot,
          price: record.price,
          volumeWh: record.volumeWh,
          orderCount: record.orderCount,
          tradeCount: record.tradeCount,
        },
      });
      const signed = orders.filter((o) => o.status === "included");
      const bad: string[] = [];
      for (const o of signed) {
        const signer = await recoverTypedDataAddress({
          domain,
          types: orderTypes,
          primaryType: "Order",
          message: parseOrderJson(o.order),
          signature: publishedHex(o.signature, "signature"),
        }).catch(() => undefined);
        if (signer?.toLowerCase() !== o.account.toLowerCase()) bad.push(o.digest);
      }
      const checks = [
        ...audit.checks,
        {
          name: "signatures",
          ok: bad.length === 0,
          expected: "all by the order's account",
          actual: bad.length === 0 ? "all by the order's account" : `not by the account: ${bad.join(", ")}`,
        },
      ];
      const verdict: AuditResult = { verified: audit.verified && bad.length === 0, checks };
      output(out, verdict, () => {
        printTable(
          checks.map((c) => ({
            check: c.name,
            ok: c.ok ? "ok" : "MISMATCH",
            chain: c.expected,
            recomputed: c.actual,
          })),
          ["check", "ok", "chain", "recomputed"],
        );
        console.log(verdict.verified ? "verified" : "not verified");
      });
      if (!verdict.verified) {
        throw new BaseError("MARKET_AUDIT_FAILED", `slot ${slot} of market ${marketId} is not verified`, {
          details: { failed: checks.filter((c) => !c.ok).map((c) => c.name) },
        });
      }
    });
}

/** A market id from `--market`: 32 bytes of hex as is, or a community address turned into its market id. */
function marketIdFrom(value: string): Hex {
  if (/^0x[0-9a-fA-F]{64}$/.test(value)) return value.toLowerCase() as Hex;
  if (/^0x[0-9a-fA-F]{40}$/.test(value)) return marketIdOf(value as Address);
  throw new BaseError(
    "CLI_INVALID_OPTION",
    `--market must be a market id (32 bytes) or an address, got "${value}"`,
    {
      details: { flag: "--market", value },
    },
  );
}
