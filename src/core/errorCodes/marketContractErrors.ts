import { revert } from "./errorEntry.js";

/**
 * The custom errors of the market's contracts (Market, SettlementToken, RewardToken and the ReadingProof
 * library), decoded by name into SNAKE_CASE codes (src/chain/decodeRevert.ts). The node's own market
 * codes are in marketErrors.ts.
 */
export const marketContractErrors = {
  MARKET_ALREADY_OPEN: revert(409, "the community's market is open already"),
  MARKET_CLAIM_LENGTH_MISMATCH: revert(400, "claimRewards was given a different number of lines and proofs"),
  MARKET_DISPUTE_ALREADY_CORRECTED: revert(409, "the settlement line was corrected by a dispute already"),
  MARKET_DISPUTE_LINE_UNKNOWN: revert(
    404,
    "the line is not in the slot's settlement root (dispute, claimRewards)",
  ),
  MARKET_DISPUTE_NOTHING_TO_CORRECT: revert(
    409,
    "the anchored reading has the line's metered energy already",
  ),
  MARKET_DISPUTE_PROOF_INVALID: revert(400, "the reading is not in the anchored batch it names"),
  MARKET_DISPUTE_READING_MISMATCH: revert(
    400,
    "the reading is not of the line's device, slot, slot length or electricity",
  ),
  MARKET_GATE_NOT_CLOSED: revert(409, "the slot's gate has not closed yet, orders may still come"),
  // Shared with the node, which checks escrow itself before sending (marketErrors.ts may declare it: keep one).
  MARKET_INSUFFICIENT_ESCROW: revert(
    409,
    "the account's available escrow in the Market does not cover the amount (the node checks buy orders under the same code)",
  ),
  MARKET_INVALID_CONTRACT: revert(400, "Market was given a token or anchor address without contract code"),
  MARKET_INVALID_TIMING: revert(400, "a slot length that does not divide a day, or gate closure over a day"),
  MARKET_NOT_GRID_OPERATOR: revert(403, "only the market's grid operator may do this (tariffs)"),
  MARKET_NOT_OPEN: revert(404, "no market is open for this id"),
  MARKET_NOT_OPERATOR: revert(403, "only the market's operator commits clearings and settles"),
  MARKET_REWARD_ALREADY_CLAIMED: revert(409, "the settlement line's reward was claimed already"),
  MARKET_SETTLEMENT_LINE_INVALID: revert(400, "a settlement line breaks the settlement rules"),
  MARKET_SETTLEMENT_LOCK_MISMATCH: revert(400, "the buy lines do not release exactly what was locked"),
  MARKET_SETTLEMENT_NOT_BALANCED: revert(400, "the settlement lines do not sum to zero"),
  MARKET_SLOT_ALREADY_COMMITTED: revert(409, "the slot's clearing is committed already"),
  MARKET_SLOT_ALREADY_SETTLED: revert(409, "the slot is settled already"),
  MARKET_SLOT_NOT_ALIGNED: revert(400, "the slot is not a multiple of the market's slot length"),
  MARKET_SLOT_NOT_COMMITTED: revert(409, "the slot has no committed clearing to settle"),
  MARKET_ZERO_ADDRESS: revert(400, "the zero address where an account belongs"),
  MARKET_ZERO_AMOUNT: revert(400, "an escrow amount of zero"),
  READING_PROOF_INVALID_LENGTH: revert(400, "a reading that is not 90 bytes"),
  READING_PROOF_INVALID_MAGIC: revert(400, "a reading that does not start with GLR1"),
  REWARD_TOKEN_ZERO_AMOUNT: revert(400, "a redemption of zero reward units"),
  // OpenZeppelin errors the tokens and the Market can give.
  ECDSA_INVALID_SIGNATURE: revert(400, "the permit's signature does not recover to an address"),
  ECDSA_INVALID_SIGNATURE_LENGTH: revert(400, "a permit signature of the wrong length"),
  ECDSA_INVALID_SIGNATURE_S: revert(400, "a permit signature with a high S value"),
  ERC20_INSUFFICIENT_ALLOWANCE: revert(409, "the spender's allowance does not cover the transfer"),
  ERC20_INSUFFICIENT_BALANCE: revert(409, "the token balance does not cover the transfer or burn"),
  ERC20_INVALID_APPROVER: revert(400, "an approval from the zero address"),
  ERC20_INVALID_RECEIVER: revert(400, "a transfer or mint to the zero address"),
  ERC20_INVALID_SENDER: revert(400, "a transfer or burn from the zero address"),
  ERC20_INVALID_SPENDER: revert(400, "an approval for the zero address"),
  ERC2612_EXPIRED_SIGNATURE: revert(409, "the permit's deadline has passed"),
  ERC2612_INVALID_SIGNER: revert(400, "the permit is not signed by the owner"),
  SAFE_CAST_OVERFLOWED_UINT_TO_INT: revert(400, "an amount too large for the escrow's signed ledger"),
  SAFE_ERC20_FAILED_OPERATION: revert(502, "the settlement token refused a transfer"),
};
