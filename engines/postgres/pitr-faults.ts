import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { deleteFile, type DrillFault, type FaultRecord } from "../../harness/faults.ts";
import { detectedBy } from "../../harness/expectation.ts";
import { PGDATA } from "../../protocols/pg/container.ts";
import { WAL_SEGMENT } from "../../protocols/pg/pitr.ts";
import type { PitrArtifact } from "./pitr.ts";
import type { PostgresNode } from "./node.ts";

type PitrFault = DrillFault<PostgresNode, PitrArtifact>;

/** PostgreSQL's refusal of a recovery target the base backup cannot reach back to (xlogrecovery.c). */
export const TARGET_BEFORE_BACKUP_REFUSAL = "requested recovery stop point is before consistent recovery point";

/** PostgreSQL's refusal when the archive ends before the recovery target (PostgreSQL 13 and later). */
export const TARGET_NOT_REACHED = "recovery ended before configured recovery target was reached";

/**
 * T read before the base backup started: the backup cannot be rolled back to it, and the server must say so and stop.
 * Only records what the scenario set up (the engine's `targetBeforeBackup`).
 */
export function targetBeforeBackup(): PitrFault {
  return {
    name: "target-before-backup",
    description: "recover to a T read before the base backup started",
    expect: { outcome: "refuses", reason: TARGET_BEFORE_BACKUP_REFUSAL },
    apply: (artifact) =>
      Promise.resolve({
        fault: "target-before-backup",
        target: "recovery_target_time",
        detail: { serverTime: artifact.recoveryTarget.serverTime },
      }),
  };
}

/**
 * Removes the archived segments from the one T lies in onwards: an archive that stopped (a full disk, a broken
 * `archive_command`) seconds before T. The server must refuse to call that T; the operator's fallback, recovering to
 * the end of the archive, then brings up a node that lacks the writes acknowledged between the archive's end and T:
 * lost, with the gap in seconds.
 */
export function archiveEndsBeforeTarget(): PitrFault {
  return {
    name: "archive-ends-before-target",
    description: "delete the archived WAL segments from the one T lies in onwards",
    expect: detectedBy({
      restore: TARGET_NOT_REACHED,
      "ledger-oracle": "\\d+ lost",
      "recovery-target": "stops at least \\d+\\.\\d+ s before T",
    }),
    async apply(artifact): Promise<FaultRecord> {
      const archive = join(artifact.dir, "wal-archive");
      const cut = (await readdir(archive)).filter((f) => WAL_SEGMENT.test(f) && f >= artifact.targetSegment).sort();
      if (!cut.length) throw new Error(`the archive holds no segment from ${artifact.targetSegment} on`);
      for (const f of cut) await deleteFile(artifact.dir, join("wal-archive", f));
      return { fault: "delete-file", target: `wal-archive/${cut[0]}`, detail: { deleted: cut } };
    },
    restoreHooks: {
      async beforeRetry(volume, failed) {
        if (!`${failed.summary}\n${failed.logTail ?? ""}`.includes(TARGET_NOT_REACHED)) return undefined;
        await volume.sh(`sed -i '/^recovery_target_time/d' ${PGDATA}/postgresql.conf`);
        return "recovery_target_time removed: recover to the end of the archive, the fallback when it stops short of T";
      },
    },
  };
}
