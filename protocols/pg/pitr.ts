import type pg from "pg";
import type { DrillClock } from "../../harness/clock.ts";
import type { RecoveryTarget } from "../../harness/checkers/recovery-target.ts";

/**
 * What any PostgreSQL point-in-time recovery needs, whichever tool archives the WAL (the built-in `archive_command`,
 * pgBackRest): reading the target T from the server's clock, closing and archiving the WAL that holds it, and the
 * documented recovery settings (PostgreSQL manual, "Continuous Archiving and Point-in-Time Recovery").
 */

/** A WAL segment file name: timeline, log and segment, 8 hex digits each. */
export const WAL_SEGMENT = /^[0-9A-F]{24}$/;

const TARGET_SQL = `SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t,
  pg_walfile_name(pg_current_wal_insert_lsn()) AS segment`;

/**
 * Reads T from the server's clock, the clock that stamps its commits (docs/design.md, "Point-in-time recovery"), and
 * the WAL segment being written at that moment. The drill clock brackets the query, so T is known on it too.
 */
export async function readRecoveryTarget(
  client: pg.Client,
  clock: DrillClock,
): Promise<{ target: RecoveryTarget; segment: string }> {
  const from = clock.now();
  const row = (await client.query<{ t: string; segment: string }>(TARGET_SQL)).rows[0]!;
  const to = clock.now();
  return {
    target: {
      serverTime: row.t,
      how: "SELECT clock_timestamp() on the source server",
      from,
      to,
      clientTimeAt: clock.toIso((from + to) / 2),
    },
    segment: row.segment,
  };
}

/** Closes the current WAL segment so the archiver takes it; returns the segment closed. */
export async function switchWal(client: pg.Client): Promise<string> {
  const row = (await client.query<{ segment: string }>("SELECT pg_walfile_name(pg_switch_wal()) AS segment")).rows[0]!;
  return row.segment;
}

/**
 * Waits until the archiver reports `segment` (or a later one) archived. A failing `archive_command` is our error
 * (the source is set up by dr-drill), thrown with the archiver's own figures.
 */
export async function waitArchived(client: pg.Client, segment: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = (
      await client.query<{ archived: string | null; failed: string | null; failures: string }>(
        "SELECT last_archived_wal AS archived, last_failed_wal AS failed, failed_count::text AS failures FROM pg_stat_archiver",
      )
    ).rows[0]!;
    if (row.archived !== null && row.archived.slice(0, 24) >= segment) return;
    if (Date.now() > deadline)
      throw new Error(
        `WAL segment ${segment} not archived within ${timeoutMs / 1000} s (last archived ${row.archived ?? "none"}, ${row.failures} failure(s), last failed ${row.failed ?? "none"})`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The settings a recovery to T adds to the restored data directory, beside `recovery.signal`: fetch segments from the
 * archive, stop at T, and promote there. `hot_standby = off` keeps clients out until the promotion, so "ready" means
 * recovered and writable, never a read-only server still replaying.
 */
export function recoverySettings(archiveDir: string, serverTime: string): string {
  return [
    `restore_command = 'cp ${archiveDir}/%f "%p"'`,
    // The server's time input takes the ISO form with a numeric offset, not a trailing `Z`.
    `recovery_target_time = '${serverTime.replace("T", " ").replace(/Z$/, "+00")}'`,
    "recovery_target_action = 'promote'",
    "hot_standby = off",
  ].join("\n");
}

/** What the server logs about where its recovery stopped and what it did then, in its own words. */
export const RECOVERY_STOP_LINES =
  /recovery stopping (before|after) .*|last completed transaction was at log time .*|archive recovery complete|selected new timeline ID: \d+|redo done at .*/g;

/** The segment's position in the WAL (16 MB segments): consecutive segments have consecutive numbers. */
export function segmentNumber(name: string): number {
  return parseInt(name.slice(8, 16), 16) * 0x100 + parseInt(name.slice(16, 24), 16);
}

/**
 * The segments missing from `[first, last]` (by number, timeline of `last`) among `present`: an archive must hold
 * every segment from the base backup's start to the one T lies in, or recovery stops short.
 */
export function missingSegments(present: string[], first: string, last: string): string[] {
  const have = new Set(present.map(segmentNumber));
  const missing: string[] = [];
  for (let n = segmentNumber(first); n <= segmentNumber(last); n++)
    if (!have.has(n))
      missing.push(
        last.slice(0, 8) +
          Math.floor(n / 0x100)
            .toString(16)
            .toUpperCase()
            .padStart(8, "0") +
          (n % 0x100).toString(16).toUpperCase().padStart(8, "0"),
      );
  return missing;
}
