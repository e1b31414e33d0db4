// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IMarket, SIDE_BUY, SIDE_GRID, SIDE_SELL} from "./interfaces/IMarket.sol";
import {COMMODITY_ELECTRICITY, IMeterAnchor} from "./interfaces/IMeterAnchor.sol";
import {IRewardToken} from "./interfaces/ITokens.sol";
import {MarketMath} from "./libraries/MarketMath.sol";
import {ReadingProof as Readings} from "./libraries/ReadingProof.sol";

/// @title GridLedger local energy market
/// @notice Commitments of off-chain clearings, a signed escrow ledger in settlement tokens, settlement
/// re-checked line by line, rewards claimed by proof, and disputes of metered energy against anchored readings (IMarket).
/// @dev Balances are signed: a line's gridValue may take an account below zero, which it owes the grid
/// operator until it deposits. The contract's token holdings always equal Σ balances.
contract Market is IMarket, AccessManaged, EIP712 {
    using SafeERC20 for IERC20;

    /// @dev Bound on a line's values, so sums and negations cannot overflow.
    int256 private constant MAX_VALUE = int256(uint256(type(uint128).max));

    bytes32 private constant ORDER_TYPEHASH = keccak256(
        "Order(bytes32 market,uint64 slot,uint8 side,bytes32 device,uint64 energyWh,uint64 limitPrice,uint64 nonce,uint64 expiry)"
    );
    bytes32 private constant CANCEL_TYPEHASH = keccak256("Cancel(bytes32 market,uint64 slot,bytes32 order)");

    IERC20 private immutable _settlementToken;
    IRewardToken private immutable _rewardToken;
    IMeterAnchor private immutable _meterAnchor;

    mapping(bytes32 market => MarketInfo) private _markets;
    mapping(bytes32 market => mapping(uint64 slot => SlotRecord)) private _slots;
    mapping(bytes32 market => mapping(uint64 slot => mapping(address account => uint256))) private _slotLocks;
    mapping(address account => int256) private _balances;
    mapping(address account => uint256) private _locked;
    mapping(bytes32 key => bool) private _corrected;
    mapping(bytes32 key => bool) private _claimed;

    /// @notice Deploys the market contract.
    /// @param authority The GridAuthority every restricted function asks.
    /// @param settlementToken_ The SettlementToken of the escrow.
    /// @param rewardToken_ The RewardToken minted at settlement.
    /// @param meterAnchor_ The MeterAnchor disputes prove readings against.
    constructor(address authority, address settlementToken_, address rewardToken_, address meterAnchor_)
        AccessManaged(authority)
        EIP712("GridLedger Market", "1")
    {
        if (settlementToken_.code.length == 0) revert MarketInvalidContract(settlementToken_);
        if (rewardToken_.code.length == 0) revert MarketInvalidContract(rewardToken_);
        if (meterAnchor_.code.length == 0) revert MarketInvalidContract(meterAnchor_);
        _settlementToken = IERC20(settlementToken_);
        _rewardToken = IRewardToken(rewardToken_);
        _meterAnchor = IMeterAnchor(meterAnchor_);
    }

    // ---- configuration

    /// @inheritdoc IMarket
    function openMarket(
        address community,
        address operator,
        address gridOperator,
        uint32 slotSeconds,
        uint32 gateClosureSeconds
    ) external restricted {
        if (community == address(0) || operator == address(0) || gridOperator == address(0)) {
            revert MarketZeroAddress();
        }
        if (slotSeconds == 0 || 86_400 % slotSeconds != 0 || gateClosureSeconds > 86_400) {
            revert MarketInvalidTiming(slotSeconds, gateClosureSeconds);
        }
        bytes32 market = bytes32(uint256(uint160(community)));
        MarketInfo storage m = _markets[market];
        if (m.openedAt != 0) revert MarketAlreadyOpen(market);
        m.community = community;
        m.operator = operator;
        m.gridOperator = gridOperator;
        m.slotSeconds = slotSeconds;
        m.gateClosureSeconds = gateClosureSeconds;
        m.openedAt = uint64(block.timestamp);
        emit MarketOpened(market, community, operator, gridOperator, slotSeconds, gateClosureSeconds);
    }

    /// @inheritdoc IMarket
    function setTariffs(bytes32 market, uint64 retailPrice, uint64 feedInPrice) external restricted {
        MarketInfo storage m = _market(market);
        if (msg.sender != m.gridOperator) revert MarketNotGridOperator(market, msg.sender);
        m.retailPrice = retailPrice;
        m.feedInPrice = feedInPrice;
        emit TariffsSet(market, retailPrice, feedInPrice);
    }

    /// @inheritdoc IMarket
    function setRewardRate(bytes32 market, uint64 ratePerKwh) external restricted {
        _market(market).rewardRate = ratePerKwh;
        emit RewardRateSet(market, ratePerKwh);
    }

    // ---- escrow

    /// @inheritdoc IMarket
    function deposit(uint256 amount) external restricted {
        _deposit(msg.sender, amount);
    }

    /// @inheritdoc IMarket
    function depositFor(address account, uint256 amount) external restricted {
        if (account == address(0)) revert MarketZeroAddress();
        _deposit(account, amount);
    }

    /// @inheritdoc IMarket
    function withdraw(uint256 amount) external restricted {
        if (amount == 0) revert MarketZeroAmount();
        uint256 available = availableOf(msg.sender);
        if (amount > available) revert MarketInsufficientEscrow(msg.sender, amount, available);
        _balances[msg.sender] -= int256(amount); // amount ≤ available < 2^255
        _settlementToken.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    // ---- clearing and settlement

    /// @inheritdoc IMarket
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
    ) external restricted {
        SlotRecord storage s = _newSlot(market, slot);
        s.ordersRoot = ordersRoot;
        s.tradesRoot = tradesRoot;
        s.price = price;
        s.volumeWh = volumeWh;
        s.orderCount = orderCount;
        s.tradeCount = tradeCount;
        s.locked = _lock(market, slot, locks);
        _emitCommitted(market, slot, s);
    }

    /// @inheritdoc IMarket
    function settle(bytes32 market, uint64 slot, SettlementLine[] calldata lines) external restricted {
        MarketInfo storage m = _operated(market);
        SlotRecord storage s = _slots[market][slot];
        if (s.clearedAt == 0) revert MarketSlotNotCommitted(market, slot);
        if (s.settledAt != 0) revert MarketSlotAlreadySettled(market, slot);
        uint256 n = lines.length;
        bytes32[] memory leaves = new bytes32[](n);
        int256 sum;
        uint256 released;
        address gridOperator = m.gridOperator;
        for (uint256 i; i < n; ++i) {
            SettlementLine calldata line = lines[i];
            _checkLine(line, i, gridOperator, s);
            int256 net = line.tradeValue + line.gridValue;
            sum += net;
            _balances[line.account] += net;
            if (line.side == SIDE_BUY) released += _release(market, slot, line.account, uint256(-line.tradeValue));
            leaves[i] = MarketMath.lineLeaf(line);
        }
        if (sum != 0) revert MarketSettlementNotBalanced(sum);
        if (released != s.locked) revert MarketSettlementLockMismatch(s.locked, released);
        bytes32 root = MarketMath.commitRoot(leaves);
        s.settlementRoot = root;
        s.settledAt = uint64(block.timestamp);
        emit SlotSettled(market, slot, root, SafeCast.toUint32(n));
    }

    /// @inheritdoc IMarket
    function claimRewards(
        bytes32 market,
        uint64 slot,
        SettlementLine[] calldata lines,
        bytes32[][] calldata proofs
    ) external restricted {
        uint256 n = lines.length;
        if (proofs.length != n) revert MarketClaimLengthMismatch(n, proofs.length);
        SlotRecord storage s = _slots[market][slot];
        bool settled = s.settledAt != 0;
        for (uint256 i; i < n; ++i) {
            _claimLine(market, slot, s, settled, lines[i], proofs[i]);
        }
    }

    /// @inheritdoc IMarket
    function dispute(
        bytes32 market,
        uint64 slot,
        SettlementLine calldata line,
        bytes32[] calldata lineProof,
        ReadingProof calldata proof
    ) external restricted {
        MarketInfo storage m = _market(market);
        SlotRecord storage s = _slots[market][slot];
        bytes32 leaf = MarketMath.lineLeaf(line);
        if (s.settledAt == 0 || !MerkleProof.verifyCalldata(lineProof, s.settlementRoot, leaf)) {
            revert MarketDisputeLineUnknown(leaf);
        }
        bytes32 key = keccak256(abi.encode(market, slot, leaf));
        if (_corrected[key]) revert MarketDisputeAlreadyCorrected(leaf);
        uint64 correctedWh = _provenDelta(m.slotSeconds, slot, line, proof);
        if (correctedWh == line.meteredWh) revert MarketDisputeNothingToCorrect(correctedWh);
        int256 delta = MarketMath.gridValue(line.side, line.tradedWh, correctedWh, s.retailPrice, s.feedInPrice)
            - line.gridValue;
        _corrected[key] = true;
        _balances[line.account] += delta;
        _balances[m.gridOperator] -= delta;
        emit SettlementCorrected(market, slot, line.account, line.device, line.meteredWh, correctedWh, delta);
    }

    // ---- views

    /// @inheritdoc IMarket
    function marketOf(bytes32 market) external view returns (MarketInfo memory) {
        return _markets[market];
    }

    /// @inheritdoc IMarket
    function slotOf(bytes32 market, uint64 slot) external view returns (SlotRecord memory) {
        return _slots[market][slot];
    }

    /// @inheritdoc IMarket
    function rewardClaimed(bytes32 market, uint64 slot, bytes32 leaf) external view returns (bool) {
        return _claimed[keccak256(abi.encode(market, slot, leaf))];
    }

    /// @inheritdoc IMarket
    function balanceOf(address account) external view returns (int256) {
        return _balances[account];
    }

    /// @inheritdoc IMarket
    function lockedOf(address account) external view returns (uint256) {
        return _locked[account];
    }

    /// @inheritdoc IMarket
    function availableOf(address account) public view returns (uint256) {
        int256 free = _balances[account] - SafeCast.toInt256(_locked[account]);
        return free > 0 ? uint256(free) : 0;
    }

    /// @inheritdoc IMarket
    function slotLockOf(bytes32 market, uint64 slot, address account) external view returns (uint256) {
        return _slotLocks[market][slot][account];
    }

    /// @inheritdoc IMarket
    function orderDigest(Order calldata order) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(ORDER_TYPEHASH, order)));
    }

    /// @inheritdoc IMarket
    function cancelDigest(Cancel calldata c) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(CANCEL_TYPEHASH, c)));
    }

    /// @inheritdoc IMarket
    function settlementToken() external view returns (address) {
        return address(_settlementToken);
    }

    /// @inheritdoc IMarket
    function rewardToken() external view returns (address) {
        return address(_rewardToken);
    }

    /// @inheritdoc IMarket
    function meterAnchor() external view returns (address) {
        return address(_meterAnchor);
    }

    // ---- internals

    /// @dev Checks that the caller may commit `slot` now, and snapshots the tariffs and reward rate into it.
    function _newSlot(bytes32 market, uint64 slot) private returns (SlotRecord storage s) {
        MarketInfo storage m = _operated(market);
        uint32 slotSeconds = m.slotSeconds;
        if (slot % slotSeconds != 0) revert MarketSlotNotAligned(slot, slotSeconds);
        uint64 closesAt = slot > m.gateClosureSeconds ? slot - m.gateClosureSeconds : 0;
        if (block.timestamp < closesAt) revert MarketGateNotClosed(slot, closesAt);
        s = _slots[market][slot];
        if (s.clearedAt != 0) revert MarketSlotAlreadyCommitted(market, slot);
        s.retailPrice = m.retailPrice;
        s.feedInPrice = m.feedInPrice;
        s.rewardRate = m.rewardRate;
        s.clearedAt = uint64(block.timestamp);
    }

    /// @dev Emits ClearingCommitted from the stored record (the calldata values do not fit the stack).
    function _emitCommitted(bytes32 market, uint64 slot, SlotRecord storage s) private {
        emit ClearingCommitted(
            market, slot, s.ordersRoot, s.tradesRoot, s.price, s.volumeWh, s.orderCount, s.tradeCount
        );
    }

    function _market(bytes32 market) private view returns (MarketInfo storage m) {
        m = _markets[market];
        if (m.openedAt == 0) revert MarketNotOpen(market);
    }

    function _operated(bytes32 market) private view returns (MarketInfo storage m) {
        m = _market(market);
        if (msg.sender != m.operator) revert MarketNotOperator(market, msg.sender);
    }

    function _deposit(address account, uint256 amount) private {
        if (amount == 0) revert MarketZeroAmount();
        int256 credit = SafeCast.toInt256(amount);
        _settlementToken.safeTransferFrom(msg.sender, address(this), amount);
        _balances[account] += credit;
        emit Deposited(account, msg.sender, amount);
    }

    /// @dev Locks each buyer's amount (an account may appear more than once); returns the total.
    function _lock(bytes32 market, uint64 slot, Lock[] calldata locks) private returns (uint256 total) {
        uint256 n = locks.length;
        for (uint256 i; i < n; ++i) {
            address account = locks[i].account;
            uint256 amount = locks[i].amount;
            if (account == address(0)) revert MarketZeroAddress();
            uint256 available = availableOf(account);
            if (amount > available) revert MarketInsufficientEscrow(account, amount, available);
            _locked[account] += amount;
            _slotLocks[market][slot][account] += amount;
            total += amount;
        }
    }

    /// @dev Releases `amount` of what the slot locked of `account`; more than it locked is a mismatch.
    function _release(bytes32 market, uint64 slot, address account, uint256 amount) private returns (uint256) {
        uint256 held = _slotLocks[market][slot][account];
        if (amount > held) revert MarketSettlementLockMismatch(held, amount);
        _slotLocks[market][slot][account] = held - amount;
        _locked[account] -= amount;
        return amount;
    }

    /// @dev Verifies one line against the slot's settlement root, marks it claimed, mints its reward.
    function _claimLine(
        bytes32 market,
        uint64 slot,
        SlotRecord storage s,
        bool settled,
        SettlementLine calldata line,
        bytes32[] calldata proof
    ) private {
        bytes32 leaf = MarketMath.lineLeaf(line);
        if (!settled || !MerkleProof.verifyCalldata(proof, s.settlementRoot, leaf)) {
            revert MarketDisputeLineUnknown(leaf);
        }
        bytes32 key = keccak256(abi.encode(market, slot, leaf));
        if (_claimed[key]) revert MarketRewardAlreadyClaimed(leaf);
        _claimed[key] = true;
        uint256 units = MarketMath.value(s.rewardRate, line.rewardWh);
        if (units != 0) _rewardToken.mint(line.account, units);
        emit RewardsClaimed(market, slot, line.account, units);
    }

    /// @dev The rules a line must keep (IMarket.MarketSettlementLineInvalid).
    function _checkLine(SettlementLine calldata line, uint256 i, address gridOperator, SlotRecord storage s)
        private
        view
    {
        int256 tv = line.tradeValue;
        int256 gv = line.gridValue;
        uint8 side = line.side;
        bool ok = line.account != address(0) && tv <= MAX_VALUE && tv >= -MAX_VALUE && gv <= MAX_VALUE
            && gv >= -MAX_VALUE;
        if (side == SIDE_GRID) {
            ok = ok && line.account == gridOperator && line.device == 0 && line.tradedWh == 0
                && line.meteredWh == 0 && line.deliveredWh == 0 && tv == 0 && line.rewardWh == 0;
        } else if (side == SIDE_BUY || side == SIDE_SELL) {
            uint64 t = line.tradedWh;
            uint64 d = t < line.meteredWh ? t : line.meteredWh;
            ok = ok && line.deliveredWh == d && line.rewardWh <= d && (side == SIDE_BUY ? tv <= 0 : tv >= 0)
                && (t != 0 || tv == 0)
                && gv == MarketMath.gridValue(side, t, line.meteredWh, s.retailPrice, s.feedInPrice);
        } else {
            ok = false;
        }
        if (!ok) revert MarketSettlementLineInvalid(i);
    }

    /// @dev The delta of the line's side in an anchored reading of the line's device and slot.
    function _provenDelta(uint32 slotSeconds, uint64 slot, SettlementLine calldata line, ReadingProof calldata proof)
        private
        view
        returns (uint64)
    {
        (bytes32 root, uint32 leafCount,,,) =
            _meterAnchor.anchorOf(proof.regionId, COMMODITY_ELECTRICITY, slot, proof.part);
        bytes32 leaf = Readings.leafHash(proof.reading, proof.signature);
        if (root == 0 || !Readings.verifyInclusion(leaf, proof.index, leafCount, proof.path, root)) {
            revert MarketDisputeProofInvalid(proof.regionId, proof.part, proof.index);
        }
        Readings.Reading memory r = Readings.decode(proof.reading);
        if (
            r.deviceId != line.device || r.intervalStart < 0 || uint64(r.intervalStart) != slot
                || r.duration != slotSeconds || r.commodity != COMMODITY_ELECTRICITY || line.side == SIDE_GRID
        ) revert MarketDisputeReadingMismatch(r.deviceId, r.intervalStart, r.duration, r.commodity);
        return line.side == SIDE_SELL ? r.exportDelta : r.importDelta;
    }
}
