// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {
    ALL_ROLES,
    IConsortium,
    PROPOSAL_ADMIT_MEMBER,
    PROPOSAL_APPROVE_REGION,
    PROPOSAL_GRANT_ROLE,
    PROPOSAL_REMOVE_MEMBER,
    PROPOSAL_REVOKE_ROLE,
    PROPOSAL_SET_PARAMETER,
    PROPOSAL_UPDATE_REGION,
    ROLE_REGION_OPERATOR,
    STATE_ACTIVE,
    STATE_DEFEATED,
    STATE_EXECUTED,
    STATE_EXPIRED
} from "./interfaces/IConsortium.sol";
import {IRegistry} from "./interfaces/IRegistry.sol";
import {
    ParameterRules, QUORUM_DENOMINATOR, QUORUM_NUMERATOR, VOTING_PERIOD
} from "./libraries/ParameterRules.sol";
import {RegionProposals} from "./libraries/RegionProposals.sol";

/// @title GridLedger consortium
/// @notice Member organisations, their roles and seats, named parameters, and the seat holders' governance
/// over all of them (and over the regions of the bound Registry).
/// @dev Votes are recorded with the voter's membership epoch and counted only while that membership is
/// active with a seat, so a removed member's votes stop counting (and do not come back if it is re-admitted).
/// The active-member list is kept by hand rather than with OpenZeppelin's EnumerableSet, whose library
/// source uses `mcopy` and so would tie every build to Cancun or later (see GRIDLEDGER_EVM_VERSION).
contract Consortium is IConsortium {
    struct Member {
        string name;
        uint16 roles;
        bool seat;
        bool active;
        uint64 admittedAt;
        uint32 epoch;
    }

    struct ProposalRecord {
        uint8 kind;
        address proposer;
        uint64 createdAt;
        uint64 deadline;
        bool executed;
        bytes payload;
        string description;
        address[] voters;
    }

    struct Ballot {
        uint32 epoch;
        bool support;
    }

    address private immutable _founder;
    address private _registry;
    uint256 private _seatCount;
    uint256 private _proposalCount;
    address[] private _memberList;
    mapping(address org => uint256) private _memberPosition; // 1-based index into _memberList; 0 = absent
    mapping(address org => Member) private _members;
    mapping(bytes32 name => uint256) private _parameters;
    mapping(uint256 id => ProposalRecord) private _proposals;
    mapping(uint256 id => mapping(address voter => Ballot)) private _ballots;
    mapping(bytes32 name => address) private _services;

    /// @notice Deploys the consortium with the caller as founder: an active member holding a seat.
    /// @param founderName The founder's organisation name.
    /// @param founderRoles The founder's role mask.
    constructor(string memory founderName, uint16 founderRoles) {
        _founder = msg.sender;
        _setParameter(QUORUM_NUMERATOR, 2);
        _setParameter(QUORUM_DENOMINATOR, 3);
        _setParameter(VOTING_PERIOD, 7 days);
        _checkAdmit(msg.sender, founderName, founderRoles);
        _admit(msg.sender, founderName, founderRoles, true);
    }

    modifier onlySeatHolder() {
        if (!hasSeat(msg.sender)) revert ConsortiumNotSeatHolder(msg.sender);
        _;
    }

    /// @inheritdoc IConsortium
    function bindRegistry(address registry_) external {
        if (msg.sender != _founder) revert ConsortiumNotFounder(msg.sender);
        if (_registry != address(0)) revert ConsortiumRegistryAlreadyBound(_registry);
        if (registry_ == address(0)) revert ConsortiumZeroAddress();
        address owner = registry_.code.length == 0 ? address(0) : IRegistry(registry_).consortium();
        if (owner != address(this)) revert ConsortiumRegistryMismatch(registry_, owner);
        _registry = registry_;
        emit RegistryBound(registry_);
    }

    /// @inheritdoc IConsortium
    function bindService(bytes32 name, address service_) external {
        if (msg.sender != _founder) revert ConsortiumNotFounder(msg.sender);
        if (name == 0) revert ConsortiumInvalidServiceName(name);
        address bound = _services[name];
        if (bound != address(0)) revert ConsortiumServiceAlreadyBound(name, bound);
        if (service_ == address(0)) revert ConsortiumZeroAddress();
        if (service_.code.length == 0) revert ConsortiumServiceNotContract(name, service_);
        _services[name] = service_;
        emit ServiceBound(name, service_);
    }

    /// @inheritdoc IConsortium
    function proposeAdmitMember(address org, string calldata name, uint16 roles, bool seat, string calldata description)
        external
        onlySeatHolder
        returns (uint256 proposalId)
    {
        _checkAdmit(org, name, roles);
        return _propose(PROPOSAL_ADMIT_MEMBER, abi.encode(org, name, roles, seat), description);
    }

    /// @inheritdoc IConsortium
    function proposeRemoveMember(address org, string calldata description)
        external
        onlySeatHolder
        returns (uint256 proposalId)
    {
        _checkRemove(org);
        return _propose(PROPOSAL_REMOVE_MEMBER, abi.encode(org), description);
    }

    /// @inheritdoc IConsortium
    function proposeGrantRole(address org, uint16 role, string calldata description)
        external
        onlySeatHolder
        returns (uint256 proposalId)
    {
        _checkRoleChange(org, role, true);
        return _propose(PROPOSAL_GRANT_ROLE, abi.encode(org, role), description);
    }

    /// @inheritdoc IConsortium
    function proposeRevokeRole(address org, uint16 role, string calldata description)
        external
        onlySeatHolder
        returns (uint256 proposalId)
    {
        _checkRoleChange(org, role, false);
        return _propose(PROPOSAL_REVOKE_ROLE, abi.encode(org, role), description);
    }

    /// @inheritdoc IConsortium
    function proposeApproveRegion(
        string calldata code,
        string calldata nameZh,
        string calldata nameEn,
        address operator,
        uint32 intervalSeconds,
        string calldata description
    ) external onlySeatHolder returns (uint256 proposalId) {
        _checkRegion(code, operator, intervalSeconds);
        return _propose(
            PROPOSAL_APPROVE_REGION, abi.encode(code, nameZh, nameEn, operator, intervalSeconds), description
        );
    }

    /// @inheritdoc IConsortium
    function proposeUpdateRegion(
        string calldata code,
        string calldata nameZh,
        string calldata nameEn,
        address operator,
        string calldata description
    ) external onlySeatHolder returns (uint256 proposalId) {
        IRegistry.Region memory from = _checkRegionUpdate(code, operator);
        bytes memory payload = RegionProposals.updatePayload(code, nameZh, nameEn, operator, from);
        return _propose(PROPOSAL_UPDATE_REGION, payload, description);
    }

    /// @inheritdoc IConsortium
    function proposeSetParameter(bytes32 name, uint256 value, string calldata description)
        external
        onlySeatHolder
        returns (uint256 proposalId)
    {
        _checkParameter(name, value);
        return _propose(PROPOSAL_SET_PARAMETER, abi.encode(name, value), description);
    }

    /// @inheritdoc IConsortium
    function vote(uint256 id, bool support) external onlySeatHolder {
        ProposalRecord storage p = _proposalRecord(id);
        (uint256 forVotes, uint256 againstVotes) = _tally(id, p);
        uint8 state = _state(p, againstVotes);
        if (state != STATE_ACTIVE) revert ConsortiumProposalNotActive(id, state);
        uint32 epoch = _members[msg.sender].epoch;
        Ballot storage ballot = _ballots[id][msg.sender];
        if (ballot.epoch == epoch) revert ConsortiumAlreadyVoted(id, msg.sender);
        if (ballot.epoch == 0) p.voters.push(msg.sender);
        ballot.epoch = epoch;
        ballot.support = support;
        emit VoteCast(id, msg.sender, support);
        // The tally above did not count this voter (its ballot was absent or from an older membership).
        if (support && _passes(forVotes + 1)) _execute(id, p);
    }

    /// @inheritdoc IConsortium
    function execute(uint256 id) external {
        ProposalRecord storage p = _proposalRecord(id);
        (uint256 forVotes, uint256 againstVotes) = _tally(id, p);
        uint8 state = _state(p, againstVotes);
        if (state != STATE_ACTIVE) revert ConsortiumProposalNotActive(id, state);
        if (!_passes(forVotes)) revert ConsortiumQuorumNotReached(id, forVotes, _seatCount);
        _execute(id, p);
    }

    /// @inheritdoc IConsortium
    function parameter(bytes32 name) external view returns (uint256) {
        return _parameters[name];
    }

    /// @inheritdoc IConsortium
    function organisation(address org) external view returns (Organisation memory) {
        Member storage m = _members[org];
        return Organisation({name: m.name, roles: m.roles, seat: m.seat, active: m.active, admittedAt: m.admittedAt});
    }

    /// @inheritdoc IConsortium
    function isMember(address org) public view returns (bool) {
        return _members[org].active;
    }

    /// @inheritdoc IConsortium
    function hasRole(address org, uint16 role) public view returns (bool) {
        Member storage m = _members[org];
        return m.active && role != 0 && m.roles & role == role;
    }

    /// @inheritdoc IConsortium
    function hasSeat(address org) public view returns (bool) {
        Member storage m = _members[org];
        return m.active && m.seat;
    }

    /// @inheritdoc IConsortium
    function seatCount() external view returns (uint256) {
        return _seatCount;
    }

    /// @inheritdoc IConsortium
    function members() external view returns (address[] memory) {
        return _memberList;
    }

    /// @inheritdoc IConsortium
    function quorum() external view returns (uint256 numerator, uint256 denominator) {
        return (_parameters[QUORUM_NUMERATOR], _parameters[QUORUM_DENOMINATOR]);
    }

    /// @inheritdoc IConsortium
    function votingPeriod() external view returns (uint256) {
        return _parameters[VOTING_PERIOD];
    }

    /// @inheritdoc IConsortium
    function proposalCount() external view returns (uint256) {
        return _proposalCount;
    }

    /// @inheritdoc IConsortium
    function proposal(uint256 id) external view returns (Proposal memory) {
        ProposalRecord storage p = _proposalRecord(id);
        (uint256 forVotes, uint256 againstVotes) = _tally(id, p);
        return Proposal({
            kind: p.kind,
            proposer: p.proposer,
            createdAt: p.createdAt,
            deadline: p.deadline,
            forVotes: uint32(forVotes),
            againstVotes: uint32(againstVotes),
            state: _state(p, againstVotes),
            payload: p.payload,
            description: p.description
        });
    }

    /// @inheritdoc IConsortium
    function hasVoted(uint256 id, address voter) external view returns (bool) {
        uint32 epoch = _ballots[id][voter].epoch;
        return epoch != 0 && epoch == _members[voter].epoch;
    }

    /// @inheritdoc IConsortium
    function registry() external view returns (address) {
        return _registry;
    }

    /// @inheritdoc IConsortium
    function service(bytes32 name) external view returns (address) {
        return _services[name];
    }

    /// @inheritdoc IConsortium
    function founder() external view returns (address) {
        return _founder;
    }

    function _propose(uint8 kind, bytes memory payload, string calldata description) private returns (uint256 id) {
        id = ++_proposalCount;
        uint64 deadline = uint64(block.timestamp + _parameters[VOTING_PERIOD]);
        ProposalRecord storage p = _proposals[id];
        p.kind = kind;
        p.proposer = msg.sender;
        p.createdAt = uint64(block.timestamp);
        p.deadline = deadline;
        p.payload = payload;
        p.description = description;
        p.voters.push(msg.sender);
        _ballots[id][msg.sender] = Ballot({epoch: _members[msg.sender].epoch, support: true});
        emit ProposalCreated(id, kind, msg.sender, deadline, description);
        emit VoteCast(id, msg.sender, true);
        if (_passes(1)) _execute(id, p);
    }

    function _execute(uint256 id, ProposalRecord storage p) private {
        p.executed = true;
        uint8 kind = p.kind;
        bytes memory payload = p.payload;
        if (kind == PROPOSAL_ADMIT_MEMBER) {
            (address org, string memory name, uint16 roles, bool seat) =
                abi.decode(payload, (address, string, uint16, bool));
            _checkAdmit(org, name, roles);
            _admit(org, name, roles, seat);
        } else if (kind == PROPOSAL_REMOVE_MEMBER) {
            address org = abi.decode(payload, (address));
            _checkRemove(org);
            _remove(org);
        } else if (kind == PROPOSAL_GRANT_ROLE || kind == PROPOSAL_REVOKE_ROLE) {
            (address org, uint16 role) = abi.decode(payload, (address, uint16));
            bool grant = kind == PROPOSAL_GRANT_ROLE;
            _checkRoleChange(org, role, grant);
            _changeRole(org, role, grant);
        } else if (kind == PROPOSAL_APPROVE_REGION) {
            (string memory code, string memory nameZh, string memory nameEn, address operator, uint32 interval) =
                abi.decode(payload, (string, string, string, address, uint32));
            _checkRegion(code, operator, interval);
            IRegistry(_registry).approveRegion(code, nameZh, nameEn, operator, interval);
        } else if (kind == PROPOSAL_UPDATE_REGION) {
            (string memory code, string memory nameZh, string memory nameEn, address operator) =
                abi.decode(payload, (string, string, string, address));
            _checkRegionUpdate(code, operator);
            IRegistry(_registry).updateRegion(code, nameZh, nameEn, operator);
        } else {
            (bytes32 name, uint256 value) = abi.decode(payload, (bytes32, uint256));
            _checkParameter(name, value);
            _setParameter(name, value);
        }
        emit ProposalExecuted(id);
    }

    function _admit(address org, string memory name, uint16 roles, bool seat) private {
        Member storage m = _members[org];
        m.name = name;
        m.roles = roles;
        m.seat = seat;
        m.active = true;
        m.admittedAt = uint64(block.timestamp);
        ++m.epoch;
        _memberList.push(org);
        _memberPosition[org] = _memberList.length;
        if (seat) ++_seatCount;
        emit MemberAdmitted(org, name, roles, seat);
    }

    function _remove(address org) private {
        Member storage m = _members[org];
        if (m.seat) --_seatCount;
        m.active = false;
        m.seat = false;
        m.roles = 0;
        _removeFromList(org);
        emit MemberRemoved(org);
    }

    function _removeFromList(address org) private {
        uint256 position = _memberPosition[org];
        address last = _memberList[_memberList.length - 1];
        _memberList[position - 1] = last;
        _memberPosition[last] = position;
        _memberList.pop();
        delete _memberPosition[org];
    }

    function _changeRole(address org, uint16 role, bool grant) private {
        Member storage m = _members[org];
        if (grant) {
            m.roles |= role;
            emit RoleGranted(org, role);
        } else {
            m.roles &= ~role;
            emit RoleRevoked(org, role);
        }
    }

    function _setParameter(bytes32 name, uint256 value) private {
        _parameters[name] = value;
        emit ParameterSet(name, value);
    }

    function _checkAdmit(address org, string memory name, uint16 roles) private view {
        if (org == address(0)) revert ConsortiumZeroAddress();
        if (_members[org].active) revert ConsortiumAlreadyMember(org);
        if (bytes(name).length == 0) revert ConsortiumEmptyName(org);
        if (roles & ~ALL_ROLES != 0) revert ConsortiumInvalidRole(roles);
    }

    function _checkRemove(address org) private view {
        Member storage m = _members[org];
        if (!m.active) revert ConsortiumNotMember(org);
        if (m.seat && _seatCount == 1) revert ConsortiumLastSeat(org);
    }

    function _checkRoleChange(address org, uint16 role, bool grant) private view {
        if (role == 0 || role & (role - 1) != 0 || role & ~ALL_ROLES != 0) revert ConsortiumInvalidRole(role);
        Member storage m = _members[org];
        if (!m.active) revert ConsortiumNotMember(org);
        bool held = m.roles & role != 0;
        if (grant && held) revert ConsortiumRoleAlreadyGranted(org, role);
        if (!grant && !held) revert ConsortiumRoleNotGranted(org, role);
    }

    function _checkRegion(string memory code, address operator, uint32 intervalSeconds) private view {
        RegionProposals.checkNew(_registry, code, intervalSeconds);
        if (!hasRole(operator, ROLE_REGION_OPERATOR)) revert ConsortiumInvalidRegionOperator(operator);
    }

    function _checkRegionUpdate(string memory code, address operator) private view returns (IRegistry.Region memory) {
        IRegistry.Region memory from = RegionProposals.current(_registry, code);
        if (!hasRole(operator, ROLE_REGION_OPERATOR)) revert ConsortiumInvalidRegionOperator(operator);
        return from;
    }

    function _checkParameter(bytes32 name, uint256 value) private view {
        ParameterRules.check(name, value, _parameters[QUORUM_NUMERATOR], _parameters[QUORUM_DENOMINATOR]);
    }

    function _proposalRecord(uint256 id) private view returns (ProposalRecord storage) {
        if (id == 0 || id > _proposalCount) revert ConsortiumUnknownProposal(id);
        return _proposals[id];
    }

    /// @dev Counts the votes of voters that still hold an active seat in the membership they voted with.
    function _tally(uint256 id, ProposalRecord storage p)
        private
        view
        returns (uint256 forVotes, uint256 againstVotes)
    {
        address[] storage voters = p.voters;
        uint256 n = voters.length;
        for (uint256 i; i < n; ++i) {
            address voter = voters[i];
            Member storage m = _members[voter];
            Ballot storage ballot = _ballots[id][voter];
            if (!m.active || !m.seat || ballot.epoch != m.epoch) continue;
            if (ballot.support) ++forVotes;
            else ++againstVotes;
        }
    }

    function _state(ProposalRecord storage p, uint256 againstVotes) private view returns (uint8) {
        if (p.executed) return STATE_EXECUTED;
        if (block.timestamp > p.deadline) return STATE_EXPIRED;
        uint256 seats = _seatCount;
        // Defeated while even every remaining seat voting for could not pass it.
        if ((seats - againstVotes) * _parameters[QUORUM_DENOMINATOR] <= seats * _parameters[QUORUM_NUMERATOR]) {
            return STATE_DEFEATED;
        }
        return STATE_ACTIVE;
    }

    function _passes(uint256 forVotes) private view returns (bool) {
        return forVotes * _parameters[QUORUM_DENOMINATOR] > _seatCount * _parameters[QUORUM_NUMERATOR];
    }
}
