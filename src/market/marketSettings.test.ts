import { describe, expect, it } from "vitest";
import { defaultMarketSettings, marketSettingsOf } from "./marketSettings.js";

describe("market settings", () => {
  it("defaults to pay-as-clear at the midpoint, settling 15 minutes after the anchor grace", () => {
    expect(marketSettingsOf({})).toEqual({
      mechanism: "pay-as-clear",
      rule: "midpoint",
      settleGraceSeconds: 900,
    });
    expect(marketSettingsOf({})).toEqual(defaultMarketSettings);
  });

  it("takes the mechanism, rule and deadline from the environment", () => {
    expect(
      marketSettingsOf({
        GRIDLEDGER_MARKET_MECHANISM: "pay-as-bid",
        GRIDLEDGER_MARKET_RULE: "marginal-ask",
        GRIDLEDGER_MARKET_SETTLE_GRACE: "3600",
      }),
    ).toEqual({ mechanism: "pay-as-bid", rule: "marginal-ask", settleGraceSeconds: 3600 });
  });

  it("refuses an unknown mechanism or rule and a deadline out of range, naming the variable", () => {
    for (const env of [
      { GRIDLEDGER_MARKET_MECHANISM: "vickrey" },
      { GRIDLEDGER_MARKET_RULE: "average" },
      { GRIDLEDGER_MARKET_SETTLE_GRACE: "-5" },
      { GRIDLEDGER_MARKET_SETTLE_GRACE: "90000" },
    ]) {
      expect(() => marketSettingsOf(env)).toThrow(
        expect.objectContaining({
          code: "CONFIG_INVALID_MARKET",
          details: expect.objectContaining({ name: Object.keys(env)[0] }),
        }),
      );
    }
  });
});
