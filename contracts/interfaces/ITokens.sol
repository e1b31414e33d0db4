// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @dev Roles of the GridAuthority (OpenZeppelin AccessManager) for the market's tokens
/// (src/chain/manifest.ts `authorityRoles`).
uint64 constant ROLE_PAYMENT_AGENT = 10;
uint64 constant ROLE_MARKET_MINTER = 11;

/// @title GridLedger settlement token: fen (1/100 yuan) on chain, backed by money the payment agent holds.
/// @notice ERC-20 with ERC-2612 permit, 2 decimals. The payment agent (role PAYMENT_AGENT) mints against
/// money received off chain and burns against payouts.
interface ISettlementToken {
    /// @notice Mints `amount` base units to `to` (PAYMENT_AGENT only).
    /// @param to The receiver.
    /// @param amount Base units (fen).
    function mint(address to, uint256 amount) external;

    /// @notice Burns `amount` base units of `from` (PAYMENT_AGENT only): a payout.
    /// @param from The account paid out.
    /// @param amount Base units (fen).
    function burn(address from, uint256 amount) external;
}

/// @title GridLedger local energy reward: one unit per reward, minted by the market, redeemed at the grid operator.
interface IRewardToken {
    /// @notice `account` burnt `amount` units; the grid operator grants the discount off chain against it.
    /// @param account The holder.
    /// @param amount The units burnt.
    /// @param ref The holder's reference (e.g. a bill number's hash).
    event Redeemed(address indexed account, uint256 amount, bytes32 ref);

    /// @notice A redemption of zero units.
    error RewardTokenZeroAmount();

    /// @notice Mints `amount` units to `to` (MARKET_MINTER only: the Market contract).
    /// @param to The receiver.
    /// @param amount Units.
    function mint(address to, uint256 amount) external;

    /// @notice Burns `amount` of the caller's units and emits `Redeemed`.
    /// @param amount Units (non-zero).
    /// @param ref The caller's reference.
    function redeem(uint256 amount, bytes32 ref) external;
}
