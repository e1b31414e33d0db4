import { type Address, isAddressEqual, parseAbi } from "viem";
import type { ChainClient } from "../chain/chainClient.js";
import { BaseError } from "../core/errors.js";

// The views of the contract layout before governance by the Governor (commit 67e569b) that
// `gridledger migrate` reads the consortium from: human-readable ABIs, so the old artifacts need not ship.

/** The old Consortium's views: founder, members and their records. */
export const oldConsortiumAbi = parseAbi([
  "function founder() view returns (address)",
  "function members() view returns (address[])",
  "function organisation(address org) view returns ((string name, uint16 roles, bool seat, bool active, uint64 admittedAt))",
]);

/** The old Registry's views: regions and devices. */
export const oldRegistryAbi = parseAbi([
  "function regionIds() view returns (bytes32[])",
  "function region(bytes32 regionId) view returns ((string code, string nameZh, string nameEn, address operator, uint32 intervalSeconds, uint64 approvedAt))",
  "function deviceCount() view returns (uint256)",
  "function deviceIds(uint256 offset, uint256 limit) view returns (bytes32[])",
  "function device(bytes32 deviceId) view returns ((uint8 scheme, bytes publicKey, uint8 kind, uint8 source, uint64 capacityW, uint8 status, address owner, bytes32 regionId, address community, uint64 registeredAt))",
]);

/** The old Accounts contract: its grants (from their events) and who holds each now. */
export const oldAccountsAbi = parseAbi([
  "event RoleGranted(address indexed account, uint8 indexed role, bytes32 indexed scope, address grantor)",
  "function grantorOf(address account, uint8 role, bytes32 scope) view returns (address)",
]);

/** The founder's organisation in the old Consortium: who may migrate, and the name and roles it keeps. */
export async function oldFounder(
  client: ChainClient,
  consortium: Address,
  operator: Address,
): Promise<{ name: string; roles: number }> {
  const read = client.publicClient.readContract;
  const founder = await read({ address: consortium, abi: oldConsortiumAbi, functionName: "founder" });
  if (!isAddressEqual(founder, operator)) {
    throw new BaseError(
      "NODE_MIGRATE_NOT_FOUNDER",
      `only the consortium's founder (${founder}) migrates its contracts; this node's operator is ${operator}: start it with --consortium <the new Consortium> once the founder has migrated`,
      { details: { founder, operator } },
    );
  }
  const org = await read({
    address: consortium,
    abi: oldConsortiumAbi,
    functionName: "organisation",
    args: [operator],
  });
  return { name: org.name, roles: org.roles };
}
