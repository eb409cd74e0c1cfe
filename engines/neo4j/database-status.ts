import type { Driver } from "neo4j-driver";
import { boltDriver, type BoltEndpoint } from "../../protocols/bolt/graph-node.ts";

/** The DBMS runs, but Neo4j itself reports that its default database did not start: its refusal of the store. */
export class DatabaseNotStartedError extends Error {
  constructor(
    readonly currentStatus: string,
    readonly statusMessage: string,
  ) {
    super(`Neo4j runs, but database neo4j is ${currentStatus}: ${statusMessage}`);
  }
}

/** `SHOW DATABASE` status of a database that failed for good: neither online nor on its way, with Neo4j's reason. */
export function failedStatus(currentStatus: string, statusMessage: string): DatabaseNotStartedError | undefined {
  if (currentStatus === "online" || currentStatus === "starting" || statusMessage.trim() === "") return undefined;
  return new DatabaseNotStartedError(currentStatus, statusMessage.trim());
}

async function defaultDatabaseStatus(driver: Driver): Promise<DatabaseNotStartedError | undefined> {
  const { records } = await driver.executeQuery(
    "SHOW DATABASE neo4j YIELD currentStatus, statusMessage",
    {},
    { database: "system" },
  );
  const r = records[0];
  return r ? failedStatus(String(r.get("currentStatus")), String(r.get("statusMessage") ?? "")) : undefined;
}

/**
 * Waits until the default database answers a query (bounded). While it does not, asks the system database for its
 * status: a database Neo4j reports failed (offline with a reason) is thrown at once as DatabaseNotStartedError, the
 * server's own answer; at the deadline without one, a plain error (undecided: a slow machine looks the same).
 */
export async function waitForDefaultDatabase(endpoint: BoltEndpoint, timeoutMs: number): Promise<void> {
  const driver = boltDriver(endpoint);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await driver.executeQuery("RETURN 1");
        return;
      } catch (err) {
        const failed = await defaultDatabaseStatus(driver).catch(() => undefined);
        if (failed) throw failed;
        if (Date.now() > deadline)
          throw new Error(`${endpoint.url} did not serve queries within ${timeoutMs} ms: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await driver.close();
  }
}
