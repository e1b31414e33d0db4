import type { FastifyInstance } from "fastify";
import { BaseError } from "../core/errors.js";
import type { ProposalInput } from "../registry/proposals.js";
import { outcome, proposal, proposalRequest } from "../registry/registrySchemas.js";
import type { ServerContext } from "./createServer.js";
import { decimalId } from "./paramSchemas.js";

function proposalId(text: string): bigint {
  if (!/^[0-9]{1,30}$/.test(text)) {
    throw new BaseError("REQUEST_INVALID", `proposal id must be a whole number, got "${text}"`);
  }
  return BigInt(text);
}

const idParams = { type: "object", properties: { id: decimalId(30) } } as const;

/** Governance: seats and quorum, proposals, votes and execution. */
export function registerGovernanceRoutes(app: FastifyInstance, context: ServerContext): void {
  const { registry } = context;

  app.get(
    "/v1/governance",
    {
      config: { permission: "registry.read" },
      schema: {
        summary: "Seats, quorum and voting period",
        tags: ["governance"],
      },
    },
    async () => registry.governance(),
  );

  app.get(
    "/v1/proposals",
    {
      config: { permission: "registry.read" },
      schema: {
        summary: "Governance proposals, newest first, with live vote counts and state",
        tags: ["governance"],
        response: { 200: { type: "object", properties: { proposals: { type: "array", items: proposal } } } },
      },
    },
    async () => ({ proposals: await registry.listProposals() }),
  );

  app.get(
    "/v1/proposals/:id",
    {
      config: { permission: "registry.read" },
      schema: {
        summary: "One proposal",
        tags: ["governance"],
        params: idParams,
        response: { 200: proposal },
      },
    },
    async (request) => registry.readProposal(proposalId((request.params as { id: string }).id)),
  );

  app.post(
    "/v1/proposals",
    {
      config: { permission: "governance.write" },
      schema: {
        summary:
          "Propose a change; the proposer's vote counts for it, and it executes once more than the quorum of seats agree",
        tags: ["governance"],
        body: proposalRequest,
        response: { 200: outcome },
      },
    },
    async (request) => {
      const body = request.body as ProposalInput & { description?: string };
      return registry.propose(body, body.description ?? body.kind);
    },
  );

  app.post(
    "/v1/proposals/:id/votes",
    {
      config: { permission: "governance.write" },
      schema: {
        summary: "Vote on a proposal as this node's organisation",
        tags: ["governance"],
        params: idParams,
        body: { type: "object", required: ["support"], properties: { support: { type: "boolean" } } },
        response: { 200: outcome },
      },
    },
    async (request) => {
      return registry.vote(
        proposalId((request.params as { id: string }).id),
        (request.body as { support: boolean }).support,
      );
    },
  );

  app.post(
    "/v1/proposals/:id/execute",
    {
      config: { permission: "governance.write" },
      schema: {
        summary: "Execute a proposal that has reached the quorum",
        tags: ["governance"],
        params: idParams,
        response: { 200: outcome },
      },
    },
    async (request) => {
      return registry.execute(proposalId((request.params as { id: string }).id));
    },
  );
}
