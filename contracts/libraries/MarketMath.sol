// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {IMarket, SIDE_SELL} from "../interfaces/IMarket.sol";

/// @title The market's settlement arithmetic and commitment trees, shared by `settle` and `dispute`
/// @notice Same formulas as src/market/settleSlot.ts and the same tree as src/market/commitTree.ts.
library MarketMath {
    /// @notice Value of `energyWh` at `price` base units per kWh: floor(price × energyWh / 1000).
    /// @param price Base units per kWh.
    /// @param energyWh Energy in Wh.
    /// @return Base units.
    function value(uint64 price, uint64 energyWh) internal pure returns (uint256) {
        return (uint256(price) * energyWh) / 1000;
    }

    /// @notice What the grid operator pays a line's account for its shortfall and excess (negative: the
    /// account pays), with D = min(T, M). Sell: floor(feedIn × (M−D)/1000) − floor(retail × (T−D)/1000);
    /// buy: floor(feedIn × (T−D)/1000) − floor(retail × (M−D)/1000).
    /// @param side 0 buy, 1 sell.
    /// @param tradedWh T.
    /// @param meteredWh M.
    /// @param retailPrice Base units per kWh.
    /// @param feedInPrice Base units per kWh.
    /// @return The grid value.
    function gridValue(uint8 side, uint64 tradedWh, uint64 meteredWh, uint64 retailPrice, uint64 feedInPrice)
        internal
        pure
        returns (int256)
    {
        uint64 delivered = tradedWh < meteredWh ? tradedWh : meteredWh;
        (uint64 sold, uint64 bought) = side == SIDE_SELL
            ? (meteredWh - delivered, tradedWh - delivered)
            : (tradedWh - delivered, meteredWh - delivered);
        // Both values are below 2^128: the conversions cannot overflow.
        return int256(value(feedInPrice, sold)) - int256(value(retailPrice, bought));
    }

    /// @notice The leaf of a settlement line: keccak256(keccak256(abi.encode(line))).
    /// @param line The line.
    /// @return The leaf.
    function lineLeaf(IMarket.SettlementLine calldata line) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(line))));
    }

    /// @notice Root of the in-order commutative keccak tree over `leaves` (pairs (0,1),(2,3),… hashed with
    /// `Hashes.commutativeKeccak256`, an odd last node carried up; one leaf = itself; none = 0). Overwrites
    /// `leaves`. Proofs verify with OpenZeppelin `MerkleProof`.
    /// @param leaves The leaves, in order.
    /// @return The root.
    function commitRoot(bytes32[] memory leaves) internal pure returns (bytes32) {
        uint256 n = leaves.length;
        if (n == 0) return bytes32(0);
        while (n > 1) {
            uint256 half = n >> 1;
            for (uint256 i; i < half; ++i) {
                leaves[i] = Hashes.commutativeKeccak256(leaves[2 * i], leaves[2 * i + 1]);
            }
            if (n & 1 == 1) {
                leaves[half] = leaves[n - 1];
                n = half + 1;
            } else {
                n = half;
            }
        }
        return leaves[0];
    }
}
