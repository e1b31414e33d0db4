// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @dev Commodities (`commodity`), as in the signed reading format (src/metering/readingFormat.ts):
/// electricity in Wh, natural gas in litres, heat in kJ, water in litres.
uint8 constant COMMODITY_ELECTRICITY = 1;
uint8 constant COMMODITY_GAS = 2;
uint8 constant COMMODITY_HEAT = 3;
uint8 constant COMMODITY_WATER = 4;

/// @title GridLedger meter anchor: the Merkle roots of regions' batches of meter readings.
/// @notice A region's operator groups the readings of an interval into batches (one per commodity, split
/// into parts when large), builds a Merkle tree over each and anchors the root, the leaf count and the
/// import and export totals here. A batch is keyed by (regionId, commodity, intervalStart, part) and is
/// anchored once: its record never changes, so any reading can later be proven against it.
interface IMeterAnchor {
    /// @notice A batch to anchor.
    /// @param regionId keccak256 of the region code, as in the Registry.
    /// @param commodity One of the COMMODITY_* codes.
    /// @param intervalStart Unix time (seconds) at which the batch's interval starts.
    /// @param part Index of the batch within its interval and commodity (0 when not split).
    /// @param root Merkle root of the batch's readings (non-zero).
    /// @param leafCount Number of readings in the tree (non-zero).
    /// @param importTotal Sum of the readings' import deltas, in the commodity's unit.
    /// @param exportTotal Sum of the readings' export deltas, in the commodity's unit.
    struct AnchorInput {
        bytes32 regionId;
        uint8 commodity;
        uint64 intervalStart;
        uint16 part;
        bytes32 root;
        uint32 leafCount;
        uint64 importTotal;
        uint64 exportTotal;
    }

    /// @notice A region's operator anchored a batch.
    /// @param regionId keccak256 of the region code.
    /// @param commodity The commodity code.
    /// @param intervalStart Start of the batch's interval (Unix seconds).
    /// @param part The batch's part within its interval and commodity.
    /// @param root Merkle root of the batch.
    /// @param leafCount Number of readings in the batch.
    /// @param importTotal Sum of the import deltas.
    /// @param exportTotal Sum of the export deltas.
    event Anchored(
        bytes32 indexed regionId,
        uint8 indexed commodity,
        uint64 indexed intervalStart,
        uint16 part,
        bytes32 root,
        uint32 leafCount,
        uint64 importTotal,
        uint64 exportTotal
    );

    /// @notice The registry address is not usable (zero, or no contract there).
    /// @param registry The refused address.
    error MeterAnchorInvalidRegistry(address registry);

    /// @notice An anchoring needs at least one batch.
    error MeterAnchorNoBatches();

    /// @notice The registry has no region with this id.
    /// @param regionId The id.
    error MeterAnchorUnknownRegion(bytes32 regionId);

    /// @notice Only the region's operator, while an active member with the REGION_OPERATOR role, may
    /// anchor the region's batches.
    /// @param regionId The region.
    /// @param caller The refused caller.
    error MeterAnchorNotRegionOperator(bytes32 regionId, address caller);

    /// @notice Unknown commodity (not 1 to 4).
    /// @param commodity The refused code.
    error MeterAnchorInvalidCommodity(uint8 commodity);

    /// @notice A batch needs a non-zero root and at least one leaf.
    /// @param regionId The batch's region.
    /// @param commodity The batch's commodity.
    /// @param intervalStart The batch's interval start.
    /// @param part The batch's part.
    error MeterAnchorEmptyBatch(bytes32 regionId, uint8 commodity, uint64 intervalStart, uint16 part);

    /// @notice The batch is already anchored (earlier, or earlier in the same call); anchors never change.
    /// @param regionId The batch's region.
    /// @param commodity The batch's commodity.
    /// @param intervalStart The batch's interval start.
    /// @param part The batch's part.
    /// @param root The root already anchored.
    error MeterAnchorAlreadyAnchored(
        bytes32 regionId, uint8 commodity, uint64 intervalStart, uint16 part, bytes32 root
    );

    /// @notice Anchors batches, all or none. The caller must be the operator of every batch's region (as
    /// named by the Registry) and an active consortium member with the REGION_OPERATOR role.
    /// @param batches The batches; consecutive batches of the same region are checked once.
    function anchor(AnchorInput[] calldata batches) external;

    /// @notice The anchor of a batch; all values are zero when the batch is not anchored.
    /// @param regionId keccak256 of the region code.
    /// @param commodity The commodity code.
    /// @param intervalStart Start of the interval (Unix seconds).
    /// @param part The part within the interval and commodity.
    /// @return root Merkle root of the batch.
    /// @return leafCount Number of readings in the batch.
    /// @return importTotal Sum of the import deltas.
    /// @return exportTotal Sum of the export deltas.
    /// @return anchoredAt Timestamp of the block that anchored it.
    function anchorOf(bytes32 regionId, uint8 commodity, uint64 intervalStart, uint16 part)
        external
        view
        returns (bytes32 root, uint32 leafCount, uint64 importTotal, uint64 exportTotal, uint64 anchoredAt);

    /// @notice The registry whose regions and operators this contract follows.
    /// @return The Registry contract.
    function registry() external view returns (address);
}
