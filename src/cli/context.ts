import type { Command } from "commander";
import { createNodeApi, type NodeApi, nodeUrlOf } from "./nodeApi.js";
import type { OutputOptions } from "./output.js";

/** What a client command needs: the node's API and the output options, from global flags. */
export function clientOf(command: Command): { api: NodeApi; out: OutputOptions } {
  const globals = command.optsWithGlobals<{ json?: boolean; node?: string }>();
  return { api: createNodeApi(nodeUrlOf(globals.node)), out: { json: !!globals.json } };
}
