import { join, resolve } from "node:path";
import { type Command, Option } from "commander";
import { answer, createNodeApi, nodeUrlOf } from "../cli/nodeApi.js";
import { output, printRecord } from "../cli/output.js";
import { defaults } from "../core/config.js";
import { BaseError } from "../core/errors.js";
import { readApiToken } from "../node/apiToken.js";
import type { DemoOwner, NamedOwners } from "./registerSimDevices.js";
import type { SimProgress, SimSummary } from "./runSimulator.js";
import { parseSize, type SimSize } from "./scenario.js";

/** Name of the simulator's state file in a node's data directory. */
export const simulatorStateFile = "simulator.json";

/** One line saying where a simulation stands. */
export function formatProgress(p: SimProgress): string {
  // The provinces keep China Standard Time: show the simulated clock as they read it.
  const local = new Date(p.simulatedTime.getTime() + 8 * 3600_000)
    .toISOString()
    .slice(0, 16)
    .replace("T", " ");
  return [
    `sim ${local}+08:00`,
    `${p.intervalsDone}/${p.intervalsSent} intervals`,
    `sent ${p.sent}`,
    `accepted ${p.accepted}`,
    `duplicate ${p.duplicate}`,
    `rejected ${p.rejected}`,
    `pending ${p.pending}`,
    `${Math.round(p.readingsPerSecond)} readings/s`,
    p.caughtUp ? "real time" : "catching up",
  ].join(" · ");
}

/**
 * Progress on a stream: one line rewritten in place on a terminal, else a line every `everyMs`; notes
 * from the simulator go on their own lines.
 */
function progressPrinter(stream: NodeJS.WriteStream, everyMs = 5000) {
  const tty = stream.isTTY === true;
  let last = 0;
  let drawn = false;
  return {
    update(p: SimProgress) {
      if (tty) {
        stream.write(`\r\x1b[K${formatProgress(p)}`);
        drawn = true;
      } else if (Date.now() - last >= everyMs) {
        last = Date.now();
        stream.write(`${formatProgress(p)}\n`);
      }
    },
    log(message: string) {
      stream.write(`${drawn ? "\r\x1b[K" : ""}${message}\n`);
      drawn = false;
    },
    end() {
      if (drawn) stream.write("\n");
      drawn = false;
    },
  };
}

function positive(value: string, flag: string, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new BaseError(
      "CLI_INVALID_OPTION",
      `${flag} must be a positive ${integer ? "integer" : "number"}, got "${value}"`,
      {
        details: { flag, value },
      },
    );
  }
  return n;
}

function instant(value: string, flag: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new BaseError("CLI_INVALID_OPTION", `${flag} must be an ISO 8601 date-time, got "${value}"`, {
      details: { flag, value },
    });
  }
  return date;
}

/** The MQTT broker a node reports in `GET /health` (field `mqttUrl`). */
async function mqttUrlOfNode(nodeUrl: string): Promise<string> {
  const health = answer(await createNodeApi(nodeUrl).client.GET("/health"));
  if (!health?.mqttUrl) {
    throw new BaseError(
      "CLI_NO_MQTT_URL",
      `the node at ${nodeUrl} does not report an MQTT broker; pass --mqtt-url mqtt://host:port`,
      { details: { node: nodeUrl } },
    );
  }
  return health.mqttUrl;
}

type SimulateFlags = {
  size?: string;
  speed: string;
  from?: string;
  seed?: string;
  mqttUrl?: string;
  state?: string;
  until?: string;
  intervals?: string;
  incidents?: boolean;
};

/** `gridledger simulate`: feeds a running node with the demo provinces' simulated meters. */
export function registerSimulateCommand(program: Command): void {
  program
    .command("simulate")
    .description(
      "simulate households, prosumers, enterprises, EV chargers, plants and feeders of CN-GD, CN-ZJ and CN-GS, " +
        "register them on the node and publish their signed readings over MQTT; continues where the last run stopped",
    )
    .option(
      "--size <size>",
      "small, medium, large or <communities>x<households> (new simulations; default small)",
    )
    .option("--speed <n>", "simulated seconds per real second; never runs ahead of real time", "60")
    .option("--from <iso>", "start of a new simulation (default 24 h ago); a later time skips ahead")
    .option("--seed <n>", "seed of a new simulation (default 1)")
    .option(
      "--incidents",
      "stage the demo's incidents: from 13:00 to 15:00 (UTC+8) Guangdong's CN-GD/c01/enterprise-01 reports half its import, which its feeder shows",
    )
    .option("--mqtt-url <url>", "MQTT broker (default: the one the node reports in /health)")
    .option(
      "--state <file>",
      `state file: device keys, counters, clock (default <data-dir>/${simulatorStateFile})`,
    )
    .addOption(
      new Option("--until <iso>", "stop once simulated time reaches this instant").conflicts("intervals"),
    )
    .addOption(new Option("--intervals <n>", "stop after publishing this many intervals").conflicts("until"))
    .action(async (flags: SimulateFlags, command: Command) => {
      const globals = command.optsWithGlobals<{ json?: boolean; node?: string; dataDir?: string }>();
      const nodeUrl = nodeUrlOf(globals.node);
      const dataDir = resolve(globals.dataDir ?? (process.env.GRIDLEDGER_DATA_DIR || defaults.dataDir));
      const size: SimSize | undefined = flags.size === undefined ? undefined : parseSize(flags.size);
      const seed = flags.seed === undefined ? undefined : Number(flags.seed);
      if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32)) {
        throw new BaseError(
          "CLI_INVALID_OPTION",
          `--seed must be an integer from 0 to 2^32−1, got "${flags.seed}"`,
        );
      }
      const mqttUrl = flags.mqttUrl ?? (await mqttUrlOfNode(nodeUrl));
      // A collector's (or the admin's) API key: GRIDLEDGER_API_KEY, else the node's bootstrap admin key.
      const apiToken =
        process.env.GRIDLEDGER_API_KEY || process.env.GRIDLEDGER_API_TOKEN || (await readApiToken(dataDir));
      const printer = progressPrinter(process.stderr);
      const controller = new AbortController();
      const stop = () => {
        if (controller.signal.aborted) process.exit(130);
        printer.log("stopping… (again to quit at once)");
        controller.abort();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
      let summary: SimSummary;
      try {
        const { runSimulator } = await import("./runSimulator.js");
        summary = await runSimulator({
          nodeUrl,
          apiToken,
          mqttUrl,
          stateFile: resolve(flags.state ?? join(dataDir, simulatorStateFile)),
          size,
          seed,
          incidents: flags.incidents === true,
          speed: positive(flags.speed, "--speed", false),
          from: flags.from === undefined ? undefined : instant(flags.from, "--from"),
          until: flags.until === undefined ? undefined : instant(flags.until, "--until"),
          intervals:
            flags.intervals === undefined ? undefined : positive(flags.intervals, "--intervals", true),
          signal: controller.signal,
          onProgress: (p) => printer.update(p),
          log: (message) => printer.log(message),
        });
      } finally {
        printer.end();
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
      output({ json: !!globals.json }, summary, () =>
        printRecord({
          stoppedBy: summary.stoppedBy,
          simulatedTime: summary.simulatedTime.toISOString(),
          devices: summary.devices,
          registered: summary.registered,
          intervals: `${summary.intervalsDone} answered of ${summary.intervalsSent} sent`,
          readings: `${summary.sent} sent, ${summary.resent} resent`,
          accepted: summary.accepted,
          duplicate: summary.duplicate,
          rejected: summary.rejected,
          ...(summary.rejected > 0 ? { rejectedByCode: summary.rejectedByCode } : {}),
          pending: summary.pending,
          stateFile: summary.stateFile,
        }),
      );
    });
}

/** Options of the simulator that `gridledger start --demo` runs inside the node process. */
export type DemoSimulatorOptions = {
  nodeUrl: string;
  apiToken: string | undefined;
  mqttUrl: string;
  /** The node's data directory; the state goes to `<dataDir>/simulator.json`. */
  dataDir: string;
  /** Default 60 (a 15-minute interval every 15 s until caught up with real time). */
  speed?: number;
  size?: SimSize;
  log: (message: string) => void;
  /** The demo prosumer that owns some of the simulated devices. */
  demoOwner?: DemoOwner | undefined;
  /** The demo market's traders, owners of named devices. */
  namedOwners?: NamedOwners | undefined;
};

/**
 * Starts the demo simulator in the background of a running node: it logs its start, a progress line
 * a minute, its end and any failure through `log` (a failure stops the simulator, never the node).
 * `stop()` aborts it and resolves once its state is saved (within ~2 s).
 */
export function startDemoSimulator(options: DemoSimulatorOptions): { stop(): Promise<void> } {
  const controller = new AbortController();
  let lastLine = Date.now();
  const running = import("./runSimulator.js")
    .then(({ runSimulator }) =>
      runSimulator({
        nodeUrl: options.nodeUrl,
        apiToken: options.apiToken,
        mqttUrl: options.mqttUrl,
        stateFile: join(options.dataDir, simulatorStateFile),
        size: options.size,
        speed: options.speed ?? 60,
        incidents: true,
        demoOwner: options.demoOwner,
        namedOwners: options.namedOwners,
        signal: controller.signal,
        log: options.log,
        onProgress: (p) => {
          if (Date.now() - lastLine < 60_000) return;
          lastLine = Date.now();
          options.log(`simulator: ${formatProgress(p)}`);
        },
      }),
    )
    .then(
      (summary) => options.log(`simulator stopped: ${formatProgress(summary)}`),
      (error: unknown) => {
        const code = error instanceof BaseError ? ` [${error.code}]` : "";
        options.log(`simulator stopped: ${error instanceof Error ? error.message : String(error)}${code}`);
      },
    );
  return {
    async stop() {
      controller.abort();
      await running;
    },
  };
}
