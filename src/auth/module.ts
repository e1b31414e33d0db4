import type { GridModule } from "../node/modules.js";
import { registerAccountRoutes } from "./accountRoutes.js";
import { accountsHandler } from "./accountsMirror.js";
import { registerPrivacyRoutes } from "./privacyRoutes.js";

/**
 * Auth: accounts (sign-in with Ethereum, API keys, sessions), role bindings mirrored from the Accounts
 * contract (handler "accounts"), the permission table, encrypted profiles and the access log. Its
 * sign-in and API-key routes are registered with the auth plugin itself (src/server/createServer.ts).
 */
export const authModule: GridModule = {
  name: "auth",
  migrations: ["0006_account_roles.sql", "0007_access_log_anchors.sql", "0008_auth.sql", "0009_privacy.sql"],
  routes(app, context) {
    if (context.accounts) registerAccountRoutes(app, { ...context, accounts: context.accounts });
    if (context.privacy) registerPrivacyRoutes(app, { db: context.db, ...context.privacy });
  },
  eventHandlers: ({ contracts, fromBlock }) => [accountsHandler(contracts.Accounts, fromBlock)],
};
