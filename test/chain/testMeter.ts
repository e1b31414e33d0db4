import solc from "solc";
import type { Abi, Hex } from "viem";

/**
 * A small meter contract: records readings, emits an event per reading and refuses low readings with a
 * custom error, so tests cover logs, custom-error decoding and plain reverts.
 */
export const METER_SOURCE = `// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

contract TestMeter {
    error TestMeterReadingTooLow(uint256 reading, uint256 minimum);
    event ReadingRecorded(address indexed meter, uint256 indexed sequence, uint256 value);

    uint256 public total;
    uint256 public count;

    function record(uint256 value) external {
        if (value < 10) revert TestMeterReadingTooLow(value, 10);
        count += 1;
        total += value;
        emit ReadingRecorded(msg.sender, count, value);
    }

    function failWithReason() external pure {
        revert("plain reason");
    }

    function currentTime() external view returns (uint256) {
        return block.timestamp;
    }
}
`;

/** Compiled contract: ABI and creation bytecode. */
export type CompiledContract = { abi: Abi; bytecode: Hex };

let compiled: CompiledContract | undefined;

/** Compiles {@link METER_SOURCE} with solc (Cancun), once per process. */
export function compileTestMeter(): CompiledContract {
  if (compiled !== undefined) return compiled;
  const input = {
    language: "Solidity",
    sources: { "TestMeter.sol": { content: METER_SOURCE } },
    settings: {
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const contract = output.contracts["TestMeter.sol"]?.TestMeter;
  if (contract === undefined) throw new Error("TestMeter missing from solc output");
  compiled = { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
  return compiled;
}
