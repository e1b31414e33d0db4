// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @dev Order and settlement-line sides: buy, sell, and the grid operator's balancing line.
uint8 constant SIDE_BUY = 0;
uint8 constant SIDE_SELL = 1;
uint8 constant SIDE_GRID = 2;

/// @title GridLedger local energy market: clearing commitments, escrow and settlement of a community's slots.
/// @notice One market per community, id `bytes32(uint256(uint160(community)))`. Prosumers sign EIP-712
/// orders off chain; the market's operator clears each slot off chain, commits the Merkle roots of the
/// included orders and of the trades, and locks each buyer's trade value in the escrow ledger; after
/// metering it settles the slot with one line per (account, device, side) which the contract re-checks
/// (delivered = min(traded, metered), shortfall/excess with the grid operator at the snapshotted tariffs,
/// Σ(tradeValue + gridValue) = 0). Values: `floor(price × Wh / 1000)` settlement-token base units, prices
/// in base units per kWh. Anybody can correct a settled line's metered energy with an anchored reading.
interface IMarket {
    /// @notice A market's configuration. `openedAt` 0 means no market has this id.
    /// @param community The community organisation the market belongs to.
    /// @param operator The account that commits clearings and settles slots.
    /// @param gridOperator The account that sets tariffs and balances shortfall and excess.
    /// @param slotSeconds Length of a slot (a divisor of a day).
    /// @param gateClosureSeconds Orders close this many seconds before a slot starts.
    /// @param retailPrice Base units per kWh the grid operator sells at.
    /// @param feedInPrice Base units per kWh the grid operator buys at.
    /// @param rewardRate Reward-token units per kWh delivered locally.
    /// @param openedAt Timestamp of the block that opened the market.
    struct MarketInfo {
        address community;
        address operator;
        address gridOperator;
        uint32 slotSeconds;
        uint32 gateClosureSeconds;
        uint64 retailPrice;
        uint64 feedInPrice;
        uint64 rewardRate;
        uint64 openedAt;
    }

    /// @notice A signed order (EIP-712 type `Order`). `side` 0 buy, 1 sell; `expiry` in Unix seconds.
    struct Order {
        bytes32 market;
        uint64 slot;
        uint8 side;
        bytes32 device;
        uint64 energyWh;
        uint64 limitPrice;
        uint64 nonce;
        uint64 expiry;
    }

    /// @notice A signed cancellation (EIP-712 type `Cancel`); `order` is the order's EIP-712 digest.
    struct Cancel {
        bytes32 market;
        uint64 slot;
        bytes32 order;
    }

    /// @notice A buyer's total trade value in a slot, locked at commit.
    struct Lock {
        address account;
        uint256 amount;
    }

    /// @notice One settlement line: an (account, device, side), or the grid operator's line (side 2, last).
    /// @param tradeValue −Σ value of a buy line's trades, +Σ of a sell line's.
    /// @param gridValue What the grid operator pays the account (negative: the account pays).
    /// @param rewardWh Energy of the line's trades delivered locally (both sides metered).
    struct SettlementLine {
        address account;
        bytes32 device;
        uint8 side;
        uint64 tradedWh;
        uint64 meteredWh;
        uint64 deliveredWh;
        int256 tradeValue;
        int256 gridValue;
        uint64 rewardWh;
    }

    /// @notice What the chain holds of a slot: the commitment, the tariffs snapshotted at commit, the
    /// settlement. `clearedAt` 0 = not committed; `settledAt` 0 = not settled.
    struct SlotRecord {
        bytes32 ordersRoot;
        bytes32 tradesRoot;
        bytes32 settlementRoot;
        uint64 price;
        uint64 volumeWh;
        uint32 orderCount;
        uint32 tradeCount;
        uint64 retailPrice;
        uint64 feedInPrice;
        uint64 rewardRate;
        uint256 locked;
        uint64 clearedAt;
        uint64 settledAt;
    }

    /// @notice A reading and its inclusion proof in a MeterAnchor batch of (regionId, electricity, slot, part).
    /// @param reading The 90-byte GLR1 message (docs/reading-format.md).
    /// @param signature The device's signature (part of the Merkle leaf).
    /// @param regionId The batch's region.
    /// @param part The batch's part.
    /// @param index The leaf's index in the batch.
    /// @param path The RFC 6962 audit path, bottom-up.
    struct ReadingProof {
        bytes reading;
        bytes signature;
        bytes32 regionId;
        uint16 part;
        uint32 index;
        bytes32[] path;
    }

    /// @notice Governance opened a market.
    event MarketOpened(
        bytes32 indexed market,
        address community,
        address operator,
        address gridOperator,
        uint32 slotSeconds,
        uint32 gateClosureSeconds
    );

    /// @notice The grid operator set the market's tariffs (base units per kWh).
    event TariffsSet(bytes32 indexed market, uint64 retailPrice, uint64 feedInPrice);

    /// @notice Governance set the reward rate (reward units per kWh delivered locally).
    event RewardRateSet(bytes32 indexed market, uint64 ratePerKwh);

    /// @notice `from` paid `amount` settlement-token units into `account`'s escrow.
    event Deposited(address indexed account, address indexed from, uint256 amount);

    /// @notice `account` withdrew `amount` from its escrow.
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice The operator committed a slot's clearing.
    event ClearingCommitted(
        bytes32 indexed market,
        uint64 indexed slot,
        bytes32 ordersRoot,
        bytes32 tradesRoot,
        uint64 price,
        uint64 volumeWh,
        uint32 orderCount,
        uint32 tradeCount
    );

    /// @notice The operator settled a slot; `settlementRoot` is over the lines in the given order.
    event SlotSettled(bytes32 indexed market, uint64 indexed slot, bytes32 settlementRoot, uint32 lineCount);

    /// @notice A settled line's reward was minted to `account` (`amount` may be 0).
    event RewardsClaimed(bytes32 indexed market, uint64 indexed slot, address indexed account, uint256 amount);

    /// @notice A dispute corrected a settled line's metered energy; `delta` moved from the grid operator
    /// to the account (negative: the other way).
    event SettlementCorrected(
        bytes32 indexed market,
        uint64 indexed slot,
        address indexed account,
        bytes32 device,
        uint64 meteredWh,
        uint64 correctedWh,
        int256 delta
    );

    /// @notice A constructor address has no contract code.
    /// @param account The refused address.
    error MarketInvalidContract(address account);

    /// @notice The zero address where an account belongs.
    error MarketZeroAddress();

    /// @notice An amount of zero.
    error MarketZeroAmount();

    /// @notice No market has this id.
    /// @param market The id.
    error MarketNotOpen(bytes32 market);

    /// @notice The market is open already.
    /// @param market The id.
    error MarketAlreadyOpen(bytes32 market);

    /// @notice The slot length does not divide a day, or gate closure is longer than a day.
    /// @param slotSeconds The refused slot length.
    /// @param gateClosureSeconds The refused gate closure.
    error MarketInvalidTiming(uint32 slotSeconds, uint32 gateClosureSeconds);

    /// @notice Only the market's operator may do this.
    /// @param market The market.
    /// @param caller The refused caller.
    error MarketNotOperator(bytes32 market, address caller);

    /// @notice Only the market's grid operator may do this.
    /// @param market The market.
    /// @param caller The refused caller.
    error MarketNotGridOperator(bytes32 market, address caller);

    /// @notice The account's available escrow (balance − locked) does not cover the amount.
    /// @param account The account.
    /// @param needed The amount asked for.
    /// @param available What is available.
    error MarketInsufficientEscrow(address account, uint256 needed, uint256 available);

    /// @notice The slot is not a multiple of the market's slot length.
    /// @param slot The refused slot.
    /// @param slotSeconds The market's slot length.
    error MarketSlotNotAligned(uint64 slot, uint32 slotSeconds);

    /// @notice The slot's gate has not closed yet: orders may still come.
    /// @param slot The slot.
    /// @param closesAt When the gate closes.
    error MarketGateNotClosed(uint64 slot, uint64 closesAt);

    /// @notice The slot's clearing is committed already.
    /// @param market The market.
    /// @param slot The slot.
    error MarketSlotAlreadyCommitted(bytes32 market, uint64 slot);

    /// @notice The slot has no committed clearing.
    /// @param market The market.
    /// @param slot The slot.
    error MarketSlotNotCommitted(bytes32 market, uint64 slot);

    /// @notice The slot is settled already.
    /// @param market The market.
    /// @param slot The slot.
    error MarketSlotAlreadySettled(bytes32 market, uint64 slot);

    /// @notice A settlement line breaks a rule: delivered ≠ min(traded, metered), gridValue ≠ the formula
    /// at the slot's tariffs, a value of the wrong sign, a grid line not the grid operator's, …
    /// @param index The line's index.
    error MarketSettlementLineInvalid(uint256 index);

    /// @notice Σ(tradeValue + gridValue) over the lines is not 0.
    /// @param sum The sum.
    error MarketSettlementNotBalanced(int256 sum);

    /// @notice The buy lines do not release exactly what was locked (for the slot, or for one account).
    /// @param locked What was locked.
    /// @param released What the lines release.
    error MarketSettlementLockMismatch(uint256 locked, uint256 released);

    /// @notice The line is not in the slot's settlement root (or the slot is not settled); dispute and claimRewards.
    /// @param leaf The line's leaf.
    error MarketDisputeLineUnknown(bytes32 leaf);

    /// @notice The line's reward was claimed already.
    /// @param leaf The line's leaf.
    error MarketRewardAlreadyClaimed(bytes32 leaf);

    /// @notice The claim's lines and proofs differ in number.
    /// @param lines Number of lines.
    /// @param proofs Number of proofs.
    error MarketClaimLengthMismatch(uint256 lines, uint256 proofs);

    /// @notice The line was corrected already.
    /// @param leaf The line's leaf.
    error MarketDisputeAlreadyCorrected(bytes32 leaf);

    /// @notice The reading is not in the anchored batch (no batch, wrong path, index or bytes).
    /// @param regionId The batch's region.
    /// @param part The batch's part.
    /// @param index The claimed leaf index.
    error MarketDisputeProofInvalid(bytes32 regionId, uint16 part, uint32 index);

    /// @notice The reading is not the line's: another device, interval, duration or commodity, or a grid line.
    /// @param device The reading's device.
    /// @param intervalStart The reading's interval start.
    /// @param duration The reading's duration.
    /// @param commodity The reading's commodity.
    error MarketDisputeReadingMismatch(bytes32 device, int64 intervalStart, uint32 duration, uint8 commodity);

    /// @notice The anchored reading has the line's metered energy already.
    /// @param meteredWh The energy.
    error MarketDisputeNothingToCorrect(uint64 meteredWh);

    /// @notice Opens the market of `community` (governance only).
    /// @param community The community organisation; the market id is its address left-padded.
    /// @param operator Commits clearings and settles.
    /// @param gridOperator Sets tariffs and balances.
    /// @param slotSeconds Slot length, a divisor of 86400.
    /// @param gateClosureSeconds Orders close this long before a slot (at most a day).
    function openMarket(
        address community,
        address operator,
        address gridOperator,
        uint32 slotSeconds,
        uint32 gateClosureSeconds
    ) external;

    /// @notice Sets the market's tariffs (its grid operator only); slots committed later snapshot them.
    /// @param market The market.
    /// @param retailPrice Base units per kWh the grid operator sells at.
    /// @param feedInPrice Base units per kWh the grid operator buys at.
    function setTariffs(bytes32 market, uint64 retailPrice, uint64 feedInPrice) external;

    /// @notice Sets the reward rate (governance only); slots committed later snapshot it.
    /// @param market The market.
    /// @param ratePerKwh Reward units per kWh delivered locally.
    function setRewardRate(bytes32 market, uint64 ratePerKwh) external;

    /// @notice Pays `amount` settlement tokens of the caller (transferFrom; approve first) into its escrow.
    /// @param amount Base units.
    function deposit(uint256 amount) external;

    /// @notice Pays `amount` settlement tokens of the caller into `account`'s escrow.
    /// @param account The account credited.
    /// @param amount Base units.
    function depositFor(address account, uint256 amount) external;

    /// @notice Withdraws `amount` of the caller's available escrow.
    /// @param amount Base units, at most `availableOf(caller)`.
    function withdraw(uint256 amount) external;

    /// @notice Commits a slot's clearing and locks each buyer's trade value (the market's operator only),
    /// after gate closure, once; snapshots the tariffs and the reward rate into the slot.
    /// @param market The market.
    /// @param slot The slot's start (Unix seconds, aligned).
    /// @param ordersRoot Root of the included orders' leaves.
    /// @param orderCount Number of included orders.
    /// @param tradesRoot Root of the trades' leaves.
    /// @param tradeCount Number of trades.
    /// @param price The uniform price (0 for pay-as-bid).
    /// @param volumeWh The traded energy.
    /// @param locks Each buyer's total trade value.
    function commitClearing(
        bytes32 market,
        uint64 slot,
        bytes32 ordersRoot,
        uint32 orderCount,
        bytes32 tradesRoot,
        uint32 tradeCount,
        uint64 price,
        uint64 volumeWh,
        Lock[] calldata locks
    ) external;

    /// @notice Settles a committed slot (the market's operator only): checks every line, releases the
    /// locks, moves each line's tradeValue + gridValue to its account, stores the root (rewards are claimed
    /// afterwards with claimRewards).
    /// @param market The market.
    /// @param slot The slot.
    /// @param lines The lines, grid line last.
    function settle(bytes32 market, uint64 slot, SettlementLine[] calldata lines) external;

    /// @notice Corrects a settled line's metered energy with an anchored reading (anyone, once per line).
    /// @param market The market.
    /// @param slot The slot.
    /// @param line The line as settled.
    /// @param lineProof Its proof in the slot's settlement root.
    /// @param proof The device's anchored reading of the slot.
    function dispute(
        bytes32 market,
        uint64 slot,
        SettlementLine calldata line,
        bytes32[] calldata lineProof,
        ReadingProof calldata proof
    ) external;

    /// @notice Mints the reward of each settled line to its account (anyone may send it, once per line):
    /// floor(slot's rewardRate × rewardWh / 1000) RewardToken units; a zero reward is marked claimed too.
    /// @param market The market.
    /// @param slot The settled slot.
    /// @param lines The lines as settled.
    /// @param proofs Each line's proof in the slot's settlement root.
    function claimRewards(
        bytes32 market,
        uint64 slot,
        SettlementLine[] calldata lines,
        bytes32[][] calldata proofs
    ) external;

    /// @notice Whether a settled line's reward was claimed.
    /// @param market The market.
    /// @param slot The slot.
    /// @param leaf The line's leaf.
    /// @return True once claimed.
    function rewardClaimed(bytes32 market, uint64 slot, bytes32 leaf) external view returns (bool);

    /// @notice A market's configuration (all zero when unknown).
    /// @param market The id.
    /// @return The configuration.
    function marketOf(bytes32 market) external view returns (MarketInfo memory);

    /// @notice What the chain holds of a slot (all zero when not committed).
    /// @param market The market.
    /// @param slot The slot.
    /// @return The record.
    function slotOf(bytes32 market, uint64 slot) external view returns (SlotRecord memory);

    /// @notice An account's signed escrow balance.
    /// @param account The account.
    /// @return The balance in base units.
    function balanceOf(address account) external view returns (int256);

    /// @notice What is locked of an account's escrow by committed, unsettled slots.
    /// @param account The account.
    /// @return The locked amount.
    function lockedOf(address account) external view returns (uint256);

    /// @notice max(balance − locked, 0): what the account can withdraw or have locked.
    /// @param account The account.
    /// @return The available amount.
    function availableOf(address account) external view returns (uint256);

    /// @notice What one slot locked of an account (0 once settled).
    /// @param market The market.
    /// @param slot The slot.
    /// @param account The account.
    /// @return The locked amount.
    function slotLockOf(bytes32 market, uint64 slot, address account) external view returns (uint256);

    /// @notice The EIP-712 digest of an order (domain "GridLedger Market" "1", this contract).
    /// @param order The order.
    /// @return The digest.
    function orderDigest(Order calldata order) external view returns (bytes32);

    /// @notice The EIP-712 digest of a cancellation.
    /// @param c The cancellation.
    /// @return The digest.
    function cancelDigest(Cancel calldata c) external view returns (bytes32);

    /// @notice The settlement token of the escrow.
    /// @return The SettlementToken contract.
    function settlementToken() external view returns (address);

    /// @notice The reward token minted at settlement.
    /// @return The RewardToken contract.
    function rewardToken() external view returns (address);

    /// @notice The meter anchor disputes prove readings against.
    /// @return The MeterAnchor contract.
    function meterAnchor() external view returns (address);
}
