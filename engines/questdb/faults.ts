import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { DrillFault } from "../../harness/faults.ts";
import { detectedBy } from "../../harness/expectation.ts";
import { QDB_TABLES, QuestDbWorkload, rowKey, type QdbTable } from "./model.ts";
import { QDB_ROOT } from "./container.ts";
import { copyRoot, type CopyTool } from "./copy-tools.ts";
import type { QuestDbArtifact } from "./artifact.ts";
import type { QuestDbEngineOptions } from "./engine.ts";
import type { QuestDbNode } from "./node.ts";
import { createTableSql, isTrue } from "./wire.ts";

/**
 * Faults of the QuestDB backup and restore procedure. Each states what the drill must then show (`expect`) and
 * carries the engine options that put it in place (a copy tool, a server property): a scenario builds its engine with
 * `engineOptions` and passes the fault to the drill.
 */
export interface QuestDbFault extends DrillFault<QuestDbNode, QuestDbArtifact> {
  readonly engineOptions: QuestDbEngineOptions;
}

/** Finds the directory of a drill table in `.checkpoint/db` (`trades~12` for a WAL table, `ticks` otherwise). */
export async function checkpointTableDir(artifactDir: string, table: string): Promise<string> {
  const db = join(artifactDir, ".checkpoint", "db");
  const hit = (await readdir(db)).find((name) => name === table || new RegExp(`^${table}~\\d+$`).test(name));
  if (!hit) throw new Error(`table ${table} not found in ${db}`);
  return join(".checkpoint", "db", hit);
}

const ROOT_RE = QDB_ROOT.replace(/[/.]/g, (c) => `\\${c}`);

/**
 * The first restore attempt misses one file the recovery needs (an incomplete copy into the new volume); before the
 * retry, the operator puts it back from the backup, if the failed start left `_restore` in place as the docs say.
 * Expected: the first start exits naming the missing file, the second recovers.
 */
export function failedRestoreThenRetry(what: { checkpointMeta: true } | { tableTxn: string }): QuestDbFault {
  let rel: string | undefined;
  let artifactDir: string | undefined;
  const meta = "checkpointMeta" in what;
  const label = meta ? ".checkpoint/db/_checkpoint_meta.d" : `.checkpoint/db/<${what.tableTxn}>/_txn`;
  return {
    name: "failed-restore-retry",
    description: `the first restore copy misses ${label}; it is put back before the retry`,
    expect: {
      outcome: "restores",
      failedRestores: [
        meta
          ? `checkpoint trigger file found, but the checkpoint metadata file does not exist \\[file=${ROOT_RE}\\/\\.checkpoint\\/db\\/_checkpoint_meta\\.d`
          : `Recovery failed\\. Could not copy _txn file \\[src=${ROOT_RE}\\/\\.checkpoint\\/db\\/${what.tableTxn}~\\d+\\/_txn`,
      ],
    },
    engineOptions: { maxRestoreAttempts: 2 },
    async apply(artifact) {
      rel = meta
        ? join(".checkpoint", "db", "_checkpoint_meta.d")
        : join(await checkpointTableDir(artifact.dir, what.tableTxn), "_txn");
      artifactDir = artifact.dir;
      const { size } = await stat(join(artifact.dir, rel));
      return { fault: "missing-on-first-restore", target: rel, detail: { size } };
    },
    restoreHooks: {
      async afterCopyIn(volume) {
        if (!rel) throw new Error("fault not applied");
        await volume.sh(`rm -- '${QDB_ROOT}/${rel}'`);
      },
      async beforeRetry(volume) {
        if (!rel || !artifactDir) return undefined;
        if (!(await volume.exists("_restore"))) return undefined; // the trigger is gone: a retry would not recover
        await volume.putBack(artifactDir, rel);
        return `put ${rel} back from the backup; _restore was still in the root after the failed attempt`;
      },
    },
  };
}

/** The restored server runs with `cairo.checkpoint.recovery.enabled=false`: it starts on the raw copy, `_restore` stays. */
export function recoveryDisabled(): QuestDbFault {
  return {
    name: "recovery-disabled",
    description: "restore target configured with cairo.checkpoint.recovery.enabled=false",
    // Seen both ways on 9.3.4: the server serves the raw copy, or the JVM crashes on it; either way the trigger stays.
    expect: detectedBy({ restore: "_restore still present" }),
    engineOptions: { restoreProperties: { "cairo.checkpoint.recovery.enabled": "false" } },
    async apply() {
      return {
        fault: "server-property",
        target: "cairo.checkpoint.recovery.enabled",
        detail: { value: "false", env: "QDB_CAIRO_CHECKPOINT_RECOVERY_ENABLED" },
      };
    },
  };
}

/** `cp -a <root>/* dest`: the shell glob skips dot-entries, so `.checkpoint` never reaches the backup. */
export const cpGlobSkippingDotDirs: CopyTool = {
  name: "cp -a <root>/* (glob: dot-directories skipped)",
  copy: (node, hostDir, rt) => copyRoot(node, hostDir, rt, "*"),
};

export function backupWithoutCheckpointDir(): QuestDbFault {
  return {
    name: "no-checkpoint-dir",
    description: "the copy tool skipped dot-directories (cp <root>/*), so .checkpoint is not in the backup",
    expect: detectedBy({
      "preflight:checkpoint-dir": "no \\.checkpoint/ directory",
      restore: "checkpoint directory does not exist",
    }),
    engineOptions: { copyTool: cpGlobSkippingDotDirs },
    async apply(artifact) {
      if (existsSync(join(artifact.dir, ".checkpoint")))
        throw new Error("the copy tool was expected to skip .checkpoint, but the backup holds it");
      return {
        fault: "copy-tool-skipped-dot-directories",
        target: ".checkpoint",
        detail: { present: false, tool: cpGlobSkippingDotDirs.name },
      };
    },
  };
}

/**
 * Tables the `checkpoint-released` check writes to: one per drill table, of the same kind (WAL or not, partitioning,
 * protocol). The canonical read covers the drill tables only, so these rows, which the ledger does not know, never
 * reach the oracle.
 */
export const RELEASE_PROBE_TABLES: readonly QdbTable[] = QDB_TABLES.map((t) => ({
  ...t,
  name: `${t.name}_release_probe`,
}));
const PROBE_SEED = 0x5e1ea5e;

/**
 * After a failed copy, on the still running source: the server is out of checkpoint mode (`checkpoint_status()`), a
 * batch over PG wire and one over ILP/HTTP are acknowledged and then visible, and a new checkpoint can be taken (a
 * second CREATE fails while one is held, so this proves the release).
 */
export async function checkpointReleased(node: QuestDbNode, error: Error): Promise<CheckResult> {
  const name = "checkpoint-released";
  const seen: string[] = [];
  try {
    const client = await node.qdb.client();
    try {
      const status = await client.query<{ in_progress: string }>("SELECT in_progress FROM checkpoint_status()");
      const inProgress = status.rows.map((r) => r.in_progress);
      if (inProgress.length !== 1 || isTrue(inProgress[0])) {
        return {
          name,
          valid: false,
          summary: `after the failed copy, checkpoint_status() says in_progress=${inProgress.join(",") || "(no row)"}: the checkpoint is still held`,
        };
      }
      seen.push("checkpoint_status(): not in progress");
      for (const t of RELEASE_PROBE_TABLES) await client.query(createTableSql(t, { ifNotExists: true }));
      const ops = new QuestDbWorkload(PROBE_SEED);
      const writer = await node.openWorkloadClient();
      const written: { table: QdbTable; ids: number[] }[] = [];
      try {
        for (let i = 0; i < RELEASE_PROBE_TABLES.length; i++) {
          const op = ops.next(0, 1);
          const table = RELEASE_PROBE_TABLES.find((t) => t.name === `${op.payload.table.name}_release_probe`)!;
          await writer.apply({
            kind: op.kind,
            keys: op.payload.rows.map((r) => rowKey(table, r.id)),
            payload: { table, rows: op.payload.rows },
          });
          written.push({ table, ids: op.payload.rows.map((r) => r.id) });
        }
      } finally {
        await writer.close();
      }
      await node.waitForWal(client, 60_000, { tables: RELEASE_PROBE_TABLES.map((t) => t.name) });
      for (const { table, ids } of written) {
        const got = await client.query<{ n: string }>(
          `SELECT count() AS n FROM ${table.name} WHERE id IN (${ids.join(",")})`,
        );
        if (got.rows[0]?.n !== String(ids.length))
          return {
            name,
            valid: false,
            summary: `${seen.join("; ")}; but ${table.name} shows ${got.rows[0]?.n ?? "?"} of the ${ids.length} rows acknowledged over ${table.protocol}`,
          };
      }
      const protocols = [...new Set(written.map((w) => (w.table.protocol === "pg" ? "PG wire" : "ILP/HTTP")))];
      seen.push(
        `${written.length} batches acknowledged over ${protocols.join(" and ")} and visible (${written.map((w) => w.table.name).join(", ")}: tables outside the canonical read)`,
      );
      await client.query("CHECKPOINT CREATE");
      await client.query("CHECKPOINT RELEASE");
      seen.push("a new CHECKPOINT CREATE and RELEASE succeeded");
      return {
        name,
        valid: true,
        summary: `after "${error.message.split("\n")[0]}": ${seen.join("; ")}`,
        details: { rows: written.reduce((n, w) => n + w.ids.length, 0) },
      };
    } finally {
      await client.end().catch(() => undefined);
    }
  } catch (err) {
    return {
      name,
      valid: false,
      summary: `${seen.length ? `${seen.join("; ")}; then ` : ""}failed: ${(err as Error).message}`,
    };
  }
}

/**
 * A copy that breaks after `bytes` on the first backup attempt only (a dropped connection, a full disk): the copy
 * fails while the checkpoint is held, RELEASE must still run, the source must still ingest, and the next attempt must
 * give a backup that restores.
 */
export function releaseAfterFailedCopy(bytes = 4 * 1024 * 1024): QuestDbFault {
  let copies = 0;
  const copyTool: CopyTool = {
    name: `cp -a <root>/. (breaks after ${bytes} bytes on the first attempt)`,
    copy: (node, hostDir, rt) => copyRoot(node, hostDir, rt, ".", ++copies === 1 ? { abortAfterBytes: bytes } : {}),
  };
  return {
    name: "release-after-failed-copy",
    description: `the first backup's copy breaks after ${bytes} bytes while the checkpoint is held; the second attempt copies in full`,
    expect: {
      outcome: "restores",
      failedBackups: ["copy interrupted after \\d+ bytes.*CHECKPOINT RELEASE ran"],
      holds: ["checkpoint-released"],
    },
    engineOptions: { copyTool },
    backupAttempts: 2,
    afterFailedBackup: async (node, error) => [await checkpointReleased(node, error)],
    async apply() {
      return {
        fault: "copy-broken-on-first-attempt",
        target: "backup attempt 1",
        detail: { abortAfterBytes: bytes, copies },
      };
    },
  };
}

/**
 * Not QuestDB's procedure: the tables copied one by one, seconds apart, while ingestion goes on (each with the server
 * frozen, so each table restores), then started without `_restore`. Every table is readable and every key on its own
 * looks plausible; only the cut check across tables can fail it, and it must, for that reason.
 */
export function tablesCopiedOneByOne(gapMs = 1_000): QuestDbFault {
  return {
    name: "torn-copy",
    description: `tables copied one at a time, ${gapMs} ms apart, without a checkpoint, while ingestion goes on; restored without _restore`,
    expect: detectedBy({ "ledger-oracle": "torn-cut" }),
    engineOptions: { tablesOneByOneGapMs: gapMs, restoreTrigger: false },
    async apply() {
      return {
        fault: "tables-copied-one-by-one",
        target: "db/",
        detail: { gapMs, checkpoint: false, restoreTrigger: false },
      };
    },
  };
}
