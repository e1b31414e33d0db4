import { Command } from "commander";
import { registerMarketCommands } from "../market/marketCommands.js";
import { registerAccountCommands } from "./accountCommands.js";
import { registerAuthCommands } from "./authCommands.js";
import { registerBatchCommands } from "./batchCommands.js";
import { registerGovernanceCommands } from "./governanceCommands.js";
import { registerMeteringCommands } from "./meteringCommands.js";
import { registerMigrateCommand } from "./migrateCommand.js";
import { registerMqttCommands } from "./mqttCommands.js";
import { registerNodeCommands } from "./nodeCommands.js";
import { reportError } from "./output.js";
import { registerRegistryCommands } from "./registryCommands.js";
import { registerSimulateCommand } from "./simulateCommand.js";
import { registerWorkerCommand } from "./workerCommand.js";

/** Builds the `gridledger` command line. */
export function buildProgram(): Command {
  const program = new Command("gridledger")
    .description(
      "GridLedger: trusted metering, regional data centres and energy markets on a consortium chain.\n" +
        "`init` and `start` run a node, `worker` runs analysis jobs on its PostgreSQL database; the other " +
        "commands talk to a running node over its HTTP API.",
    )
    .option("--json", "print data as JSON")
    .option("--node <url>", "HTTP API of the node to talk to (env GRIDLEDGER_NODE_URL)", undefined)
    .option(
      "--data-dir <dir>",
      "the node's data directory (env GRIDLEDGER_DATA_DIR; default .gridledger): its state, the bootstrap admin key (api-token) and the sessions of login that client commands send",
    )
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError("(run with --help for usage)");
  registerNodeCommands(program);
  registerMigrateCommand(program);
  registerRegistryCommands(program);
  registerGovernanceCommands(program);
  registerAccountCommands(program);
  registerMeteringCommands(program);
  registerMqttCommands(program);
  registerBatchCommands(program);
  registerSimulateCommand(program);
  registerWorkerCommand(program);
  registerAuthCommands(program);
  registerMarketCommands(program);
  return program;
}

const json = process.argv.includes("--json");
buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => reportError(error, { json }));
