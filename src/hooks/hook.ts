/**
 * A typed hook: modules register handlers, the publisher runs them in registration order with one
 * context (a database transaction, so what a handler writes commits or rolls back with what the
 * publisher wrote) and one payload. A handler that throws aborts the run, and so the transaction:
 * a hook is part of the publisher's write, not a notification after it (Uniswap v4's hooks).
 */
export type Hook<Payload, Context> = {
  /** Registers a handler; answers a function that unregisters it. */
  on(handler: HookHandler<Payload, Context>): () => void;
  /** Runs every handler, one after the other, with `context` and `payload`. */
  run(context: Context, payload: Payload): Promise<void>;
  /** How many handlers are registered (a publisher may skip building an unused payload). */
  readonly size: number;
};

/** A handler of a {@link Hook}. */
export type HookHandler<Payload, Context> = (context: Context, payload: Payload) => Promise<void>;

/** Creates an empty {@link Hook}. */
export function createHook<Payload, Context>(): Hook<Payload, Context> {
  const handlers: HookHandler<Payload, Context>[] = [];
  return {
    on(handler) {
      handlers.push(handler);
      return () => {
        const at = handlers.indexOf(handler);
        if (at >= 0) handlers.splice(at, 1);
      };
    },
    async run(context, payload) {
      for (const handler of [...handlers]) await handler(context, payload);
    },
    get size() {
      return handlers.length;
    },
  };
}
