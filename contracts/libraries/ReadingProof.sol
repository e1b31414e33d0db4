// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title Signed meter readings on chain: GLR1 decoding and RFC 9162 inclusion proofs
/// @notice Decodes the 90-byte reading of docs/reading-format.md (big-endian) and verifies that a reading
/// with its signature is a leaf of an anchored batch: leaf = SHA-256(0x00 ‖ reading ‖ signature), node =
/// SHA-256(0x01 ‖ left ‖ right) (RFC 6962 §2.1, src/metering/merkleTree.ts), checked with the algorithm of
/// RFC 9162 §2.1.3.2 against the batch's root and leaf count. SHA-256 is the precompile at address 2.
library ReadingProof {
    /// @notice A decoded reading (field meanings: docs/reading-format.md §2).
    struct Reading {
        bytes32 deviceId;
        uint64 seq;
        int64 intervalStart;
        uint32 duration;
        uint8 commodity;
        uint8 quality;
        uint64 importRegister;
        uint64 exportRegister;
        uint64 importDelta;
        uint64 exportDelta;
    }

    /// @dev Length of a GLR1 message.
    uint256 internal constant READING_LENGTH = 90;

    /// @dev The format's magic, ASCII "GLR1".
    bytes4 internal constant MAGIC = 0x474c5231;

    /// @notice A reading is not 90 bytes.
    /// @param length The refused length.
    error ReadingProofInvalidLength(uint256 length);

    /// @notice A reading does not start with "GLR1".
    /// @param magic The first four bytes.
    error ReadingProofInvalidMagic(bytes4 magic);

    /// @notice Decodes a GLR1 reading; reverts unless it is 90 bytes starting with "GLR1".
    /// @param reading The message.
    /// @return r The fields.
    function decode(bytes calldata reading) internal pure returns (Reading memory r) {
        if (reading.length != READING_LENGTH) revert ReadingProofInvalidLength(reading.length);
        bytes4 magic = bytes4(reading[0:4]);
        if (magic != MAGIC) revert ReadingProofInvalidMagic(magic);
        r.deviceId = bytes32(reading[4:36]);
        r.seq = uint64(bytes8(reading[36:44]));
        r.intervalStart = int64(uint64(bytes8(reading[44:52])));
        r.duration = uint32(bytes4(reading[52:56]));
        r.commodity = uint8(reading[56]);
        r.quality = uint8(reading[57]);
        r.importRegister = uint64(bytes8(reading[58:66]));
        r.exportRegister = uint64(bytes8(reading[66:74]));
        r.importDelta = uint64(bytes8(reading[74:82]));
        r.exportDelta = uint64(bytes8(reading[82:90]));
    }

    /// @notice The Merkle leaf hash of a reading: SHA-256(0x00 ‖ reading ‖ signature).
    /// @param reading The message.
    /// @param signature The device's signature.
    /// @return The leaf hash.
    function leafHash(bytes calldata reading, bytes calldata signature) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(bytes1(0x00), reading, signature));
    }

    /// @notice An inner node: SHA-256(0x01 ‖ left ‖ right).
    /// @param left The left child.
    /// @param right The right child.
    /// @return The node hash.
    function nodeHash(bytes32 left, bytes32 right) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(bytes1(0x01), left, right));
    }

    /// @notice RFC 9162 §2.1.3.2: true when `path` leads from `leaf` at `index` in a tree of `treeSize`
    /// leaves to `root`.
    /// @param leaf The leaf hash.
    /// @param index The leaf's index.
    /// @param treeSize The number of leaves.
    /// @param path The audit path, bottom-up.
    /// @param root The expected root.
    /// @return Whether the proof holds.
    function verifyInclusion(bytes32 leaf, uint256 index, uint256 treeSize, bytes32[] calldata path, bytes32 root)
        internal
        pure
        returns (bool)
    {
        if (index >= treeSize) return false;
        uint256 fn = index;
        uint256 sn = treeSize - 1;
        bytes32 r = leaf;
        uint256 n = path.length;
        for (uint256 i; i < n; ++i) {
            if (sn == 0) return false;
            bytes32 p = path[i];
            if (fn & 1 == 1 || fn == sn) {
                r = nodeHash(p, r);
                while (fn & 1 == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                r = nodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r == root;
    }
}
