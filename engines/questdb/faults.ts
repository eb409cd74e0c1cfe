import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { DrillFault } from "../../harness/drill.ts";
import { QDB_ROOT } from "./container.ts";
import { copyToStaging, stagingToHost, type CopyTool, type QuestDbArtifact, type QuestDbEngineOptions } from "./engine.ts";

/**
 * Faults of the QuestDB backup and restore procedure. Each comes with the engine options that put it in place (a copy
 * tool, a restore hook, a server property) and a `DrillFault` that records it in the evidence with the outcome the
 * drill must show. The scenarios assert the reason the drill gives.
 */
export interface QuestDbFault {
  fault: DrillFault<QuestDbArtifact>;
  engineOptions: QuestDbEngineOptions;
}

/** Finds the directory of a drill table in `.checkpoint/db` (`trades~12` for a WAL table, `ticks` otherwise). */
export async function checkpointTableDir(artifactDir: string, table: string): Promise<string> {
  const db = join(artifactDir, ".checkpoint", "db");
  const hit = (await readdir(db)).find((name) => name === table || new RegExp(`^${table}~\\d+$`).test(name));
  if (!hit) throw new Error(`table ${table} not found in ${db}`);
  return join(".checkpoint", "db", hit);
}

/**
 * The first restore attempt misses one file the recovery needs (an incomplete copy into the new volume); before the
 * retry, the operator puts it back from the backup. Expected: the first start exits non-zero naming the cause with
 * `_restore` left in place, the second recovers.
 */
export function failedRestoreThenRetry(what: { checkpointMeta: true } | { tableTxn: string }): QuestDbFault {
  let rel: string | undefined;
  let artifactDir: string | undefined;
  const label = "checkpointMeta" in what ? ".checkpoint/db/_checkpoint_meta.d" : `.checkpoint/db/<${what.tableTxn}>/_txn`;
  return {
    fault: {
      name: "failed-restore-retry",
      description: `the first restore copy misses ${label}; it is put back before the retry`,
      expected: "restores",
      async apply(artifact) {
        rel = "checkpointMeta" in what ? join(".checkpoint", "db", "_checkpoint_meta.d") : join(await checkpointTableDir(artifact.dir, what.tableTxn), "_txn");
        artifactDir = artifact.dir;
        const { size } = await stat(join(artifact.dir, rel));
        return { fault: "missing-on-first-restore", target: rel, detail: { size } };
      },
    },
    engineOptions: {
      maxRestoreAttempts: 2,
      restoreHooks: {
        async afterCopyIn(volume) {
          if (!rel) throw new Error("fault not applied");
          await volume.sh(`rm -- '${QDB_ROOT}/${rel}'`);
        },
        async beforeRetry(volume, failed) {
          if (!rel || !artifactDir) return undefined;
          if (failed.restoreFilePresent !== true) return undefined; // nothing to retry: the trigger is gone
          await volume.putBack(artifactDir, rel);
          return `put ${rel} back from the backup; _restore was left in place by the failed attempt`;
        },
      },
    },
  };
}

/** The restored server runs with `cairo.checkpoint.recovery.enabled=false`: it starts on the raw copy, `_restore` stays. */
export function recoveryDisabled(): QuestDbFault {
  return {
    fault: {
      name: "recovery-disabled",
      description: "restore target configured with cairo.checkpoint.recovery.enabled=false",
      expected: "detects",
      async apply() {
        return { fault: "server-property", target: "cairo.checkpoint.recovery.enabled", detail: { value: "false", env: "QDB_CAIRO_CHECKPOINT_RECOVERY_ENABLED" } };
      },
    },
    engineOptions: { restoreProperties: { "cairo.checkpoint.recovery.enabled": "false" } },
  };
}

/** `cp -a <root>/* dest`: the shell glob skips dot-entries, so `.checkpoint` never reaches the backup. */
export const cpGlobSkippingDotDirs: CopyTool = {
  name: "cp -a <root>/* (glob: dot-directories skipped)",
  async copy(node, hostDir) {
    const { vanished } = await copyToStaging(node, `${QDB_ROOT}/*`);
    await stagingToHost(node, hostDir);
    return { vanished };
  },
};

export function backupWithoutCheckpointDir(): QuestDbFault {
  return {
    fault: {
      name: "no-checkpoint-dir",
      description: "the copy tool skipped dot-directories (cp <root>/*), so .checkpoint is not in the backup",
      expected: "detects",
      async apply(artifact) {
        const absent = !existsSync(join(artifact.dir, ".checkpoint"));
        if (!absent) throw new Error("the copy tool was expected to skip .checkpoint, but the backup holds it");
        return { fault: "copy-tool-skipped-dot-directories", target: ".checkpoint", detail: { present: false, tool: cpGlobSkippingDotDirs.name } };
      },
    },
    engineOptions: { copyTool: cpGlobSkippingDotDirs },
  };
}

/** A transfer that breaks after `bytes` (a dropped connection, a full disk): the copy fails while the checkpoint is held. */
export function copyBreakingMidway(bytes: number): CopyTool {
  return {
    name: `cp -a + docker cp broken after ${bytes} bytes`,
    async copy(node, hostDir) {
      const { vanished } = await copyToStaging(node, `${QDB_ROOT}/.`);
      await stagingToHost(node, hostDir, { abortAfterBytes: bytes });
      return { vanished };
    },
  };
}
