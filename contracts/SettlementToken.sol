// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ISettlementToken} from "./interfaces/ITokens.sol";

/// @title GridLedger settlement token ("gFEN", 2 decimals)
/// @notice One base unit is one fen. Minted and burnt only by the payment agent (GridAuthority role
/// PAYMENT_AGENT); transfers, approvals and ERC-2612 permits as any ERC-20.
contract SettlementToken is ISettlementToken, ERC20, ERC20Permit, AccessManaged {
    /// @notice Deploys the token.
    /// @param authority The GridAuthority every restricted function asks.
    constructor(address authority)
        ERC20("GridLedger Settlement Fen", "gFEN")
        ERC20Permit("GridLedger Settlement Fen")
        AccessManaged(authority)
    {}

    /// @notice Base units are fen: 2 decimals.
    /// @return 2.
    function decimals() public pure override returns (uint8) {
        return 2;
    }

    /// @inheritdoc ISettlementToken
    function mint(address to, uint256 amount) external restricted {
        _mint(to, amount);
    }

    /// @inheritdoc ISettlementToken
    function burn(address from, uint256 amount) external restricted {
        _burn(from, amount);
    }
}
