import type { RestoreResult } from "../../harness/engine.ts";
import { removeVolume } from "../../harness/runtime/resources.ts";
import { startOrRefusal, type RefusalWords } from "../../harness/runtime/start-or-refusal.ts";
import { MG_DATA, MG_OWNER, type StartedMemgraph } from "./container.ts";
import { MemgraphNode } from "./node.ts";

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
 * `PrepareLockPathQuery`, v2.19.0, v2.22.1, v3.0.0, v3.7.2; the queries exist from v2.0.0): the lock only keeps Memgraph from deleting files
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

/**
 * The guide's restore (docs/engines/memgraph.md, `snapshot-in-place`): a fresh server started on `volume`,
 * `LOCK DATA DIRECTORY`, the backup's files copied into its data directory, `UNLOCK DATA DIRECTORY` (always), a clean
 * stop and a start on the same volume. Either start may be refused (the server exits): that is the attempt's outcome.
 */
export async function restoreInPlace(opts: {
  start: () => Promise<StartedMemgraph>;
  volume: string;
  backupDir: string;
  /** The restore hooks' step between the copy and the restart. */
  afterCopyIn: () => Promise<void>;
  words: RefusalWords;
  log: (line: string) => void;
}): Promise<RestoreResult<MemgraphNode>> {
  const startedAt = Date.now();
  try {
    const first = await startOrRefusal(opts.start, opts.words, { startedAt });
    if ("refused" in first) {
      await removeVolume(opts.volume).catch(() => undefined);
      return { attempts: [first.refused], toolErrors: [] };
    }
    const target = new MemgraphNode(first.started, opts.volume);
    const exitCode = await copyInUnderLock(target, opts.backupDir).catch(async (err: unknown) => {
      await target.destroy().catch(() => undefined);
      throw err;
    });
    opts.log(
      `  in-place restore: copied under LOCK DATA DIRECTORY; the server stopped cleanly (exit code ${exitCode})`,
    );
    await opts.afterCopyIn();
    const again = await startOrRefusal(opts.start, opts.words, { startedAt });
    if ("refused" in again) {
      await removeVolume(opts.volume).catch(() => undefined);
      return { attempts: [again.refused], toolErrors: [] };
    }
    const summary = `LOCK DATA DIRECTORY, files copied in, UNLOCK DATA DIRECTORY, clean stop (exit code ${exitCode}), server up again on ${again.started.image.ref}`;
    return {
      node: new MemgraphNode(again.started, opts.volume),
      attempts: [{ ok: true, summary, durationMs: Date.now() - startedAt }],
      toolErrors: [],
    };
  } catch (err) {
    await removeVolume(opts.volume).catch(() => undefined);
    throw err;
  }
}

/** Lock, copy the backup in, unlock (always); then a clean stop. The server's exit code. */
async function copyInUnderLock(target: MemgraphNode, backupDir: string): Promise<number> {
  await target.mg.copyDirectoriesToContainer([{ source: backupDir, target: IN_PLACE_STAGING }]);
  lockStatus(await target.query("LOCK DATA DIRECTORY"), LOCKED, "LOCK DATA DIRECTORY");
  try {
    await target.mg.execOrThrow(["sh", "-c", inPlaceCopyScript()], "root");
  } finally {
    lockStatus(await target.query("UNLOCK DATA DIRECTORY"), UNLOCKED, "UNLOCK DATA DIRECTORY");
  }
  return target.stopServer();
}
