import { BaseError } from "../core/errors.js";
import { type Mechanism, mechanisms, type PriceRule, priceRules } from "./clearDoubleAuction.js";

/** The node's market settings: the auction's mechanism and price rule, and the settlement deadline. */
export type MarketSettings = {
  mechanism: Mechanism;
  rule: PriceRule;
  /** Seconds after a slot's end plus the anchor grace when it is settled with whatever readings are stored. */
  settleGraceSeconds: number;
};

/** Default market settings: pay-as-clear at the midpoint price, settlement deadline 15 minutes after the anchor grace. */
export const defaultMarketSettings: MarketSettings = {
  mechanism: "pay-as-clear",
  rule: "midpoint",
  settleGraceSeconds: 900,
};

// Environment variables are GRIDLEDGER_MARKET_<suffix> (named by suffix, so no name reads as an error code).
const prefix = "GRIDLEDGER_MARKET_";

function invalid(name: string, value: string, expected: string): BaseError {
  return new BaseError("CONFIG_INVALID_MARKET", `${name} must be ${expected}, got "${value}"`, {
    details: { name, value },
  });
}

/**
 * The market settings of a node from its environment: `GRIDLEDGER_MARKET_MECHANISM` (pay-as-clear,
 * pay-as-bid), `GRIDLEDGER_MARKET_RULE` (marginal-bid, marginal-ask, midpoint) and
 * `GRIDLEDGER_MARKET_SETTLE_GRACE` (seconds, 0 to 86400); unset ones keep their defaults.
 * `CONFIG_INVALID_MARKET` for a value outside these.
 */
export function marketSettingsOf(env: NodeJS.ProcessEnv = process.env): MarketSettings {
  const settings = { ...defaultMarketSettings };
  const mechanism = env.GRIDLEDGER_MARKET_MECHANISM?.trim();
  if (mechanism) {
    if (!(mechanisms as readonly string[]).includes(mechanism)) {
      throw invalid(`${prefix}MECHANISM`, mechanism, mechanisms.join(" or "));
    }
    settings.mechanism = mechanism as Mechanism;
  }
  const rule = env.GRIDLEDGER_MARKET_RULE?.trim();
  if (rule) {
    if (!(priceRules as readonly string[]).includes(rule)) {
      throw invalid(`${prefix}RULE`, rule, priceRules.join(", "));
    }
    settings.rule = rule as PriceRule;
  }
  const grace = env.GRIDLEDGER_MARKET_SETTLE_GRACE?.trim();
  if (grace) {
    const seconds = Number(grace);
    if (!/^[0-9]{1,5}$/.test(grace) || seconds > 86_400) {
      throw invalid(`${prefix}SETTLE_GRACE`, grace, "whole seconds from 0 to 86400");
    }
    settings.settleGraceSeconds = seconds;
  }
  return settings;
}
