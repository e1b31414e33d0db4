import { Command } from "commander";
import { registerAccountCommands } from "../auth/accountCommands.js";
import { registerAuthCommands } from "../auth/authCommands.js";
import { registerGovernanceCommands } from "../governance/governanceCommands.js";
import { registerMarketCommands } from "../market/marketCommands.js";
import { registerBatchCommands } from "../metering/batchCommands.js";
import { registerMeteringCommands } from "../metering/meteringCommands.js";
import { registerMqttCommands } from "../metering/mqttCommands.js";
import { registerMigrateCommand } from "../node/migrateCommand.js";
import { registerWorkerCommand } from "../node/workerCommand.js";
import { registerRegistryCommands } from "../registry/registryCommands.js";
import { registerSimulateCommand } from "../sim/simulateCommand.js";
import { registerNodeCommands } from "./nodeCommands.js";
import { reportError } from "./output.js";

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
