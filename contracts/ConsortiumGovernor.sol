// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";

/// @title GridLedger consortium governor
/// @notice The seat holders' governance: proposals of arbitrary calls, executed through the GridTimelock.
/// One seat held at a proposal's snapshot is one vote. A proposal passes when
/// `for × quorum.denominator > seats × quorum.numerator` (the Consortium's parameters, 2/3 by default), and it
/// succeeds as soon as that holds, before its deadline; it is defeated as soon as it no longer can, or at its
/// deadline. The voting period is the Consortium's `voting.period`.
/// @dev Timestamp clock, no voting delay, and a proposal is Active from its snapshot second itself, so a vote in
/// the same second as the proposal counts (chains may mine both in one second).
contract ConsortiumGovernor is Governor, GovernorCountingSimple, GovernorTimelockControl {
    /// @notice Only an organisation that held a seat at the proposal's snapshot may vote.
    /// @param account The refused voter.
    /// @param timepoint The proposal's snapshot.
    error ConsortiumGovernorNotSeatHolder(address account, uint256 timepoint);

    IConsortium private immutable _consortium;
    mapping(uint256 proposalId => bytes32) private _operationIds;

    /// @notice Deploys the governor of `consortium_`, executing through `timelock_`.
    /// @param consortium_ The Consortium whose seats vote and whose parameters set the quorum and period.
    /// @param timelock_ The GridTimelock.
    constructor(address consortium_, TimelockController timelock_)
        Governor("GridLedger Consortium")
        GovernorTimelockControl(timelock_)
    {
        _consortium = IConsortium(consortium_);
    }

    /// @notice The Consortium this governor counts the seats of.
    /// @return The Consortium.
    function consortium() external view returns (address) {
        return address(_consortium);
    }

    /// @notice The current timestamp (ERC-6372 clock).
    /// @return The timestamp.
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    /// @notice The clock is the block timestamp.
    /// @return "mode=timestamp".
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    /// @notice How votes count: for, against and abstain (ignored); only for-votes make a proposal pass.
    /// @return "support=bravo&quorum=for".
    // solhint-disable-next-line func-name-mixedcase
    function COUNTING_MODE() public pure override(IGovernor, GovernorCountingSimple) returns (string memory) {
        return "support=bravo&quorum=for";
    }

    /// @notice Voting opens when a proposal is made.
    /// @return 0.
    function votingDelay() public pure override returns (uint256) {
        return 0;
    }

    /// @notice How long a proposal stays open: the Consortium's `voting.period`, in seconds.
    /// @return The voting period.
    function votingPeriod() public view override returns (uint256) {
        return _consortium.votingPeriod();
    }

    /// @notice A proposer needs a seat (one vote).
    /// @return 1.
    function proposalThreshold() public pure override returns (uint256) {
        return 1;
    }

    /// @notice The smallest number of for-votes that passes a proposal with the seats at `timepoint`.
    /// @param timepoint A proposal's snapshot.
    /// @return seats × numerator / denominator + 1.
    function quorum(uint256 timepoint) public view override returns (uint256) {
        (uint256 numerator, uint256 denominator) = _consortium.quorum();
        return _consortium.seatCountAt(uint48(timepoint)) * numerator / denominator + 1;
    }

    /// @notice Proposes calls; the proposer must hold a seat now (not one second ago as in the base Governor,
    /// so a member admitted in this second can propose).
    /// @param targets The contracts to call.
    /// @param values The wei sent with each call.
    /// @param calldatas The calls.
    /// @param description What the proposal is for.
    /// @return The proposal id.
    function propose(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description
    ) public override returns (uint256) {
        address proposer = _msgSender();
        if (!_isValidDescriptionForProposer(proposer, description)) revert GovernorRestrictedProposer(proposer);
        uint256 votes = getVotes(proposer, clock());
        if (votes < proposalThreshold()) revert GovernorInsufficientProposerVotes(proposer, votes, proposalThreshold());
        return _propose(targets, values, calldatas, description, proposer);
    }

    /// @notice The state of a proposal. Before its deadline: Active, Succeeded as soon as it passes, Defeated as
    /// soon as it cannot pass any more, Queued (or Executed/Canceled) once queued. After it: as the base Governor.
    /// @param proposalId The proposal.
    /// @return Its state.
    function state(uint256 proposalId)
        public
        view
        override(Governor, GovernorTimelockControl)
        returns (ProposalState)
    {
        ProposalState current = super.state(proposalId);
        if (current != ProposalState.Pending && current != ProposalState.Active) return current;
        if (proposalEta(proposalId) != 0) return _queuedState(proposalId);
        (uint256 againstVotes, uint256 forVotes,) = proposalVotes(proposalId);
        (uint256 numerator, uint256 denominator) = _consortium.quorum();
        uint256 seats = _consortium.seatCountAt(uint48(proposalSnapshot(proposalId)));
        if (forVotes * denominator > seats * numerator) return ProposalState.Succeeded;
        if ((seats - againstVotes) * denominator <= seats * numerator) return ProposalState.Defeated;
        return ProposalState.Active;
    }

    /// @inheritdoc GovernorTimelockControl
    function proposalNeedsQueuing(uint256 proposalId)
        public
        view
        override(Governor, GovernorTimelockControl)
        returns (bool)
    {
        return super.proposalNeedsQueuing(proposalId);
    }

    /// @dev One vote per seat held at `timepoint`.
    function _getVotes(address account, uint256 timepoint, bytes memory) internal view override returns (uint256) {
        return _consortium.hadSeatAt(account, uint48(timepoint)) ? 1 : 0;
    }

    /// @dev Passing needs strictly more than the quorum fraction of the snapshot's seats voting for.
    function _quorumReached(uint256 proposalId) internal view override(Governor, GovernorCountingSimple) returns (bool) {
        (, uint256 forVotes,) = proposalVotes(proposalId);
        return forVotes >= quorum(proposalSnapshot(proposalId));
    }

    /// @dev Same rule as {_quorumReached}: the for-votes alone decide.
    function _voteSucceeded(uint256 proposalId)
        internal
        view
        override(Governor, GovernorCountingSimple)
        returns (bool)
    {
        return _quorumReached(proposalId);
    }

    /// @dev Refuses a voter without a seat at the snapshot (after the base Governor's state check).
    function _castVote(uint256 proposalId, address account, uint8 support, string memory reason, bytes memory params)
        internal
        override
        returns (uint256)
    {
        _validateStateBitmap(proposalId, _encodeStateBitmap(ProposalState.Active));
        uint256 snapshot = proposalSnapshot(proposalId);
        if (_getVotes(account, snapshot, params) == 0) revert ConsortiumGovernorNotSeatHolder(account, snapshot);
        return super._castVote(proposalId, account, support, reason, params);
    }

    /// @dev The proposer may cancel its proposal while voting is open (there is no Pending period).
    function _validateCancel(uint256 proposalId, address caller) internal view override returns (bool) {
        ProposalState current = state(proposalId);
        return (current == ProposalState.Active || current == ProposalState.Pending)
            && caller == proposalProposer(proposalId);
    }

    /// @dev Records the timelock operation, so the state of a proposal queued before its deadline is known.
    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        _operationIds[proposalId] = TimelockController(payable(timelock())).hashOperationBatch(
            targets, values, calldatas, 0, bytes20(address(this)) ^ descriptionHash
        );
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(address[] memory targets, uint256[] memory values, bytes[] memory calldatas, bytes32 descriptionHash)
        internal
        override(Governor, GovernorTimelockControl)
        returns (uint256)
    {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }

    /// @dev A queued proposal as the timelock sees it: pending, done (executed directly there) or gone (canceled).
    function _queuedState(uint256 proposalId) private view returns (ProposalState) {
        TimelockController timelock_ = TimelockController(payable(timelock()));
        bytes32 id = _operationIds[proposalId];
        if (timelock_.isOperationPending(id)) return ProposalState.Queued;
        if (timelock_.isOperationDone(id)) return ProposalState.Executed;
        return ProposalState.Canceled;
    }
}
