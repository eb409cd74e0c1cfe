import { randomBytes } from "node:crypto";
import type {
  DatasetSpec,
  DrillRuntime,
  Engine,
  RestoreAttempt,
  RestoreHooks,
  RestoreResult,
} from "../../harness/engine.ts";
import type { RecordModel } from "../../harness/checkers/ledger-oracle.ts";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { createVolume, removeVolume } from "../../harness/runtime/resources.ts";
import { restoreVolume } from "../../harness/runtime/restore-volume.ts";
import { registerSecret } from "../../harness/secrets.ts";
import { copyUnderSpecialMode } from "../../harness/special-mode.ts";
import { startOrRefusal } from "../../harness/runtime/start-or-refusal.ts";
import { engineErrors } from "../../protocols/pg/errors.ts";
import { QDB_TABLES, QuestDbWorkload, type QdbOp } from "./model.ts";
import { QDB_ROOT, QDB_UID, QuestDbContainer, type QdbCredentials } from "./container.ts";
import { cpAll, type CopyTool } from "./copy-tools.ts";
import { QuestDbNode } from "./node.ts";
import type { QuestDbArtifact } from "./artifact.ts";
import { preflightChecks } from "./preflight.ts";
import { copyTablesOneByOne } from "./torn-copy.ts";
import { failedAttempt, serverExited, startedAttempt } from "./recovery.ts";
import { questdbImageSpec, questdbVersion } from "./versions.ts";
import { scalar, walState } from "./wire.ts";
import { questDbDeepVerify, questDbFileKind } from "./deep-verify.ts";
import type { StateSummary } from "../../harness/checkers/equivalence.ts";

export interface QuestDbEngineOptions {
  copyTool?: CopyTool;
  /** Server properties of the restored node (e.g. `cairo.checkpoint.recovery.enabled`). */
  restoreProperties?: Record<string, string>;
  /** Create the `_restore` trigger (the documented restore); false restores the raw copy as it is. Default true. */
  restoreTrigger?: boolean;
  /** Attempts at most, retries included; by default 2 when a fault can fix a failed attempt, else 1. */
  maxRestoreAttempts?: number;
  /** Not QuestDB's procedure: no checkpoint, the tables copied one by one this many ms apart (`torn-copy.ts`). */
  tablesOneByOneGapMs?: number;
}

/** One password per process, set through QDB_PG_PASSWORD like any QDB_* property. */
const CREDENTIALS: QdbCredentials = { user: "admin", password: randomBytes(12).toString("hex") };
registerSecret(CREDENTIALS.password);

/**
 * QuestDB, backed up as its docs say (docs/engines/questdb.md, "The vendor's backup guide"): `CHECKPOINT CREATE` → copy
 * the whole root, `.checkpoint` included → `CHECKPOINT RELEASE`, always, even when the copy fails. Restored by putting
 * the root into an empty volume, creating the empty `_restore` trigger file and starting the server, which then rolls
 * every table back to the checkpoint and removes `_restore`; when the recovery fails it exits and leaves `_restore` for
 * the retry. The recovery point is the moment `CHECKPOINT CREATE` returned: writes invoked later are dropped by the
 * restore.
 */
export class QuestDbEngine implements Engine<QdbOp, QuestDbNode, QuestDbArtifact> {
  readonly name = "questdb";
  readonly backupMethod = "checkpoint";
  readonly backupMode = "online";
  /**
   * One point in time across tables, to within the time CHECKPOINT CREATE took: it records each table's transaction
   * in turn ("creating table checkpoint [table=…]", DatabaseCheckpointAgent), so each table is fixed at an instant of
   * its own inside the CREATE call. A drill under load showed it (`events` held a write invoked 0.9 ms after a
   * `ticks` write was acknowledged that was missing), so every artifact carries that span as the cut's tolerance.
   */
  readonly records: RecordModel = { consistency: "point-in-time" };

  constructor(
    readonly version: string,
    readonly options: QuestDbEngineOptions = {},
  ) {
    questdbVersion(version); // fails early, naming the known versions
  }

  private container(
    image: ResolvedImage,
    volume: string,
    rt: DrillRuntime,
    properties: Record<string, string> = {},
  ): QuestDbContainer {
    let builder = new QuestDbContainer(image, CREDENTIALS).withLabels(rt.labels).withVolume(volume);
    for (const [k, v] of Object.entries(properties)) builder = builder.withProperty(k, v);
    return builder;
  }

  async provision(rt: DrillRuntime): Promise<QuestDbNode> {
    const image = await rt.images.resolve(questdbImageSpec(this.version));
    const volume = await createVolume(`${rt.drillId}-source`, rt.labels);
    return new QuestDbNode(await this.container(image, volume, rt).start(), volume);
  }

  async backup(node: QuestDbNode, dir: string, rt: DrillRuntime): Promise<QuestDbArtifact> {
    const { checkpointSql } = questdbVersion(this.version);
    if (this.options.tablesOneByOneGapMs !== undefined) {
      const { tables, via } = await copyTablesOneByOne(node, dir, rt, this.options.tablesOneByOneGapMs);
      const tool = `tables copied one by one, ${this.options.tablesOneByOneGapMs} ms apart, server frozen for each (no checkpoint): ${tables.length} table directories, ${via}`;
      return {
        dir,
        method: this.backupMethod,
        tool,
        finishedAt: rt.clock.now(),
        sourceVersion: this.version,
        sourceBuild: "",
        checkpointSql,
        vanishedDuringCopy: 0,
        procedure: "tables-one-by-one",
      };
    }
    const [enter, leave] =
      checkpointSql === "checkpoint"
        ? ["CHECKPOINT CREATE", "CHECKPOINT RELEASE"]
        : ["SNAPSHOT PREPARE", "SNAPSHOT COMPLETE"];
    const copyTool = this.options.copyTool ?? cpAll;
    const client = await node.qdb.client();
    try {
      const sourceBuild = await scalar(client, "SELECT build()");
      const { value, enteredAt, enterMs, specialModeMs } = await copyUnderSpecialMode(
        {
          enterName: enter,
          leaveName: leave,
          enter: async () => void (await client.query(enter)),
          copy: () =>
            copyTool
              .copy(node, dir, rt)
              .catch((err: Error) => Promise.reject(new Error(`${copyTool.name}: ${err.message}`))),
          leave: async () => void (await client.query(leave)),
          // A broken session must not skip the release: a fresh one is used.
          leaveAgain: async () => {
            const again = await node.qdb.client();
            await again.query(leave).finally(() => again.end().catch(() => undefined));
          },
        },
        rt.clock,
      );
      rt.log(
        `  ${enter} → copy (${copyTool.name}, ${value.via}) → ${leave}: ${specialModeMs.toFixed(0)} ms in checkpoint mode, ${value.vanished} file(s) vanished during the copy`,
      );
      return {
        dir,
        method: this.backupMethod,
        tool: `${enter}/${leave} + ${copyTool.name}, ${value.via} (${sourceBuild})`,
        finishedAt: enteredAt,
        specialModeMs,
        cutToleranceMs: enterMs,
        sourceVersion: this.version,
        sourceBuild,
        checkpointSql,
        vanishedDuringCopy: value.vanished,
        procedure: "checkpoint",
      };
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async preflight(artifact: QuestDbArtifact): Promise<CheckResult[]> {
    return preflightChecks(artifact, this.version);
  }

  /**
   * The documented restore, attempt by attempt: the root into an empty volume, the `_restore` trigger, the start.
   * Before each start the trigger is looked for; after a start, whether it is gone and what the server logged.
   */
  async restore(artifact: QuestDbArtifact, rt: DrillRuntime, hooks: RestoreHooks): Promise<RestoreResult<QuestDbNode>> {
    const image = await rt.images.resolve(questdbImageSpec(this.version));
    const volumeName = await createVolume(`${rt.drillId}-restored`, rt.labels);
    const volume = restoreVolume({ image, volume: volumeName, mountPath: QDB_ROOT, uid: QDB_UID, labels: rt.labels });
    const maxAttempts = this.options.maxRestoreAttempts ?? (hooks.beforeRetry ? 2 : 1);
    const attempts: RestoreAttempt[] = [];
    try {
      await volume.copyIn(artifact.dir);
      if (this.options.restoreTrigger ?? true)
        await volume.sh(`touch ${QDB_ROOT}/_restore && chown ${QDB_UID}:${QDB_UID} ${QDB_ROOT}/_restore`);
      await hooks.afterCopyIn?.(volume);
      let before: string | undefined;
      for (let n = 1; n <= maxAttempts; n++) {
        const triggerBefore = await volume.exists("_restore");
        const started = Date.now();
        const start = await startOrRefusal(
          () => this.container(image, volumeName, rt, this.options.restoreProperties).start(),
          serverExited,
          { startedAt: started },
        );
        if ("refused" in start) {
          const triggerAfter = await volume.exists("_restore").catch(() => undefined);
          const failed: RestoreAttempt = {
            ...start.refused,
            ...failedAttempt({ triggerBefore, triggerAfter, refusal: start.refused.summary }),
            ...(before ? { before } : {}),
          };
          attempts.push(failed);
          rt.log(`  restore attempt ${n} failed: ${failed.summary}`);
          if (n === maxAttempts || !hooks.beforeRetry) break;
          before = await hooks.beforeRetry(volume, failed);
          if (!before) break;
          rt.log(`  before attempt ${n + 1}: ${before}`);
          continue;
        }
        const qdb = start.started;
        const durationMs = Date.now() - started;
        const node = new QuestDbNode(qdb, volumeName);
        try {
          const triggerAfter = (await qdb.exec(["test", "-e", `${QDB_ROOT}/_restore`])).exitCode === 0;
          const { toolErrors, ...seen } = startedAttempt({ triggerBefore, triggerAfter, log: await qdb.log() });
          attempts.push({ ...seen, durationMs, ...(before ? { before } : {}) });
          rt.log(`  restore attempt ${n}: ${seen.summary}`);
          return { node, attempts, toolErrors };
        } catch (err) {
          await node.destroy().catch(() => undefined);
          throw err;
        }
      }
    } catch (err) {
      await removeVolume(volumeName).catch(() => undefined);
      throw err;
    }
    await removeVolume(volumeName).catch(() => undefined);
    return { attempts, toolErrors: [] };
  }

  workload(dataset: DatasetSpec): QuestDbWorkload {
    return new QuestDbWorkload(dataset.seed);
  }

  deepVerify(node: QuestDbNode, restored: StateSummary): Promise<CheckResult> {
    return questDbDeepVerify(node, restored);
  }

  fileKind(artifact: QuestDbArtifact, path: string): string {
    return questDbFileKind(artifact.dir, path);
  }

  async invariants(node: QuestDbNode): Promise<CheckResult[]> {
    const client = await node.qdb.client();
    return engineErrors(async () => {
      const wal = await walState(client);
      const suspended = wal.filter((w) => w.suspended);
      const partitions: string[] = [];
      for (const t of QDB_TABLES) {
        const rows = await client
          .query<{ n: string }>(`SELECT count() AS n FROM table_partitions('${t.name}')`)
          .catch(() => undefined);
        partitions.push(`${t.name}=${rows?.rows[0]?.n ?? "?"}`);
      }
      return [
        {
          name: "invariant:wal-healthy",
          valid: suspended.length === 0,
          summary:
            suspended.length === 0
              ? `every WAL table applies its WAL (${wal.map((w) => `${w.name} txn ${w.writerTxn}/${w.sequencerTxn}`).join(", ")}); partitions ${partitions.join(", ")}`
              : `suspended WAL tables: ${suspended.map((w) => w.name).join(", ")}`,
        },
      ];
    }).finally(() => client.end());
  }
}
