import type {
  Abi,
  Account,
  Address,
  Chain,
  Hash,
  PublicClient,
  TransactionReceipt,
  Transport,
  WalletClient,
} from "viem";
import { BaseError } from "../core/errors.js";
import { decodeChainError } from "./decodeRevert.js";

/** A contract write: what `simulateContract` takes, minus the account. */
export type ContractWrite = {
  address: Address;
  abi: Abi;
  functionName: string;
  args?: readonly unknown[];
};

/** Sends the transactions of one signing key, one at a time, with its own nonce. */
export type TxSender = {
  account: Account;
  /** Estimates gas (so a revert comes back as a named error), sends, and waits for the receipt. */
  write(call: ContractWrite): Promise<TransactionReceipt>;
  /** Deploys a contract and returns its receipt (with `contractAddress`). */
  deploy(contract: {
    abi: Abi;
    bytecode: `0x${string}`;
    args?: readonly unknown[];
  }): Promise<TransactionReceipt>;
  /** The nonce the next transaction will use. */
  nextNonce(): Promise<number>;
};

/** The gas limit is the estimate plus 1/5: state may change between estimate and inclusion on a shared network. */
const gasHeadroom = 5n;

const nonceErrors =
  /nonce too low|nonce.*(already|has already been used)|already known|replacement transaction/i;

/**
 * The nonce manager of one key (DESIGN.md "Chain access"): transactions are sent strictly one after
 * another, each waits for its receipt, and the local nonce is re-read from the chain whenever the
 * chain disagrees (after a crash, or when another process used the key), then the send is retried once.
 */
export function createTxSender(options: {
  account: Account;
  publicClient: PublicClient<Transport, Chain>;
  walletClient: WalletClient<Transport, Chain, Account>;
}): TxSender {
  const { account, publicClient, walletClient } = options;
  let nonce: number | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  function serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  }

  async function chainNonce(): Promise<number> {
    return publicClient.getTransactionCount({ address: account.address, blockTag: "pending" });
  }

  async function send(sendWith: (nonce: number) => Promise<Hash>): Promise<TransactionReceipt> {
    nonce ??= await chainNonce();
    let hash: Hash;
    try {
      hash = await sendWith(nonce);
    } catch (error) {
      if (!nonceErrors.test(String((error as Error)?.message))) throw decodeChainError(error);
      nonce = await chainNonce();
      hash = await sendWith(nonce).catch((e: unknown) => {
        nonce = undefined;
        throw decodeChainError(e);
      });
    }
    nonce += 1;
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 100 });
    if (receipt.status !== "success") {
      throw new BaseError("CHAIN_TX_REVERTED", `transaction ${hash} reverted on chain`, {
        details: { txHash: hash, blockNumber: Number(receipt.blockNumber) },
      });
    }
    return receipt;
  }

  return {
    account,
    write(call) {
      return serialised(async () => {
        // Estimating executes the call once: a revert comes back decoded by name, and the estimate is the
        // gas limit, so the transaction is not executed a third time by viem's own estimate.
        const gas = await publicClient
          .estimateContractGas({ ...call, account } as Parameters<typeof publicClient.estimateContractGas>[0])
          .catch((error: unknown) => {
            throw decodeChainError(error);
          });
        return send((n) =>
          walletClient.writeContract({ ...call, account, gas: gas + gas / gasHeadroom, nonce: n } as never),
        );
      });
    },
    deploy(contract) {
      return serialised(() =>
        send((n) =>
          walletClient.deployContract({
            abi: contract.abi,
            bytecode: contract.bytecode,
            args: contract.args ?? [],
            nonce: n,
          } as never),
        ),
      );
    },
    nextNonce() {
      return serialised(async () => (nonce ??= await chainNonce()));
    },
  };
}
