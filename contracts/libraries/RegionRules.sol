// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title Rules for region codes and anchoring intervals, shared by Consortium and Registry.
library RegionRules {
    /// @dev 2 to 16 characters of A-Z, 0-9 and '-'.
    function isValidCode(string memory code) internal pure returns (bool) {
        bytes memory b = bytes(code);
        if (b.length < 2 || b.length > 16) return false;
        for (uint256 i; i < b.length; ++i) {
            bytes1 c = b[i];
            if (!((c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "-")) return false;
        }
        return true;
    }

    /// @dev 60 to 86400 seconds and a divisor of a day, so intervals align to midnight.
    function isValidInterval(uint32 intervalSeconds) internal pure returns (bool) {
        return intervalSeconds >= 60 && intervalSeconds <= 86400 && 86400 % intervalSeconds == 0;
    }
}
