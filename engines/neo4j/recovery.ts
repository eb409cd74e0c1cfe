/**
 * What Neo4j 5 logs in its debug.log (not its user log on stdout) when a database needs crash recovery on start
 * (org.neo4j.kernel.impl.transaction.log.LoggingLogFileMonitor): "Recovery required from position LogPosition{…}",
 * then "Recovery completed. N transactions applied [first:…, last:…], M transactions rolled back. Time spent: …" (later
 * versions: "Recovery in '<mode>' mode completed. …"), or
 * "Fail to recover database. …" when the logs after a position cannot be read. Each line carries its database as a
 * `[name/id]` prefix. A server that says only "Started." may have replayed transactions first: the restore says so.
 */
const ENDED = /Recovery (in '[^']*' mode )?completed|Fail to recover/;
export const RECOVERY_LINE = new RegExp(`Recovery required from position|${ENDED.source}`);

export interface RecoveryRun {
  /** The databases that ran recovery, by name. */
  databases: string[];
  /** The recovery lines, as `<database>: <message>`. */
  observed: string[];
}

export function recoveryRuns(debugLog: string): RecoveryRun {
  const observed: string[] = [];
  const databases = new Set<string>();
  for (const line of debugLog.split("\n")) {
    const message = RECOVERY_LINE.exec(line);
    if (!message) continue;
    const database = /\[([\w.-]+)\/[0-9a-f]+\]/.exec(line)?.[1] ?? "(database not named)";
    databases.add(database);
    observed.push(`${database}: ${line.slice(message.index).trim()}`);
  }
  return { databases: [...databases], observed };
}

/** The restore's summary of a server that came up, with the recovery it ran. */
export function upSummary(imageRef: string, run: RecoveryRun): string {
  const completed = run.observed.filter((o) => ENDED.test(o));
  return run.databases.length
    ? `server up on ${imageRef} after crash recovery of ${run.databases.join(", ")}: ${(completed.length ? completed : run.observed).join(" | ")}`
    : `server up on ${imageRef}, no crash recovery in its debug.log`;
}
