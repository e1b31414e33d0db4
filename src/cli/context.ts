import { resolve } from "node:path";
import type { Command } from "commander";
import { defaults } from "../core/config.js";
import { readApiToken } from "../node/apiToken.js";
import { createNodeApi, type NodeApi, nodeUrlOf } from "./nodeApi.js";
import type { OutputOptions } from "./output.js";

/** What a client command needs: the node's API and the output options, from global flags. */
export function clientOf(command: Command): { api: NodeApi; out: OutputOptions } {
  const globals = command.optsWithGlobals<{ json?: boolean; node?: string; dataDir?: string }>();
  // An API key from GRIDLEDGER_API_KEY (GRIDLEDGER_API_TOKEN, its older name), else the node's
  // bootstrap admin key in its data directory.
  const token = async () =>
    process.env.GRIDLEDGER_API_KEY ||
    process.env.GRIDLEDGER_API_TOKEN ||
    readApiToken(resolve(globals.dataDir ?? (process.env.GRIDLEDGER_DATA_DIR || defaults.dataDir)));
  return { api: createNodeApi(nodeUrlOf(globals.node), token), out: { json: !!globals.json } };
}
