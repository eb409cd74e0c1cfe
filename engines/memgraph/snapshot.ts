/**
 * What `CREATE SNAPSHOT` answers while another snapshot is being taken (a periodic one, the snapshot on exit):
 * `CreateSnapshotError::AlreadyRunning` → "Another snapshot creation is already in progress." (src/query/interpreter.cpp,
 * `PrepareCreateSnapshotQuery`, v3.3.0 to v3.7.2). Before v3.3.0 (v2.19.0, v2.22.1, v3.0.0) the query waits on the
 * storage's snapshot lock instead and never answers this.
 */
export const SNAPSHOT_ALREADY_RUNNING = /Another snapshot creation is already in progress/;

/**
 * `CREATE SNAPSHOT`, asked again while Memgraph says another one is in progress (the drill's nodes take periodic
 * snapshots only every 7 days, but a restore's snapshot on exit or a slow periodic one can still be running). Any
 * other error is thrown at once; after `attempts` collisions the last one is thrown.
 */
export async function createSnapshot(
  query: (cypher: string) => Promise<unknown>,
  opts: { attempts: number; delayMs: number } = { attempts: 30, delayMs: 1_000 },
): Promise<{ tries: number }> {
  for (let tries = 1; ; tries++) {
    try {
      await query("CREATE SNAPSHOT");
      return { tries };
    } catch (err) {
      if (!(err instanceof Error) || !SNAPSHOT_ALREADY_RUNNING.test(err.message) || tries >= opts.attempts) throw err;
      await new Promise((r) => setTimeout(r, opts.delayMs));
    }
  }
}
