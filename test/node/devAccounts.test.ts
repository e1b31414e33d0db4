import { mnemonicToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { devAccounts } from "../../src/node/openNode.js";

describe("embedded chain development accounts", () => {
  it("are the first ten accounts of the test mnemonic that anvil and Hardhat fund", () => {
    const mnemonic = "test test test test test test test test test test test junk";
    expect(devAccounts).toEqual(
      Array.from({ length: 10 }, (_, i) => mnemonicToAccount(mnemonic, { addressIndex: i }).address),
    );
  });
});
