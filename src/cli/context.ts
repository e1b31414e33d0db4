import { resolve } from "node:path";
import type { Command } from "commander";
import { defaults } from "../core/config.js";
import { readApiToken } from "../node/apiToken.js";
import { createNodeApi, type NodeApi, nodeUrlOf } from "./nodeApi.js";
import type { OutputOptions } from "./output.js";

/** What a client command needs: the node's API and the output options, from global flags. */
export function clientOf(command: Command): { api: NodeApi; out: OutputOptions } {
  const globals = command.optsWithGlobals<{ json?: boolean; node?: string; dataDir?: string }>();
  // Writes need the node's API token: GRIDLEDGER_API_TOKEN, else the one in the node's data directory.
  const token = async () =>
    process.env.GRIDLEDGER_API_TOKEN ||
    readApiToken(resolve(globals.dataDir ?? (process.env.GRIDLEDGER_DATA_DIR || defaults.dataDir)));
  return { api: createNodeApi(nodeUrlOf(globals.node), token), out: { json: !!globals.json } };
}
