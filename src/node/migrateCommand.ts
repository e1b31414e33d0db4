import type { Command } from "commander";
import { output, printRecord } from "../cli/output.js";
import { resolveNodeConfig } from "../core/config.js";

/**
 * `gridledger migrate`: moves a stopped node's data directory from the contract layout before
 * governance by the Governor (a Consortium with built-in proposals) to the contracts of the manifest.
 */
export function registerMigrateCommand(program: Command): void {
  program
    .command("migrate")
    .description(
      "move a stopped node's data directory from the old contracts (a Consortium with built-in proposals) to the Governor, timelock and authority: " +
        "founds the new contracts on the same chain (the founder's node only), copies members, regions, devices of the regions it operates and the account roles it granted, " +
        "and re-anchors stored batches on the new MeterAnchor; run it again to resume an interrupted migration",
    )
    .option("--rpc-url <url>", "the EVM JSON-RPC network of a data directory initialised with --rpc-url")
    .option("--database-url <url>", "PostgreSQL, when the node uses it (env DATABASE_URL)")
    .action(async (_o, command: Command) => {
      const options = command.optsWithGlobals();
      const config = resolveNodeConfig(options);
      const { migrateDataDir } = await import("./migrateContracts.js");
      const report = await migrateDataDir(config);
      output(options, report, () => {
        if (!report.migrated) {
          console.log(`${config.dataDir} uses the current contracts: nothing to migrate`);
          return;
        }
        printRecord(report);
        if (report.devicesLeft > 0 || report.bindingsLeft > 0)
          console.log(
            "devicesLeft and bindingsLeft belong to other members: their nodes register and grant them again on the new contracts",
          );
      });
    });
}
