// Public API of the GridLedger package. Everything a collector, simulator or another service may use
// is re-exported here, and only here.
export {
  consortiumAbi,
  consortiumBytecode,
  meterAnchorAbi,
  meterAnchorBytecode,
  registryAbi,
  registryBytecode,
} from "./chain/artifacts/index.js";
export { type ChainClient, type ChainEndpoint, createChainClient } from "./chain/chainClient.js";
export { decodeChainError, errorCodeOf } from "./chain/decodeRevert.js";
export {
  type AccountPermissioning,
  createEmbeddedChain,
  type EmbeddedChain,
  type EmbeddedChainOptions,
  type SenderPolicy,
  serveJsonRpc,
} from "./chain/embedded/index.js";
export { type NodeConfig, resolveNodeConfig } from "./core/config.js";
export { BaseError, isBaseError } from "./core/errors.js";
export { type Database, type DatabaseOptions, openDatabase } from "./db/database.js";
export {
  createGovernanceClient,
  type GovernanceClient,
  type ProposalOutcome,
  type ProposalView,
} from "./governance/governanceClient.js";
export { type EncodedProposal, encodeGovernanceForm } from "./governance/proposalForms.js";
export type { AuditFinding, AuditReport } from "./metering/audit.js";
export {
  type DeviceKey,
  deviceKeyFromPem,
  deviceKeyFromSecret,
  deviceKeyToPem,
  generateDeviceKey,
  signMessage,
  signReading,
} from "./metering/deviceKey.js";
export type { IngestFn, IngestResult } from "./metering/ingestTypes.js";
export { auditPath, leafHash, merkleRoot, nodeHash, verifyInclusion } from "./metering/merkleTree.js";
export type { Metering, MeteringStats } from "./metering/metering.js";
export { encodeAck, type MqttAck, verifyAck } from "./metering/mqttAck.js";
export { deviceCredentials, deviceToken, deviceTokenMessage } from "./metering/mqttAuth.js";
export {
  type CommodityName,
  commodities,
  decodeReading,
  encodeReading,
  leafInputOf,
  parseReadingJson,
  type QualityName,
  qualities,
  type Reading,
  type ReadingJson,
  readingMessageLength,
  readingToJson,
  type SignedReading,
} from "./metering/readingFormat.js";
export { checkProof, type ReadingProof } from "./metering/readingProof.js";
export { verifySignature } from "./metering/verifyWorker.js";
export { meterAnchorServiceName } from "./node/deployContracts.js";
export { type InitOptions, type NodeContext, openNode } from "./node/openNode.js";
export { type RunningNode, startNode } from "./node/startNode.js";
export { type DeviceRequest, parseDeviceRequest } from "./registry/deviceInput.js";
export {
  type DeviceKind,
  type DeviceStatus,
  deviceKinds,
  deviceStatuses,
  type EnergySource,
  energySources,
  type SignatureScheme,
  signatureSchemes,
} from "./registry/deviceTypes.js";
export { type ProposalInput, proposalKinds } from "./registry/proposals.js";
export { deviceIdOf, parsePublicKey } from "./registry/publicKey.js";
export { normaliseRegionCode, regionIdOf } from "./registry/regionCode.js";
export { createRegistryClient, type DeviceInput, type GridContracts } from "./registry/registryClient.js";
export { decodeRoles, encodeRoles, type RoleName, roleNames } from "./registry/roles.js";
export { createServer } from "./server/createServer.js";
