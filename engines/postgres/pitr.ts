import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type {
  BackupArtifact,
  DatasetSpec,
  DrillRuntime,
  Engine,
  RestoreAttempt,
  RestoreHooks,
  RestoreResult,
} from "../../harness/engine.ts";
import type { RecordModel } from "../../harness/checkers/ledger-oracle.ts";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { RecoveryTarget } from "../../harness/checkers/recovery-target.ts";
import { createVolume, removeVolume } from "../../harness/runtime/resources.ts";
import { restoreVolume } from "../../harness/runtime/restore-volume.ts";
import { withToolbox } from "../../harness/runtime/toolbox.ts";
import { startOrRefusal } from "../../harness/runtime/start-or-refusal.ts";
import { PGDATA, PG_BACKUPS, PG_UID, PostgresContainer } from "../../protocols/pg/container.ts";
import { postgresImageSpec } from "../../protocols/pg/image.ts";
import {
  RECOVERY_STOP_LINES,
  WAL_SEGMENT,
  missingSegments,
  readRecoveryTarget,
  recoverySettings,
  switchWal,
  waitArchived,
} from "../../protocols/pg/pitr.ts";
import { socketArgs } from "../../protocols/pg/tools.ts";
import { CREDENTIALS, PostgresEngine, serverExited } from "./engine.ts";
import type { PgOp, PostgresWorkload } from "./model.ts";
import { PostgresNode } from "./node.ts";

/** Where the source archives its WAL, and the base backup, inside its backup volume; the artifact's two parts. */
const ARCHIVE = "wal-archive";
const BASE = "base";

/**
 * The source's WAL archive, with the manual's `archive_command`, made atomic (copy, then rename) so a segment copied
 * out while the archiver writes it is never half a file.
 */
const ARCHIVE_SETTINGS = {
  archive_mode: "on",
  archive_command: `test ! -f ${PG_BACKUPS}/${ARCHIVE}/%f && cp %p ${PG_BACKUPS}/${ARCHIVE}/%f.part && mv ${PG_BACKUPS}/${ARCHIVE}/%f.part ${PG_BACKUPS}/${ARCHIVE}/%f`,
};

export interface PitrArtifact extends BackupArtifact {
  recoveryTarget: RecoveryTarget;
  /** The WAL segment being written when T was read: the archive must reach it. */
  targetSegment: string;
  /** Major version of the server that made the backup. */
  sourceMajor: string;
}

export interface PitrOptions {
  /** Read T before the base backup starts (a target the backup cannot reach back to), not during the load after it. */
  targetBeforeBackup?: boolean;
  /** The load goes on this long between the backup's end, a WAL switch, T, and the last switch. */
  settleMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * PostgreSQL's point-in-time recovery with its own WAL archive (`archive_mode = on`, `archive_command`): a base
 * backup (`pg_basebackup`), the load going on, T read from the server's clock during the load, then the base backup
 * restored with `restore_command`, `recovery_target_time = T` and `recovery_target_action = promote`. The oracle
 * judges the cut at T (harness/checkers/recovery-target.ts). The data model, workload and invariants are the
 * physical method's.
 */
export class PostgresPitrEngine implements Engine<PgOp, PostgresNode, PitrArtifact> {
  readonly name = "postgres";
  readonly backupMethod = "physical";
  readonly backupMode = "online";
  readonly records: RecordModel = { consistency: "point-in-time" };
  private readonly physical: PostgresEngine;

  constructor(
    readonly version: string,
    private readonly options: PitrOptions = {},
  ) {
    this.physical = new PostgresEngine(version, "physical");
  }

  async provision(rt: DrillRuntime): Promise<PostgresNode> {
    const node = await this.physical.provision(rt, ARCHIVE_SETTINGS);
    await node.pg.rootOrThrow(["install", "-d", "-o", "postgres", "-g", "postgres", `${PG_BACKUPS}/${ARCHIVE}`]);
    return node;
  }

  /**
   * The base backup, then, with the writers still writing: a WAL switch (so the segment T lies in starts after the
   * backup, and an archive cut there stops seconds before T), T read from the server, writes after T, a last switch
   * and the wait until the archiver has it. The artifact holds `base/` and `wal-archive/`.
   */
  async backup(node: PostgresNode, dir: string, rt: DrillRuntime): Promise<PitrArtifact> {
    const settle = this.options.settleMs ?? 1_000;
    const client = await node.pg.client();
    try {
      const early = this.options.targetBeforeBackup ? await readRecoveryTarget(client, rt.clock) : undefined;
      await node.pg.toolOrThrow(["rm", "-rf", `${PG_BACKUPS}/${BASE}`]);
      const tool = (await node.pg.toolOrThrow(["pg_basebackup", "--version"])).trim();
      await node.pg.toolOrThrow([
        "pg_basebackup",
        ...socketArgs(CREDENTIALS.user),
        ...["-D", `${PG_BACKUPS}/${BASE}`, "-Fp", "-X", "stream", "-c", "fast"],
      ]);
      const finishedAt = rt.clock.now();
      await sleep(settle);
      await switchWal(client);
      await sleep(settle);
      const { target, segment } = early ?? (await readRecoveryTarget(client, rt.clock));
      rt.log(`  recovery target T = ${target.serverTime} (server clock), WAL segment ${segment}`);
      await sleep(settle);
      await waitArchived(client, await switchWal(client));
      if (!node.backupVolume) throw new Error("this PostgreSQL node was started without a backup volume");
      const volumes = [{ name: node.backupVolume, path: PG_BACKUPS, readOnly: true }];
      const via = await withToolbox(
        { image: node.pg.image.ref, labels: rt.labels, volumes, host: { dir, direction: "out" } },
        async (box) => {
          await box.copyOut(PG_BACKUPS);
          return box.how;
        },
      );
      return {
        dir,
        method: "physical",
        tool: `${tool} with archive_command (WAL archive), ${via}`,
        finishedAt,
        recoveryTarget: target,
        targetSegment: segment,
        sourceMajor: (await node.pg.toolOrThrow(["cat", `${node.dataDirectory}/PG_VERSION`])).trim(),
      };
    } finally {
      await client.end();
    }
  }

  /**
   * The physical method's checks on `base/` (version, backup_label, pg_verifybackup), and the archive: every segment
   * from the one the base backup starts in to the one T lies in.
   */
  async preflight(artifact: PitrArtifact, rt: DrillRuntime): Promise<CheckResult[]> {
    const base = join(artifact.dir, BASE);
    const checks = await this.physical.preflight(
      {
        ...artifact,
        dir: base,
        method: "physical",
        sourceMajor: artifact.sourceMajor,
        relationFiles: {},
      },
      rt,
    );
    const label = await readFile(join(base, "backup_label"), "utf8").catch(() => "");
    const start = /START WAL LOCATION: .*\(file ([0-9A-F]{24})\)/.exec(label)?.[1];
    const segments = (await readdir(join(artifact.dir, ARCHIVE))).filter((f) => WAL_SEGMENT.test(f)).sort();
    const missing = start ? missingSegments(segments, start, artifact.targetSegment) : [];
    checks.push({
      name: "preflight:wal-archive",
      valid: start === undefined ? "unknown" : missing.length === 0,
      summary:
        start === undefined
          ? "backup_label names no start segment: the archive's reach cannot be checked"
          : missing.length === 0
            ? `the archive holds ${segments.length} segment(s), every one from ${start} (the base backup's start) to ${artifact.targetSegment} (T's)`
            : `the archive lacks ${missing.length} segment(s) between the base backup's start ${start} and T's ${artifact.targetSegment}: ${missing.slice(0, 3).join(", ")}; it ends at ${segments.at(-1) ?? "nothing"}`,
    });
    return checks;
  }

  /**
   * The documented recovery: `base/` into an empty PGDATA, the archive on a volume of its own, the recovery settings
   * and `recovery.signal`, then the start; the server replays up to T and promotes. A fault's fix between attempts
   * (recovering to the end of the archive instead) makes the restore one with errors: the target was not honoured.
   */
  async restore(artifact: PitrArtifact, rt: DrillRuntime, hooks: RestoreHooks): Promise<RestoreResult<PostgresNode>> {
    const image = await rt.images.resolve(postgresImageSpec(this.version));
    const dataVolume = await createVolume(`${rt.drillId}-restored`, rt.labels);
    const archiveVolume = await createVolume(`${rt.drillId}-archive`, rt.labels);
    const removeVolumes = () =>
      Promise.all([removeVolume(dataVolume), removeVolume(archiveVolume)]).catch(() => undefined);
    const labels = rt.labels;
    const data = restoreVolume({ image, volume: dataVolume, mountPath: PGDATA, uid: PG_UID, labels });
    const attempts: RestoreAttempt[] = [];
    try {
      await data.copyIn(join(artifact.dir, BASE));
      await restoreVolume({ image, volume: archiveVolume, mountPath: PG_BACKUPS, uid: PG_UID, labels }).copyIn(
        join(artifact.dir, ARCHIVE),
      );
      const settings = recoverySettings(PG_BACKUPS, artifact.recoveryTarget.serverTime);
      await data.sh(
        `cat >> ${PGDATA}/postgresql.conf <<'EOF'\n${settings}\nEOF\ntouch ${PGDATA}/recovery.signal && chown ${PG_UID}:${PG_UID} ${PGDATA}/recovery.signal`,
      );
      await hooks.afterCopyIn?.(data);
      let before: string | undefined;
      for (let n = 1; n <= (hooks.beforeRetry ? 2 : 1); n++) {
        const startedAt = Date.now();
        const start = await startOrRefusal(
          () =>
            new PostgresContainer(image, CREDENTIALS)
              .withLabels(labels)
              .withVolume(dataVolume)
              .withBackupVolume(archiveVolume)
              .start(),
          serverExited,
          { startedAt },
        );
        if ("refused" in start) {
          attempts.push({ ...start.refused, ...(before ? { before } : {}) });
          rt.log(`  restore attempt ${n} failed: ${start.refused.summary}`);
          before = hooks.beforeRetry && (await hooks.beforeRetry(data, start.refused));
          if (!before) break;
          rt.log(`  before attempt ${n + 1}: ${before}`);
          continue;
        }
        const node = new PostgresNode(start.started, dataVolume, () => undefined, archiveVolume);
        const observed = [...(await start.started.log()).matchAll(RECOVERY_STOP_LINES)].map((m) => m[0].trim());
        const stop = observed.find((l) => l.startsWith("recovery stopping")) ?? "no stop at a target logged";
        attempts.push({
          ok: true,
          summary: `server up on ${image.ref}, promoted after recovery: ${stop}`,
          durationMs: Date.now() - startedAt,
          observed,
          ...(before ? { before } : {}),
        });
        // A node that came up only after a fix did not recover to T as asked: the restore reports it.
        const toolErrors = attempts.filter((a) => !a.ok).map((a) => `recovery to T refused: ${a.summary}`);
        return { node, attempts, toolErrors };
      }
    } catch (err) {
      await removeVolumes();
      throw err;
    }
    await removeVolumes();
    return { attempts, toolErrors: [] };
  }

  workload(dataset: DatasetSpec): PostgresWorkload {
    return this.physical.workload(dataset);
  }

  invariants(node: PostgresNode): Promise<CheckResult[]> {
    return this.physical.invariants(node);
  }
}
