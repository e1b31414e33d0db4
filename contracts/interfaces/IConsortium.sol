// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @dev Role bits of the `uint16` role mask. Any other bit is invalid.
uint16 constant ROLE_REGULATOR = 1;
uint16 constant ROLE_GRID_OPERATOR = 2;
uint16 constant ROLE_REGION_OPERATOR = 4;
uint16 constant ROLE_COMMUNITY = 8;
uint16 constant ROLE_PROSUMER = 16;
uint16 constant ROLE_ENTERPRISE = 32;
uint16 constant ROLE_ISSUER = 64;
uint16 constant ROLE_AUDITOR = 128;
uint16 constant ALL_ROLES = 255;

/// @dev Proposal kinds (`Proposal.kind`) and the ABI encoding of each kind's `payload`.
uint8 constant PROPOSAL_ADMIT_MEMBER = 0; // abi.encode(address org, string name, uint16 roles, bool seat)
uint8 constant PROPOSAL_REMOVE_MEMBER = 1; // abi.encode(address org)
uint8 constant PROPOSAL_GRANT_ROLE = 2; // abi.encode(address org, uint16 role)
uint8 constant PROPOSAL_REVOKE_ROLE = 3; // abi.encode(address org, uint16 role)
uint8 constant PROPOSAL_APPROVE_REGION = 4; // abi.encode(string code, string nameZh, string nameEn, address operator, uint32 intervalSeconds)
uint8 constant PROPOSAL_SET_PARAMETER = 5; // abi.encode(bytes32 name, uint256 value)
/// @dev The new names and operator, then the ones they replace (as they were when proposed):
/// abi.encode(string code, string nameZh, string nameEn, address operator, string fromNameZh, string fromNameEn,
/// address fromOperator)
uint8 constant PROPOSAL_UPDATE_REGION = 6;

/// @dev Proposal states (`Proposal.state`), computed at the time of the call.
uint8 constant STATE_ACTIVE = 0;
uint8 constant STATE_EXECUTED = 1;
uint8 constant STATE_EXPIRED = 2;
uint8 constant STATE_DEFEATED = 3;

/// @title GridLedger consortium: member organisations, their roles and seats, and their governance.
/// @notice Seat holders propose and vote; a proposal passes when its for-votes are MORE than
/// `quorum.numerator / quorum.denominator` of the seats, and it takes effect in the call that makes it pass.
interface IConsortium {
    /// @notice A member organisation. `roles` is a mask of the ROLE_* bits; `seat` gives a vote.
    struct Organisation {
        string name;
        uint16 roles;
        bool seat;
        bool active;
        uint64 admittedAt;
    }

    /// @notice A governance proposal. `forVotes`/`againstVotes` count only voters that still hold an active
    /// seat; `state` is one of the STATE_* values as of the call; `payload` is the kind's ABI-encoded arguments.
    struct Proposal {
        uint8 kind;
        address proposer;
        uint64 createdAt;
        uint64 deadline;
        uint32 forVotes;
        uint32 againstVotes;
        uint8 state;
        bytes payload;
        string description;
    }

    /// @notice A seat holder proposed something; the proposal can be voted on until `deadline` (inclusive).
    /// @param id The proposal id (1, 2, ...).
    /// @param kind One of the PROPOSAL_* kinds.
    /// @param proposer The seat holder that proposed it (and voted for it).
    /// @param deadline Last timestamp at which the proposal can be voted on or executed.
    /// @param description Free text explaining the proposal.
    event ProposalCreated(
        uint256 indexed id, uint8 indexed kind, address indexed proposer, uint64 deadline, string description
    );

    /// @notice A seat holder voted on a proposal.
    /// @param id The proposal id.
    /// @param voter The seat holder.
    /// @param support True for, false against.
    event VoteCast(uint256 indexed id, address indexed voter, bool support);

    /// @notice The founder bound the registry whose regions the consortium approves.
    /// @param registry The registry.
    event RegistryBound(address indexed registry);

    /// @notice The founder bound a contract to a name in the service directory.
    /// @param name The service name (a left-aligned ASCII `bytes32`, e.g. "MeterAnchor").
    /// @param service The contract.
    event ServiceBound(bytes32 indexed name, address indexed service);

    /// @notice A proposal passed and took effect.
    /// @param id The proposal id.
    event ProposalExecuted(uint256 indexed id);

    /// @notice An organisation became a member.
    /// @param org The organisation's address.
    /// @param name Its name.
    /// @param roles Its role mask.
    /// @param seat Whether it holds a seat (a vote).
    event MemberAdmitted(address indexed org, string name, uint16 roles, bool seat);

    /// @notice An organisation stopped being a member; it lost its roles and its seat.
    /// @param org The organisation's address.
    event MemberRemoved(address indexed org);

    /// @notice A member was granted a role.
    /// @param org The member.
    /// @param role The role bit.
    event RoleGranted(address indexed org, uint16 role);

    /// @notice A member lost a role.
    /// @param org The member.
    /// @param role The role bit.
    event RoleRevoked(address indexed org, uint16 role);

    /// @notice A named parameter was set.
    /// @param name The parameter name (a left-aligned ASCII `bytes32`).
    /// @param value Its new value.
    event ParameterSet(bytes32 indexed name, uint256 value);

    /// @notice Only the founder may do this.
    /// @param caller The refused caller.
    error ConsortiumNotFounder(address caller);

    /// @notice The registry is already bound.
    /// @param registry The bound registry.
    error ConsortiumRegistryAlreadyBound(address registry);

    /// @notice No registry is bound yet, so regions cannot be approved.
    error ConsortiumRegistryNotBound();

    /// @notice The registry does not belong to this consortium.
    /// @param registry The registry given.
    /// @param consortium The consortium that registry answers to.
    error ConsortiumRegistryMismatch(address registry, address consortium);

    /// @notice A service name must not be empty.
    /// @param name The refused name.
    error ConsortiumInvalidServiceName(bytes32 name);

    /// @notice The name is already bound in the service directory; bindings never change.
    /// @param name The service name.
    /// @param service The contract it is bound to.
    error ConsortiumServiceAlreadyBound(bytes32 name, address service);

    /// @notice A service must be a contract.
    /// @param name The service name.
    /// @param service The refused address, which has no code.
    error ConsortiumServiceNotContract(bytes32 name, address service);

    /// @notice The zero address is not an organisation (or a registry or a service).
    error ConsortiumZeroAddress();

    /// @notice An organisation needs a name.
    /// @param org The organisation.
    error ConsortiumEmptyName(address org);

    /// @notice Only a member with an active seat may propose or vote.
    /// @param caller The refused caller.
    error ConsortiumNotSeatHolder(address caller);

    /// @notice No proposal has this id.
    /// @param id The id asked for.
    error ConsortiumUnknownProposal(uint256 id);

    /// @notice The proposal is not active (it was executed, expired or defeated).
    /// @param id The proposal id.
    /// @param state Its state (STATE_*).
    error ConsortiumProposalNotActive(uint256 id, uint8 state);

    /// @notice The seat holder already voted on this proposal.
    /// @param id The proposal id.
    /// @param voter The voter.
    error ConsortiumAlreadyVoted(uint256 id, address voter);

    /// @notice The proposal does not have enough for-votes to pass.
    /// @param id The proposal id.
    /// @param forVotes Its counted for-votes.
    /// @param seats The current number of seats.
    error ConsortiumQuorumNotReached(uint256 id, uint256 forVotes, uint256 seats);

    /// @notice The organisation is already an active member.
    /// @param org The organisation.
    error ConsortiumAlreadyMember(address org);

    /// @notice The organisation is not an active member.
    /// @param org The organisation.
    error ConsortiumNotMember(address org);

    /// @notice The role (or role mask) is not valid here: unknown bits, or not exactly one role where one is needed.
    /// @param role The refused role or mask.
    error ConsortiumInvalidRole(uint16 role);

    /// @notice The member already holds this role.
    /// @param org The member.
    /// @param role The role bit.
    error ConsortiumRoleAlreadyGranted(address org, uint16 role);

    /// @notice The member does not hold this role.
    /// @param org The member.
    /// @param role The role bit.
    error ConsortiumRoleNotGranted(address org, uint16 role);

    /// @notice The quorum would not satisfy 0 < numerator < denominator <= 2^128 - 1 and numerator * 2 >= denominator.
    /// @param numerator The resulting numerator.
    /// @param denominator The resulting denominator.
    error ConsortiumInvalidQuorum(uint256 numerator, uint256 denominator);

    /// @notice The voting period must be from 1 hour to 365 days.
    /// @param period The refused period in seconds.
    error ConsortiumInvalidVotingPeriod(uint256 period);

    /// @notice The parameter name is reserved: empty, or in the `quorum.`/`voting.` namespace but not a known name.
    /// @param name The refused name.
    error ConsortiumReservedParameter(bytes32 name);

    /// @notice The member holds the last seat and cannot be removed.
    /// @param org The member.
    error ConsortiumLastSeat(address org);

    /// @notice A region operator must be an active member with the REGION_OPERATOR role.
    /// @param operator The refused operator.
    error ConsortiumInvalidRegionOperator(address operator);

    /// @notice A region code has 2 to 16 characters of A-Z, 0-9 and '-'.
    /// @param code The refused code.
    error ConsortiumInvalidRegionCode(string code);

    /// @notice A region interval is 60 to 86400 seconds and divides a day.
    /// @param intervalSeconds The refused interval.
    error ConsortiumInvalidRegionInterval(uint32 intervalSeconds);

    /// @notice A region with this code is approved already; propose an update instead.
    /// @param code The code.
    error ConsortiumRegionExists(string code);

    /// @notice No region with this code is approved.
    /// @param code The code.
    error ConsortiumUnknownRegion(string code);

    /// @notice The update would change nothing.
    /// @param code The region's code.
    error ConsortiumRegionUnchanged(string code);

    /// @notice Binds the registry this consortium approves regions in. Once, by the founder.
    /// @param registry A Registry whose `consortium()` is this contract.
    function bindRegistry(address registry) external;

    /// @notice Binds a contract to a name in the service directory, so that nodes attaching to the
    /// consortium can find it. Founder only, once per name.
    /// @param name The service name: a non-zero, left-aligned ASCII `bytes32` (e.g. "MeterAnchor").
    /// @param service The contract.
    function bindService(bytes32 name, address service) external;

    /// @notice Proposes to admit an organisation.
    /// @param org The organisation's address.
    /// @param name Its name (non-empty).
    /// @param roles Its role mask (ROLE_* bits only).
    /// @param seat Whether it gets a seat (a vote).
    /// @param description Why.
    /// @return proposalId The new proposal's id.
    function proposeAdmitMember(address org, string calldata name, uint16 roles, bool seat, string calldata description)
        external
        returns (uint256 proposalId);

    /// @notice Proposes to remove a member (not the last seat holder).
    /// @param org The member.
    /// @param description Why.
    /// @return proposalId The new proposal's id.
    function proposeRemoveMember(address org, string calldata description) external returns (uint256 proposalId);

    /// @notice Proposes to grant one role to a member.
    /// @param org The member.
    /// @param role Exactly one ROLE_* bit, not yet held.
    /// @param description Why.
    /// @return proposalId The new proposal's id.
    function proposeGrantRole(address org, uint16 role, string calldata description)
        external
        returns (uint256 proposalId);

    /// @notice Proposes to revoke one role from a member.
    /// @param org The member.
    /// @param role Exactly one ROLE_* bit it holds.
    /// @param description Why.
    /// @return proposalId The new proposal's id.
    function proposeRevokeRole(address org, uint16 role, string calldata description)
        external
        returns (uint256 proposalId);

    /// @notice Proposes to approve a new region in the registry (an approved code is refused).
    /// @param code Region code, 2-16 characters of A-Z, 0-9 and '-'.
    /// @param nameZh Chinese name.
    /// @param nameEn English name.
    /// @param operator Active member with the REGION_OPERATOR role.
    /// @param intervalSeconds Anchoring interval, 60..86400 and divides 86400.
    /// @param description Why.
    /// @return proposalId The new proposal's id.
    function proposeApproveRegion(
        string calldata code,
        string calldata nameZh,
        string calldata nameEn,
        address operator,
        uint32 intervalSeconds,
        string calldata description
    ) external returns (uint256 proposalId);

    /// @notice Proposes to change an approved region's names and operator (its interval never changes). The
    /// proposal records the current values too, so that it reads as a change from them.
    /// @param code Region code.
    /// @param nameZh New Chinese name.
    /// @param nameEn New English name.
    /// @param operator New operator: active member with the REGION_OPERATOR role.
    /// @param description Why.
    /// @return proposalId The new proposal's id.
    function proposeUpdateRegion(
        string calldata code,
        string calldata nameZh,
        string calldata nameEn,
        address operator,
        string calldata description
    ) external returns (uint256 proposalId);

    /// @notice Proposes to set a named parameter. `quorum.numerator`, `quorum.denominator` and
    /// `voting.period` are validated; other names in the `quorum.`/`voting.` namespaces are reserved.
    /// @param name Parameter name.
    /// @param value New value.
    /// @param description Why.
    /// @return proposalId The new proposal's id.
    function proposeSetParameter(bytes32 name, uint256 value, string calldata description)
        external
        returns (uint256 proposalId);

    /// @notice Votes on an active proposal; executes it if this vote makes it pass.
    /// @param id The proposal id.
    /// @param support True for, false against.
    function vote(uint256 id, bool support) external;

    /// @notice Executes an active proposal that passes with the current seats (e.g. after seats shrank). Anyone.
    /// @param id The proposal id.
    function execute(uint256 id) external;

    /// @notice The value of a named parameter (0 when never set).
    /// @param name Parameter name.
    /// @return The value.
    function parameter(bytes32 name) external view returns (uint256);

    /// @notice The record of an organisation (zero values when never admitted).
    /// @param org The organisation.
    /// @return The record.
    function organisation(address org) external view returns (Organisation memory);

    /// @notice Whether the organisation is an active member.
    /// @param org The organisation.
    /// @return True when active.
    function isMember(address org) external view returns (bool);

    /// @notice Whether the organisation is an active member holding all bits of `role`.
    /// @param org The organisation.
    /// @param role A role bit (or mask).
    /// @return True when held.
    function hasRole(address org, uint16 role) external view returns (bool);

    /// @notice Whether the organisation is an active member with a seat.
    /// @param org The organisation.
    /// @return True when it holds a seat.
    function hasSeat(address org) external view returns (bool);

    /// @notice The number of active seats.
    /// @return The seat count.
    function seatCount() external view returns (uint256);

    /// @notice The active members (in no particular order).
    /// @return Their addresses.
    function members() external view returns (address[] memory);

    /// @notice The passing threshold: for-votes * denominator > seats * numerator.
    /// @return numerator The numerator.
    /// @return denominator The denominator.
    function quorum() external view returns (uint256 numerator, uint256 denominator);

    /// @notice How long a proposal stays open, in seconds.
    /// @return The voting period.
    function votingPeriod() external view returns (uint256);

    /// @notice The number of proposals made; ids run from 1 to this.
    /// @return The count.
    function proposalCount() external view returns (uint256);

    /// @notice A proposal with its votes as counted now and its current state.
    /// @param id The proposal id.
    /// @return The proposal.
    function proposal(uint256 id) external view returns (Proposal memory);

    /// @notice Whether `voter` voted on the proposal during its current membership.
    /// @param id The proposal id.
    /// @param voter The voter.
    /// @return True when it voted.
    function hasVoted(uint256 id, address voter) external view returns (bool);

    /// @notice The bound registry (zero until bound).
    /// @return The registry.
    function registry() external view returns (address);

    /// @notice The contract bound to a name in the service directory (zero until bound).
    /// @param name The service name.
    /// @return The contract.
    function service(bytes32 name) external view returns (address);

    /// @notice The organisation that deployed the consortium.
    /// @return The founder.
    function founder() external view returns (address);
}
