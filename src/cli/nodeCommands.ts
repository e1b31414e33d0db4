import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { defaults, initDefaults, type NodeFlags, resolveNodeConfig } from "../core/config.js";
import { BaseError } from "../core/errors.js";
import { apiTokenPath } from "../node/apiToken.js";
import type { InitOptions } from "../node/openNode.js";
import { output, printRecord } from "./output.js";

// The node's modules (chain, database, broker, server) load only when a node runs, so client
// commands and --help start quickly.

/** Absolute path of the CLI's entry point, for running it from outside the checkout. */
const cliPath = fileURLToPath(new URL("../../bin/gridledger.js", import.meta.url));

/**
 * Simulated time may run this many times faster than real time in `start --demo` until it catches up:
 * so many that the past day is paced only by how fast the node acknowledges (the simulator keeps a few
 * intervals in flight), and the dashboard has figures for every province within the first minute.
 */
const demoSpeed = 100_000;

/** Simulated devices the demo's prosumer account owns (registered in the node's own community). */
const demoProsumerDevices = 3;

type NodeCommandOptions = NodeFlags & InitOptions & { demo?: boolean };

/** `--timelock-delay`: whole seconds, at most a year (`NODE_INVALID_TIMELOCK_DELAY`). */
export function parseTimelockDelay(text: string): bigint {
  if (!/^[0-9]{1,9}$/.test(text.trim()) || Number(text) > 366 * 86_400) {
    throw new BaseError(
      "NODE_INVALID_TIMELOCK_DELAY",
      `--timelock-delay must be whole seconds from 0 to 31622400 (a year), got "${text}"`,
      { details: { value: text } },
    );
  }
  return BigInt(text.trim());
}

function nodeOptions(command: Command): Command {
  return command
    .option(
      "--rpc-url <url>",
      "use this EVM JSON-RPC network instead of the embedded chain (env GRIDLEDGER_RPC_URL)",
    )
    .option(
      "--chain-id <id>",
      `chain id of a new embedded chain (env GRIDLEDGER_CHAIN_ID; default ${defaults.chainId})`,
    )
    .option("--database-url <url>", "PostgreSQL instead of the embedded PGlite database (env DATABASE_URL)")
    .option(
      "--name <name>",
      `organisation name of the first seat holder on a new consortium (default "${initDefaults.name}")`,
    )
    .option(
      "--roles <roles>",
      `roles of the first seat holder, comma-separated (default ${initDefaults.roles})`,
    )
    .option(
      "--consortium <address>",
      "attach to this already deployed Consortium instead of deploying (env GRIDLEDGER_CONSORTIUM)",
    )
    .option(
      "--timelock-delay <seconds>",
      "on a new consortium: seconds a passed proposal waits in the timelock before it can be executed (default 0: at once)",
      parseTimelockDelay,
    )
    .option(
      "--dev-chain",
      "development chain: evm_* methods, the test-mnemonic accounts funded on a new chain, every sender accepted (env GRIDLEDGER_DEV_CHAIN=1; implied by start --demo)",
    );
}

/** `gridledger init` and `gridledger start`. */
export function registerNodeCommands(program: Command): void {
  nodeOptions(
    program
      .command("init")
      .description(
        "create the data directory and the operator key, deploy the contracts and bootstrap the consortium with the operator as first seat holder",
      ),
  ).action(async (_options: NodeCommandOptions, command: Command) => {
    const options = command.optsWithGlobals<NodeCommandOptions>();
    const config = resolveNodeConfig(options);
    const { openNode } = await import("../node/openNode.js");
    const node = await openNode(config, options);
    const summary = {
      dataDir: config.dataDir,
      chainId: node.chainId,
      chain: node.state.chain.mode === "embedded" ? "embedded" : node.state.chain.rpcUrl,
      database: node.db.kind,
      operator: node.registry.operator,
      contracts: node.contracts,
    };
    await node.close();
    output(command.optsWithGlobals(), summary, () => printRecord(summary));
  });

  nodeOptions(
    program
      .command("start")
      .description(
        "run a node in the foreground: chain, database, MQTT broker and HTTP API on 127.0.0.1; it ingests, stores and anchors meter readings. Initialises a new data directory",
      )
      .option(
        "--host <host>",
        `address the HTTP API and the MQTT broker listen on (env GRIDLEDGER_HOST; default ${defaults.host})`,
      )
      .option(
        "--rpc-host <host>",
        `address the embedded chain's JSON-RPC listens on (env GRIDLEDGER_RPC_HOST; default ${defaults.host})`,
      )
      .option(
        "--rpc-cors <origins>",
        "browser origins allowed to call the embedded chain's JSON-RPC, comma-separated, or * (env GRIDLEDGER_RPC_CORS; default none)",
      )
      .option(
        "--port <port>",
        `HTTP API port (env GRIDLEDGER_PORT; default ${defaults.port}, or a free one if taken)`,
      )
      .option(
        "--rpc-port <port>",
        `embedded chain JSON-RPC port (env GRIDLEDGER_RPC_PORT; default ${defaults.rpcPort}, or a free one if taken)`,
      )
      .option(
        "--mqtt-port <port>",
        `embedded MQTT broker port (env GRIDLEDGER_MQTT_PORT; default ${defaults.mqttPort}, or a free one if taken)`,
      )
      .option(
        "--mqtt-url <url>",
        "subscribe at this MQTT broker (mqtt:// or mqtts://) instead of running the embedded one (env GRIDLEDGER_MQTT_URL)",
      )
      .option(
        "--mqtt-max-payload <bytes>",
        `largest MQTT payload read as readings; the embedded broker closes a connection sending 4× this (env GRIDLEDGER_MQTT_MAX_PAYLOAD; default ${defaults.mqttMaxPayload})`,
      )
      .option(
        "--mqtt-max-readings <n>",
        `most readings in one MQTT message (env GRIDLEDGER_MQTT_MAX_READINGS; default ${defaults.mqttMaxReadings})`,
      )
      .option(
        "--min-group-size <k>",
        `fewest devices a region needs before statistics break it down for the public (env GRIDLEDGER_MIN_GROUP_SIZE; default ${defaults.minGroupSize})`,
      )
      .option(
        "--anchor-grace <seconds>",
        `seconds after an interval ends before its readings are anchored (env GRIDLEDGER_ANCHOR_GRACE; default ${defaults.anchorGraceSeconds})`,
      )
      .option(
        "--analytics-config <file>",
        "JSON file of UTC offset, tce and CO2 coefficients and alert thresholds (env GRIDLEDGER_ANALYTICS_CONFIG; default <data-dir>/analytics.json when it exists); see docs/analytics.md",
      )
      .option(
        "--workers <n>",
        `analysis workers inside the node; 0 leaves the jobs to "gridledger worker" processes (env GRIDLEDGER_WORKERS; default ${defaults.workers})`,
      )
      .option(
        "--confirmations <n>",
        `blocks an event must be buried under before the node indexes it: 0 for the embedded chain and QBFT (instant finality), N for a chain that reorganises (env GRIDLEDGER_CONFIRMATIONS; default ${defaults.confirmations})`,
      )
      .option(
        "--rate-limit <n>",
        `HTTP writes and expensive reads (statistics, audit, proofs) per minute per client address; 0: no limit (env GRIDLEDGER_RATE_LIMIT; default ${defaults.rateLimit})`,
      )
      .option(
        "--readings-rate-limit <n>",
        `POST /v1/readings requests per minute per client address; 0: no limit (env GRIDLEDGER_READINGS_RATE_LIMIT; default ${defaults.readingsRateLimit})`,
      )
      .option(
        "--request-timeout <seconds>",
        `seconds a client has to send a whole HTTP request; 0: no limit (env GRIDLEDGER_REQUEST_TIMEOUT; default ${defaults.requestTimeoutSeconds})`,
      )
      .option(
        "--demo",
        `approve the demo provinces CN-GD, CN-ZJ and CN-GS where they are not registered yet, and run the meter simulator in them (the last 24 h as fast as the node takes them, then live); create one demo account per role in <data-dir>/demo-accounts and grant it on chain; open the community's market, with simulated traders placing orders every slot; implies --dev-chain`,
      ),
  ).action(async (_options: NodeCommandOptions, command: Command) => {
    const options = command.optsWithGlobals<NodeCommandOptions>();
    const config = resolveNodeConfig({ ...options, devChain: options.devChain || options.demo });
    const { startNode } = await import("../node/startNode.js");
    const { seedDemoRegions } = await import("../node/demoRegions.js");
    const { seedDemoAccounts } = await import("../node/demoAccounts.js");
    const { seedDemoTraders, startDemoMarket } = await import("../node/demoMarket.js");
    const { simulatorStateFile, startDemoSimulator } = await import("../sim/simulateCommand.js");
    // Warnings and errors (e.g. an internal error behind a 500) go to stderr as JSON lines; stdout
    // stays for what the command prints.
    const node = await startNode(config, options, { logger: { level: "warn", stream: process.stderr } });
    if (options.demo) await seedDemoRegions(node.context);
    const demoAccounts = options.demo ? await seedDemoAccounts(node.context, config.dataDir) : [];
    const prosumer = demoAccounts.find((a) => a.role === "prosumer");
    const traders = options.demo ? await seedDemoTraders(node.context, config.dataDir) : [];
    const community = node.context.registry.operator;
    const simulator = options.demo
      ? startDemoSimulator({
          nodeUrl: node.apiUrl,
          apiToken: node.context.apiToken,
          mqttUrl: node.mqttUrl,
          dataDir: config.dataDir,
          speed: demoSpeed,
          log: (line) => console.error(line),
          demoOwner: prosumer && {
            owner: prosumer.address,
            community,
            count: demoProsumerDevices,
          },
          namedOwners: new Map(traders.map((t) => [t.device, { owner: t.address, community }])),
        })
      : undefined;
    const market = options.demo
      ? startDemoMarket(node.context, {
          apiUrl: node.apiUrl,
          simulatorStateFile: join(config.dataDir, simulatorStateFile),
          accounts: demoAccounts,
          prosumerDevices: demoProsumerDevices,
          traders,
          log: (line) => console.error(line),
        })
      : undefined;
    const info = {
      dashboard: `${node.apiUrl}/`,
      api: node.apiUrl,
      adminKeyFile: apiTokenPath(config.dataDir),
      rpcUrl: node.rpcUrl,
      mqttUrl: node.mqttUrl,
      chainId: node.context.chainId,
      devChain: config.devChain,
      operator: node.context.registry.operator,
      database: node.context.db.kind,
      dataDir: config.dataDir,
      contracts: node.context.contracts,
      ...(options.demo
        ? {
            demoAccounts: Object.fromEntries(
              demoAccounts.map((a) => [a.role, { address: a.address, keyFile: a.keyFile }]),
            ),
            demoTraders: Object.fromEntries(
              traders.map((a) => [a.label, { address: a.address, device: a.device, keyFile: a.keyFile }]),
            ),
          }
        : {}),
    };
    output(command.optsWithGlobals(), info, () => {
      console.log("GridLedger node running");
      // The demo accounts get their own lines below (with the sign-in command), not a nested record.
      const {
        demoAccounts: _listedBelow,
        demoTraders: _tradersBelow,
        ...shown
      } = info as typeof info & { demoAccounts?: unknown; demoTraders?: unknown };
      printRecord(shown);
      const mqttPort = Number(new URL(node.mqttUrl).port);
      if (config.mqttUrl === undefined && !config.mqtt.explicit && mqttPort !== defaults.mqttPort) {
        console.log(
          `MQTT is on ${mqttPort}, not ${defaults.mqttPort}: that port was taken when this data directory first needed it; ` +
            "the node keeps this one (ports.json in the data directory) so meters given it keep connecting",
        );
      }
      if (demoAccounts.length > 0) {
        console.log("Demo accounts (one key file per role; on the dashboard: Sign in → key file):");
        for (const a of demoAccounts) {
          console.log(
            `  ${a.role.padEnd(18)} ${a.address}  gridledger login --node ${node.apiUrl} --key ${a.keyFile}`,
          );
        }
        for (const a of traders) {
          console.log(
            `  ${`trader ${a.label}`.padEnd(18)} ${a.address}  gridledger login --node ${node.apiUrl} --key ${a.keyFile}`,
          );
        }
      }
      console.log(`Try: npx gridledger --node ${node.apiUrl} region list   (Ctrl-C stops the node)`);
      console.log(
        `     (npx finds the CLI inside this checkout; from anywhere: node ${cliPath} …, or npm link once)`,
      );
    });
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.error(`${signal}: stopping…`);
      await market?.stop();
      await simulator?.stop();
      await node.stop();
      process.exit(0);
    };
    process.on("SIGINT", () => void stop("SIGINT"));
    process.on("SIGTERM", () => void stop("SIGTERM"));
    // Under `npm start`, killing npm's pid ends npm and its shell but not the shell's child: the node
    // watches its parent and stops cleanly once it is gone (it is then re-parented), freeing the ports
    // and the data-directory lock.
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) void stop(`parent process ${parent} exited`);
    }, 1_000).unref();
  });
}
