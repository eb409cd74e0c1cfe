import { MG_DATA, MG_OWNER } from "./container.ts";

/** Where the backup's files are staged in the running target before they are copied in under the lock. */
export const IN_PLACE_STAGING = "/tmp/dr-drill-restore";

/**
 * The copy the guide's restore makes under `LOCK DATA DIRECTORY`, run as root in the running target: `snapshots/` and
 * (when backed up) `wal/` into the server's own directories, which a started server has (`EnsureDirOrDie` in
 * InMemoryStorage's constructor, src/storage/v2/inmemory/storage.cpp, v2.19.0 to v3.7.2), then chowned by name to the
 * image's memgraph user (MG_OWNER), since the staged files arrive owned by whoever sent them.
 */
export function inPlaceCopyScript(): string {
  const copy = (dir: string) => `cp -R ${IN_PLACE_STAGING}/${dir}/. ${MG_DATA}/${dir}/`;
  return [
    copy("snapshots"),
    `if [ -d ${IN_PLACE_STAGING}/wal ]; then ${copy("wal")}; fi`,
    `chown -R ${MG_OWNER.owner} ${MG_DATA}/snapshots ${MG_DATA}/wal`,
  ].join(" && ");
}

/**
 * What `LOCK DATA DIRECTORY` / `UNLOCK DATA DIRECTORY` answer in their `STATUS` column (src/query/interpreter.cpp,
 * `PrepareLockPathQuery`, v2.19.0 to v3.7.2): the lock only keeps Memgraph from deleting files
 * (`InMemoryStorage::LockPath`, the file retainer); it does not stop writes, and the server reads snapshots and WAL
 * only when it starts, so the restore ends with a restart.
 */
export const LOCKED = /^Data directory is (now|already) locked\.$/;
export const UNLOCKED = /^Data directory is (now|already) unlocked\.$/;

/** The `STATUS` a lock query returned, checked against what Memgraph says on success; throws with what it said. */
export function lockStatus(rows: Record<string, unknown>[], expected: RegExp, query: string): string {
  const status = String(rows[0]?.STATUS ?? "");
  if (!expected.test(status)) throw new Error(`${query} answered "${status || "nothing"}"`);
  return status;
}
