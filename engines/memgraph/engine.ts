import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type {
  BackupArtifact,
  DatasetSpec,
  DrillRuntime,
  Engine,
  RestoreHooks,
  RestoreResult,
} from "../../harness/engine.ts";
import type { RecordModel } from "../../harness/checkers/ledger-oracle.ts";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { createVolume, removeVolume } from "../../harness/runtime/resources.ts";
import { restoreVolume, type RestoreVolume } from "../../harness/runtime/restore-volume.ts";
import { copyUnderSpecialMode } from "../../harness/special-mode.ts";
import { GraphWorkload, type GraphOp } from "../../protocols/bolt/model.ts";
import { startOrRefusal } from "../../harness/runtime/start-or-refusal.ts";
import { MG_DATA, MG_OWNER, MG_SNAPSHOT_INTERVAL_SEC, MemgraphContainer } from "./container.ts";
import { cypherlOf, splitCypherScript } from "./dump-replay.ts";
import { durabilityCheck, durabilityFiles, storageModeCheck } from "./durability.ts";
import { LOCKED, UNLOCKED, lockStatus, restoreInPlace } from "./in-place.ts";
import { MemgraphNode } from "./node.ts";
import { createSnapshot } from "./snapshot.ts";
import { memgraphImageSpec } from "./versions.ts";

/**
 * - `snapshot`: the guide's backup; restored into a fresh data directory before the server's first start;
 * - `snapshot-in-place`: the same backup, restored as the guide says: into a running server, `LOCK DATA DIRECTORY`,
 *   the files copied in, `UNLOCK DATA DIRECTORY`, then a restart (the server reads them only when it starts);
 * - `dump`: `DUMP DATABASE`, replayed into a fresh server.
 */
export type MemgraphBackupMethod = "snapshot" | "snapshot-in-place" | "dump";

export const isSnapshotMethod = (m: MemgraphBackupMethod): boolean => m !== "dump";

export interface MemgraphArtifact extends BackupArtifact {
  method: MemgraphBackupMethod;
  sourceVersion: string;
  /** `SHOW STORAGE INFO` of the source as it was backed up. */
  storageInfo: { name: string; value: string }[];
}

export interface MemgraphEngineOptions {
  /** `--storage-mode` of the source (IN_MEMORY_ANALYTICAL writes no WAL: a finding the drill reports). */
  storageMode?: "IN_MEMORY_TRANSACTIONAL" | "IN_MEMORY_ANALYTICAL";
  /**
   * `snapshot-in-place`: the restored server's `--storage-snapshot-on-exit`. Off by default: on, the restart's clean
   * stop writes a snapshot of the still-empty server, newer by name than the copied ones, and recovery takes the
   * newest (see IN_PLACE_EXIT_SNAPSHOT in scenarios.ts).
   */
  inPlaceSnapshotOnExit?: boolean;
}

const STAGING = "/tmp/dr-drill-backup";
const DUMP_FILE = "dump.cypherl";

/** The server exited before it was ready: its refusal, in its last log line. */
export function serverExited(exit: { exitCode: number; logTail: string }): string {
  return `server exited with code ${exit.exitCode}: ${exit.logTail.split("\n").at(-1)}`;
}

/**
 * Memgraph, backed up as its guide says (docs/engines/memgraph.md, "The vendor's backup guide"):
 * - `snapshot`: `CREATE SNAPSHOT;` → `LOCK DATA DIRECTORY;` → copy `snapshots/` and `wal/` → `UNLOCK DATA DIRECTORY;`
 *   (always, even when the copy fails). The lock only postpones deletions: writes go on and the WAL grows while the
 *   copy runs, so the copy's end is the end of the backup window. Restored by putting both directories into a fresh
 *   data directory and starting with `--data-recovery-on-startup=true`, after the preflight read every file's header.
 * - `snapshot-in-place`: the same backup, restored into a running server under `LOCK DATA DIRECTORY` (restoreInPlace).
 * - `dump`: `DUMP DATABASE;` (one Cypher query per row), replayed query by query into a fresh node.
 * Result columns as Memgraph's src/query/interpreter.cpp names them (v2.19.0 and v3.7.2): `QUERY` for the dump,
 * `storage info` / `value` (with a `storage_mode` row) for SHOW STORAGE INFO; flags in container.ts.
 */
export class MemgraphEngine implements Engine<GraphOp, MemgraphNode, MemgraphArtifact> {
  readonly name = "memgraph";
  readonly backupMode = "online";
  /** Snapshot plus WAL recover to the last complete transaction; a dump reads one transaction's snapshot. */
  readonly records: RecordModel = { consistency: "point-in-time" };

  constructor(
    readonly version: string,
    readonly backupMethod: MemgraphBackupMethod,
    readonly options: MemgraphEngineOptions = {},
  ) {
    memgraphImageSpec(version); // fails early, naming the known versions
  }

  private container(image: ResolvedImage, volume: string, rt: DrillRuntime): MemgraphContainer {
    return new MemgraphContainer(image)
      .withLabels(rt.labels)
      .withVolume(volume)
      .withStorageMode(this.options.storageMode ?? "IN_MEMORY_TRANSACTIONAL");
  }

  async provision(rt: DrillRuntime): Promise<MemgraphNode> {
    const image = await rt.images.resolve(memgraphImageSpec(this.version));
    const volume = await createVolume(`${rt.drillId}-source`, rt.labels);
    return new MemgraphNode(await this.container(image, volume, rt).start(), volume);
  }

  async backup(node: MemgraphNode, dir: string, rt: DrillRuntime): Promise<MemgraphArtifact> {
    const storageInfo = (await node.query("SHOW STORAGE INFO")).map((r) => ({
      name: String(r["storage info"]),
      value: String(r.value),
    }));
    const base = { dir, method: this.backupMethod, sourceVersion: this.version, storageInfo };
    if (this.backupMethod === "dump") {
      const queries = (await node.query("DUMP DATABASE")).map((r) => String(r.QUERY));
      const finishedAt = rt.clock.now();
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, DUMP_FILE), cypherlOf(queries));
      return { ...base, tool: `DUMP DATABASE (Memgraph ${this.version})`, finishedAt };
    }
    const copy = `rm -rf ${STAGING} && mkdir -p ${STAGING} && cp -a ${MG_DATA}/snapshots ${STAGING}/ && if [ -d ${MG_DATA}/wal ]; then cp -a ${MG_DATA}/wal ${STAGING}/; fi`;
    const { value: finishedAt, specialModeMs } = await copyUnderSpecialMode(
      {
        enterName: "CREATE SNAPSHOT; LOCK DATA DIRECTORY",
        leaveName: "UNLOCK DATA DIRECTORY",
        enter: async () => {
          const { tries } = await createSnapshot((q) => node.query(q));
          if (tries > 1) rt.log(`  CREATE SNAPSHOT: another snapshot was in progress; taken at try ${tries}`);
          lockStatus(await node.query("LOCK DATA DIRECTORY"), LOCKED, "LOCK DATA DIRECTORY");
        },
        copy: async () => {
          await node.mg.execOrThrow(["sh", "-c", copy]);
          return rt.clock.now();
        },
        leave: async () =>
          void lockStatus(await node.query("UNLOCK DATA DIRECTORY"), UNLOCKED, "UNLOCK DATA DIRECTORY"),
      },
      rt.clock,
    );
    try {
      await node.mg.copyDirectoryOut(STAGING, dir);
    } finally {
      await node.mg.execOrThrow(["rm", "-rf", STAGING]).catch(() => undefined);
    }
    return {
      ...base,
      // The flags that make the promise exact: the WAL fsynced at every commit, no periodic snapshot of the server's own.
      tool: `CREATE SNAPSHOT + LOCK DATA DIRECTORY + cp -a snapshots wal (Memgraph ${this.version}, --storage-wal-file-flush-every-n-tx=1, --storage-snapshot-interval-sec=${MG_SNAPSHOT_INTERVAL_SEC})`,
      finishedAt,
      specialModeMs,
    };
  }

  async preflight(artifact: MemgraphArtifact): Promise<CheckResult[]> {
    const mode = storageModeCheck(artifact.storageInfo);
    if (isSnapshotMethod(artifact.method))
      return [durabilityCheck(await durabilityFiles(artifact.dir), this.version), mode];
    const statements = splitCypherScript(await readFile(join(artifact.dir, DUMP_FILE), "utf8"));
    return [
      { name: "preflight:dump", valid: statements.length > 0, summary: `${DUMP_FILE}: ${statements.length} queries` },
      mode,
    ];
  }

  /**
   * Restores whatever the preflight said: its verdict is a failed check of ours, never an attempt the server refused,
   * so what the server then does with the files (start empty, refuse, recover) is seen and judged as its own.
   */
  async restore(
    artifact: MemgraphArtifact,
    rt: DrillRuntime,
    hooks: RestoreHooks,
  ): Promise<RestoreResult<MemgraphNode>> {
    const started = Date.now();
    const image = await rt.images.resolve(memgraphImageSpec(this.version));
    const volume = await createVolume(`${rt.drillId}-restored`, rt.labels);
    if (artifact.method === "snapshot-in-place")
      return restoreInPlace({
        // Off unless a scenario asks: see MemgraphEngineOptions.inPlaceSnapshotOnExit.
        start: () =>
          this.container(image, volume, rt)
            .withSnapshotOnExit(this.options.inPlaceSnapshotOnExit ?? false)
            .start(),
        volume,
        backupDir: artifact.dir,
        afterCopyIn: async () => hooks.afterCopyIn?.(memgraphFiles(image, volume, rt)),
        words: serverExited,
        log: rt.log,
      });
    if (artifact.method === "snapshot") {
      const files = memgraphFiles(image, volume, rt);
      await files.copyIn(artifact.dir);
      await hooks.afterCopyIn?.(files);
    }
    const start = await startOrRefusal(() => this.container(image, volume, rt).start(), serverExited, {
      startedAt: started,
    }).catch((err: unknown) => ({ err }));
    if (!("started" in start)) {
      await removeVolume(volume).catch(() => undefined);
      if ("err" in start) throw start.err;
      return { attempts: [start.refused], toolErrors: [] };
    }
    const node = new MemgraphNode(start.started, volume);
    const toolErrors = artifact.method === "dump" ? await this.replay(node, artifact.dir) : [];
    const summary = toolErrors.length ? `server up, but ${toolErrors[0]}` : `server up on ${image.ref}`;
    // The server came up (ok): a failed replay is a tool error on a node that serves, never a refusal to start.
    return { node, attempts: [{ ok: true, summary, durationMs: Date.now() - started }], toolErrors };
  }

  /** Replays the dump query by query, stopping at the first error (which is the restore's tool error). */
  private async replay(node: MemgraphNode, dir: string): Promise<string[]> {
    const statements = splitCypherScript(await readFile(join(dir, DUMP_FILE), "utf8"));
    for (const [i, statement] of statements.entries()) {
      try {
        await node.query(statement);
      } catch (err) {
        return [
          `dump replay failed at query ${i + 1} of ${statements.length}: ${(err as Error).message.split("\n")[0]}`,
        ];
      }
    }
    return [];
  }

  workload(dataset: DatasetSpec): GraphWorkload {
    return new GraphWorkload(dataset.seed, dataset.rows);
  }

  invariants(node: MemgraphNode): Promise<CheckResult[]> {
    return node.invariants();
  }
}

/** The restore volume's files, owned by the image's memgraph user by name (MG_OWNER). */
export function memgraphFiles(image: ResolvedImage, volume: string, rt: Pick<DrillRuntime, "labels">): RestoreVolume {
  return restoreVolume({ image, volume, mountPath: MG_DATA, labels: rt.labels, ...MG_OWNER });
}
