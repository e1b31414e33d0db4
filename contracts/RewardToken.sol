// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IRewardToken} from "./interfaces/ITokens.sol";

/// @title GridLedger local energy reward ("gLER", 0 decimals)
/// @notice Minted by the Market contract (GridAuthority role MARKET_MINTER) for energy delivered locally;
/// a holder redeems units by burning them with a reference, and the grid operator grants the discount off
/// chain against the `Redeemed` event.
contract RewardToken is IRewardToken, ERC20, AccessManaged {
    /// @notice Deploys the token.
    /// @param authority The GridAuthority every restricted function asks.
    constructor(address authority) ERC20("GridLedger Local Energy Reward", "gLER") AccessManaged(authority) {}

    /// @notice One unit per reward: 0 decimals.
    /// @return 0.
    function decimals() public pure override returns (uint8) {
        return 0;
    }

    /// @inheritdoc IRewardToken
    function mint(address to, uint256 amount) external restricted {
        _mint(to, amount);
    }

    /// @inheritdoc IRewardToken
    function redeem(uint256 amount, bytes32 ref) external restricted {
        if (amount == 0) revert RewardTokenZeroAmount();
        _burn(msg.sender, amount);
        emit Redeemed(msg.sender, amount, ref);
    }
}
