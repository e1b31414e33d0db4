import { resolve } from "node:path";
import type { Command } from "commander";
import { defaults } from "../core/config.js";
import { readApiToken } from "../node/apiToken.js";
import { sessionToken } from "./cliSession.js";
import { createNodeApi, type NodeApi, nodeUrlOf } from "./nodeApi.js";
import type { OutputOptions } from "./output.js";

/** The data directory a command names (`--data-dir`, `GRIDLEDGER_DATA_DIR`, default `.gridledger`). */
export function dataDirOf(command: Command): string {
  const globals = command.optsWithGlobals<{ dataDir?: string }>();
  return resolve(globals.dataDir ?? (process.env.GRIDLEDGER_DATA_DIR || defaults.dataDir));
}

/** What a client command needs: the node's API and the output options, from global flags. */
export function clientOf(command: Command): { api: NodeApi; out: OutputOptions } {
  const globals = command.optsWithGlobals<{ json?: boolean; node?: string; dataDir?: string }>();
  const dataDir = dataDirOf(command);
  const nodeUrl = nodeUrlOf(globals.node);
  // An API key from GRIDLEDGER_API_KEY (GRIDLEDGER_API_TOKEN, its older name), else the session
  // `gridledger login` stored for this node, else the node's bootstrap admin key in its data directory.
  const token = async () =>
    process.env.GRIDLEDGER_API_KEY ||
    process.env.GRIDLEDGER_API_TOKEN ||
    (await sessionToken(dataDir, nodeUrl)) ||
    readApiToken(dataDir);
  return { api: createNodeApi(nodeUrl, token), out: { json: !!globals.json } };
}
