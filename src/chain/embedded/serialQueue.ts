/** Runs async tasks one at a time, in the order they were submitted. */
export type SerialQueue = {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Resolves once every task submitted so far has settled. */
  idle(): Promise<void>;
};

/** Creates a FIFO queue: each task starts after the previous one settles (whether it failed or not). */
export function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      const result = tail.then(task, task);
      tail = result.catch(() => undefined);
      return result;
    },
    idle: () => tail.then(() => undefined),
  };
}
