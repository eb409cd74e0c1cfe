/**
 * What Neo4j 5.26 logs in its debug.log (not its user log on stdout) when a database needs crash recovery on start
 * (org.neo4j.kernel.impl.transaction.log.LoggingLogFileMonitor), each under its database's `[name/id]` prefix; seen
 * on 5.26.28 after a server killed with 52 committed transactions since its last checkpoint:
 *   … INFO  [o.n.k.d.Database] [neo4j/252de5a5] Recovery required from position LogPosition{logVersion=0, byteOffset=3238}
 *   … INFO  [o.n.k.d.Database] [neo4j/252de5a5] Recovery in 'full' mode completed. Observed transactions range
 *     [first:4, last:55]: 52 transactions applied, 0 not completed transactions rolled back, … Time spent: 87ms.
 * (earlier 5.x: "Recovery completed. N transactions applied …"), or "Fail to recover database. …". Only a message
 * that starts right after the prefix counts: the checkpoint that follows quotes "Recovery completed." as its reason.
 * A server that says only "Started." may have replayed transactions first: the restore says so.
 */
const ENDED = /Recovery (in '[^']*' mode )?completed|Fail to recover/;
export const RECOVERY_LINE = new RegExp(`] (Recovery required from position|${ENDED.source})`);

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
    observed.push(`${database}: ${line.slice(message.index + 2).trim()}`);
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
