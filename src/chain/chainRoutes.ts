import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { type Abi, type Address, decodeFunctionData, getAddress, type Hex } from "viem";
import { BaseError } from "../core/errors.js";
import type { GridContracts } from "../registry/registryClient.js";
import type { ServerContext } from "../server/createServer.js";
import { nullable, text, unixSeconds } from "../server/paramSchemas.js";
import { sent } from "../server/responseSchemas.js";
import { meterAnchorAbi } from "./artifacts/index.js";
import { contractSpec } from "./manifest.js";

const chainStatusSchema = sent({
  type: "object",
  properties: {
    chainId: { type: "integer" },
    blockNumber: { type: "integer" },
    rpcUrl: nullable({ type: "string" }),
    operator: { type: "string" },
    contracts: { type: "object", additionalProperties: { type: "string" } },
  },
} as const);

const str = { type: "string" } as const;
const int = { type: "integer" } as const;
const nullableStr = nullable({ type: "string" });

const blockSchema = sent({
  type: "object",
  properties: {
    number: int,
    hash: str,
    timestamp: int,
    gasUsed: str,
    transactions: {
      type: "array",
      items: {
        type: "object",
        properties: {
          hash: str,
          from: str,
          to: nullableStr,
          contract: nullable({
            type: "string",
            description: "name of the GridLedger contract called or created",
          }),
          method: nullable({
            type: "string",
            description: "function called, decoded with the contract's ABI",
          }),
          created: nullable({ type: "string", description: "address of the contract a deployment created" }),
        },
      },
    },
  },
} as const);

const onchainAnchorSchema = sent({
  type: "object",
  properties: {
    region: str,
    regionId: str,
    commodity: int,
    intervalStart: int,
    part: int,
    contract: str,
    anchored: { type: "boolean" },
    root: str,
    leafCount: int,
    importTotal: str,
    exportTotal: str,
    anchoredAt: nullable({ type: "integer" }),
    readAtBlock: int,
  },
} as const);

/** The name of the function `input` calls, decoded with `abi`; null when it is not one of its functions. */
function methodOf(abi: Abi, input: Hex): string | null {
  try {
    return decodeFunctionData({ abi, data: input }).functionName;
  } catch {
    return null;
  }
}

/** `/health`, `/v1/chain`, and the explorer's `/v1/chain/blocks` and `/v1/anchors/onchain`. */
export function registerChainRoutes(app: FastifyInstance, context: ServerContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get(
    "/health",
    {
      config: { permission: "docs.read" },
      schema: {
        summary: "Liveness and readiness: the chain answers and the database is open",
        tags: ["node"],
        response: {
          200: sent({
            type: "object",
            properties: {
              status: { type: "string" },
              chainId: { type: "integer" },
              blockNumber: { type: "integer" },
              database: { type: "string" },
              mqttUrl: nullable({ type: "string" }),
            },
          }),
        },
      },
    },
    async () => {
      const blockNumber = await context.client.publicClient.getBlockNumber({ cacheTime: 0 });
      await context.db.query("select 1");
      return {
        status: "ok",
        chainId: context.chainId,
        blockNumber: Number(blockNumber),
        database: context.db.kind,
        mqttUrl: context.mqttUrl?.() ?? null,
      };
    },
  );

  api.get(
    "/v1/chain",
    {
      config: { permission: "chain.read" },
      schema: {
        summary: "Chain id, latest block, JSON-RPC URL and contract addresses",
        tags: ["chain"],
        response: { 200: chainStatusSchema },
      },
    },
    async () => ({
      chainId: context.chainId,
      blockNumber: Number(await context.client.publicClient.getBlockNumber({ cacheTime: 0 })),
      rpcUrl: context.rpcUrl() ?? null,
      operator: context.registry.operator,
      contracts: context.contracts,
    }),
  );

  const nameOf = (address: Address | null | undefined) => {
    if (!address) return null;
    const found = Object.entries(context.contracts).find(
      ([, contract]) => contract.toLowerCase() === address.toLowerCase(),
    );
    return (found?.[0] as keyof GridContracts | undefined) ?? null;
  };

  api.get(
    "/v1/chain/blocks",
    {
      // Up to 100 blocks with their transactions and receipts: as costly as a statistics query.
      config: { permission: "chain.read", cost: "expensive" },
      schema: {
        summary:
          "The latest blocks (newest first) with their transactions, naming the contract and the function called",
        tags: ["chain"],
        querystring: {
          type: "object",
          properties: {
            limit: { type: "integer", minimum: 1, maximum: 100, default: 10 },
            before: {
              type: "integer",
              minimum: 1,
              maximum: Number.MAX_SAFE_INTEGER,
              description: "only blocks below this number (paging)",
            },
          },
        },
        response: {
          200: sent({
            type: "object",
            properties: { head: int, blocks: { type: "array", items: blockSchema } },
          }),
        },
      },
    },
    async (request) => {
      // The schema fills in `limit`; the default here only satisfies its optional type.
      const { limit = 10, before } = request.query;
      const { publicClient } = context.client;
      const head = await publicClient.getBlockNumber({ cacheTime: 0 });
      const top = before === undefined ? head : BigInt(Math.min(before - 1, Number(head)));
      const numbers: bigint[] = [];
      for (let n = top; n >= 0n && numbers.length < limit; n--) numbers.push(n);
      const blocks = await Promise.all(
        numbers.map(async (blockNumber) => {
          const block = await publicClient.getBlock({ blockNumber, includeTransactions: true });
          const transactions = await Promise.all(
            block.transactions.map(async (tx) => {
              // A deployment has no `to`: its receipt names the contract it created.
              const createdAt =
                tx.to === null
                  ? (await publicClient.getTransactionReceipt({ hash: tx.hash })).contractAddress
                  : null;
              const created = createdAt ? getAddress(createdAt) : null;
              const contract = nameOf(tx.to ?? created);
              return {
                hash: tx.hash,
                from: getAddress(tx.from),
                to: tx.to ? getAddress(tx.to) : null,
                contract,
                method: contract && tx.to ? methodOf(contractSpec(contract).abi, tx.input) : null,
                created,
              };
            }),
          );
          return {
            number: Number(block.number),
            hash: block.hash,
            timestamp: Number(block.timestamp),
            gasUsed: block.gasUsed.toString(),
            transactions,
          };
        }),
      );
      return { head: Number(head), blocks };
    },
  );

  api.get(
    "/v1/anchors/onchain",
    {
      config: { permission: "chain.read" },
      schema: {
        summary:
          "A batch's anchor as the chain holds it (MeterAnchor.anchorOf): root, leaf count, totals; anchored=false and a zero root until anchored",
        tags: ["metering"],
        querystring: {
          type: "object",
          required: ["region", "intervalStart"],
          properties: {
            region: text(66, "region code, e.g. CN-GD"),
            commodity: { type: "integer", minimum: 1, maximum: 255, default: 1 },
            intervalStart: { ...unixSeconds, description: "Unix seconds" },
            part: { type: "integer", minimum: 0, maximum: 65535, default: 0 },
          },
        },
        response: { 200: onchainAnchorSchema },
      },
    },
    async (request) => {
      const { query } = request;
      let region = await context.store.getRegion(query.region);
      if (!region) {
        await context.indexer.sync();
        region = await context.store.getRegion(query.region);
      }
      if (!region) {
        throw new BaseError("REGISTRY_UNKNOWN_REGION", `region "${query.region}" is not registered`, {
          details: { region: query.region },
        });
      }
      const { publicClient } = context.client;
      const blockNumber = await publicClient.getBlockNumber({ cacheTime: 0 });
      const [root, leafCount, importTotal, exportTotal, anchoredAt] = await publicClient.readContract({
        address: context.contracts.MeterAnchor,
        abi: meterAnchorAbi,
        functionName: "anchorOf",
        args: [region.regionId as Hex, query.commodity ?? 1, BigInt(query.intervalStart), query.part ?? 0],
        blockNumber,
      });
      const anchored = BigInt(root) !== 0n;
      return {
        region: region.code,
        regionId: region.regionId,
        commodity: query.commodity,
        intervalStart: query.intervalStart,
        part: query.part,
        contract: context.contracts.MeterAnchor,
        anchored,
        root: root.toLowerCase(),
        leafCount: Number(leafCount),
        importTotal: importTotal.toString(),
        exportTotal: exportTotal.toString(),
        anchoredAt: anchored ? Number(anchoredAt) : null,
        readAtBlock: Number(blockNumber),
      };
    },
  );
}
