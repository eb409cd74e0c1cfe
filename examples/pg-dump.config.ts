import { defineConfig } from "dr-drill/config";

/**
 * A team's own PostgreSQL runbook, drilled by dr-drill as it is written here: a nightly `pg_dump` and its
 * `pg_restore`, each step a shell script in a short-lived container of the engine's image, with libpq's variables
 * (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE) pointing at the node and the artifact directory
 * (/dr-drill/artifact) as its working directory. Two checks of the team's own run on every restored node.
 *
 *   dr-drill run --config examples/pg-dump.config.ts --engine postgres --method nightly-dump --scenario load,older-backup
 */
export default defineConfig({
  engines: {
    postgres: {
      procedures: {
        "nightly-dump": {
          description: "pg_dump -Fc of the application database, restored with pg_restore into a fresh server",
          promises: "point-in-time",
          mode: "online",
          backup: [{ name: "pg_dump", run: "pg_dump -Fc -f nightly.pgdump", timeout: "5m" }],
          restore: {
            afterStart: [
              { name: "pg_restore", run: 'pg_restore --no-owner --exit-on-error -d "$PGDATABASE" nightly.pgdump' },
            ],
          },
          faults: {
            // The wrong night's dump restored: the writes since are lost, and no transfer comes back.
            "older-backup": {
              detects: [
                { check: "ledger-oracle", reason: "\\d+ (lost|stale)" },
                { check: "user:transfers-restored", reason: "row\\(s\\) where none must be" },
              ],
            },
            // A dump cut in half by a full disk: pg_restore must say so.
            "truncate-largest": { detects: [{ check: "restore", reason: "pg_restore exited" }] },
          },
        },
      },
      checks: {
        "transfers-restored": {
          description: "the restored database holds the transfers made before the backup",
          query: "SELECT 'no transfer restored' WHERE NOT EXISTS (SELECT 1 FROM transfers)",
          expect: "zero-rows",
        },
        "accounts-opened": { query: "SELECT count(*) FROM accounts", expect: { value: "64" } },
      },
    },
  },
});
