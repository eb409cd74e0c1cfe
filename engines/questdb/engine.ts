import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type pg from "pg";
import type { Sender } from "@questdb/nodejs-client";
import type { BackupArtifact, DatasetSpec, DrillRuntime, Engine, EngineNode, LoadStats, RestoreAttempt, RestoreResult, RestoredContext } from "../../harness/engine.ts";
import type { KeyWrite, Ledger } from "../../harness/ledger.ts";
import type { RecordFile } from "../../harness/records.ts";
import type { PhaseProgress } from "../../harness/progress.ts";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { WorkloadClient, WorkloadOp } from "../../harness/workload.ts";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { createVolume, removeVolume } from "../../harness/runtime/resources.ts";
import { registerSecret } from "../../harness/secrets.ts";
import { exitedCause } from "../../harness/runtime/wait-for-probe.ts";
import { QDB_COLUMNS, QDB_TABLES, QuestDbWorkload, canonicalRowText, questdbDataset, rowDigest, rowKey, type QdbOp, type QdbRow, type QdbTable } from "../../generators/questdb.ts";
import { QDB_ROOT, QDB_UID, QuestDbContainer, type QdbCredentials, type StartedQuestDb } from "./container.ts";
import { majorOf, questdbImageSpec, questdbVersion } from "./versions.ts";

/**
 * QuestDB, backed up as its docs say (seed 004): `CHECKPOINT CREATE` → copy the whole root, `.checkpoint` included →
 * `CHECKPOINT RELEASE`, always, even when the copy fails. Restored by putting the root into an empty volume, creating
 * the empty `_restore` trigger file and starting the server, which then rolls every table back to the checkpoint and
 * removes `_restore`; when the recovery fails it exits (code 55) and leaves `_restore` for the retry.
 *
 * What "acknowledged" means here, per protocol:
 * - PostgreSQL wire: an INSERT in auto-commit mode returned. Non-WAL tables: the rows are committed to the table.
 *   WAL tables: the rows are committed to the table's WAL (a sequencer transaction); they become visible when the
 *   apply job has run, and a checkpoint taken after the INSERT returned includes them.
 * - ILP over HTTP: `flush()` resolved, i.e. the server answered the request after committing its rows (to the WAL).
 * - ILP over TCP (port 9009) has no acknowledgement at all (a flush only means bytes left the socket), so the drill
 *   does not use it for writes it must account for.
 * The recovery point is the moment `CHECKPOINT CREATE` returned: writes invoked later are dropped by the restore.
 */

/** Something that copies the root of a running node to the host while the checkpoint is held. */
export interface CopyTool {
  readonly name: string;
  copy(node: QuestDbNode, hostDir: string): Promise<{ vanished: number }>;
}

const STAGING = "/tmp/dr-drill-backup";

/**
 * Copies `source` (a shell word: may be a glob) into the staging directory inside the container. Under ingestion,
 * files and partition versions created after `CHECKPOINT CREATE` can be removed again while `cp` walks the tree; QuestDB
 * keeps everything the checkpoint references, so a vanished file is tolerated (rsync's "vanished source files", exit
 * 24) and counted. Any other error fails the copy.
 */
export async function copyToStaging(node: QuestDbNode, source: string): Promise<{ vanished: number }> {
  const { exitCode, output } = await node.qdb.exec(["sh", "-c", `rm -rf ${STAGING} && mkdir -p ${STAGING} && cp -a ${source} ${STAGING}/`]);
  if (exitCode === 0) return { vanished: 0 };
  const errors = output.split("\n").map((l) => l.trim()).filter(Boolean);
  const vanished = errors.filter((l) => /^cp: (cannot (stat|open|access) )?'.*': No such file or directory$/.test(l));
  if (vanished.length === 0 || vanished.length !== errors.length) throw new Error(`cp -a exited ${exitCode}: ${errors.filter((l) => !vanished.includes(l)).slice(0, 5).join("; ").slice(0, 1500)}`);
  return { vanished: vanished.length };
}

export async function stagingToHost(node: QuestDbNode, hostDir: string, opts: { abortAfterBytes?: number } = {}): Promise<void> {
  try {
    await node.qdb.copyDirectoryOut(STAGING, hostDir, opts);
  } finally {
    await node.qdb.exec(["rm", "-rf", STAGING]);
  }
}

/** `cp -a ROOT/. STAGING` inside the container (dot-directories included), then the staging copy to the host. */
export const cpAll: CopyTool = {
  name: "cp -a <root>/. (coreutils) + docker cp",
  async copy(node, hostDir) {
    const { vanished } = await copyToStaging(node, `${QDB_ROOT}/.`);
    await stagingToHost(node, hostDir);
    return { vanished };
  },
};

export interface QuestDbArtifact extends BackupArtifact {
  sourceVersion: string;
  /** What the source server said about itself (`build()`). */
  sourceBuild: string;
  /** `checkpoint` (CHECKPOINT CREATE/RELEASE, 8.1.1+) or `snapshot` (SNAPSHOT PREPARE/COMPLETE, older). */
  checkpointSql: "checkpoint" | "snapshot";
  /** Files created after CREATE and removed again while the copy ran (tolerated, see `copyToStaging`). */
  vanishedDuringCopy: number;
}

/** One restore attempt, with what a person checks after a failure: is `_restore` still there? */
export interface QuestDbRestoreAttempt extends RestoreAttempt {
  restoreFilePresent?: boolean;
  /** What was done before this attempt (a retry after a fix). */
  before?: string;
}

/** Access to the restore volume between the copy-in and the server start, for faults and fixes. */
export interface RestoreVolume {
  /** Runs a shell command in a toolbox container with the volume at the QuestDB root. */
  sh(script: string): Promise<string>;
  /** Copies a file of the artifact (path relative to the root) into the volume, owned by the questdb user. */
  putBack(artifactDir: string, rel: string): Promise<void>;
}

export interface RestoreHooks {
  /** After the root was copied in and `_restore` created, before the first start. */
  afterCopyIn?(volume: RestoreVolume): Promise<void>;
  /** After a failed attempt: fix the cause and return what was done, or undefined to give up. */
  beforeRetry?(volume: RestoreVolume, failed: QuestDbRestoreAttempt): Promise<string | undefined>;
}

export interface QuestDbEngineOptions {
  copyTool?: CopyTool;
  /** Server properties of the restored node (e.g. `cairo.checkpoint.recovery.enabled`). */
  restoreProperties?: Record<string, string>;
  restoreHooks?: RestoreHooks;
  /** Attempts at most, retries included. */
  maxRestoreAttempts?: number;
}

/** One password per process, set through QDB_PG_PASSWORD like any QDB_* property. */
const CREDENTIALS: QdbCredentials = { user: "admin", password: randomBytes(12).toString("hex") };
registerSecret(CREDENTIALS.password);

export class QuestDbEngine implements Engine<QdbOp, QuestDbArtifact> {
  readonly name = "questdb";
  readonly backupMethod = "checkpoint";

  constructor(
    readonly version: string,
    readonly options: QuestDbEngineOptions = {},
  ) {
    questdbVersion(version); // fails early, naming the known versions
  }

  async provision(rt: DrillRuntime): Promise<QuestDbNode> {
    const image = await rt.images.resolve(questdbImageSpec(this.version));
    const volume = await createVolume(`${rt.drillId}-source`, rt.labels);
    const started = await new QuestDbContainer(image, CREDENTIALS).withLabels(rt.labels).withVolume(volume).start();
    return new QuestDbNode(started, volume);
  }

  async backup(node: EngineNode<QdbOp>, dir: string, rt: DrillRuntime): Promise<QuestDbArtifact> {
    const q = asQuestDbNode(node);
    const { checkpointSql } = questdbVersion(this.version);
    const [enter, leave] = checkpointSql === "checkpoint" ? ["CHECKPOINT CREATE", "CHECKPOINT RELEASE"] : ["SNAPSHOT PREPARE", "SNAPSHOT COMPLETE"];
    const copyTool = this.options.copyTool ?? cpAll;
    const client = await q.qdb.client();
    try {
      const sourceBuild = await scalar(client, "SELECT build()");
      const entered = rt.clock.now();
      await client.query(enter);
      const finishedAt = rt.clock.now();
      let copyError: Error | undefined;
      let releaseError: Error | undefined;
      let vanished = 0;
      try {
        ({ vanished } = await copyTool.copy(q, dir));
      } catch (err) {
        copyError = err as Error;
      } finally {
        // The seed: "It is very important to exit the checkpoint mode regardless of whether the copy operation
        // succeeded or failed." A broken session must not skip it either, so a fresh one is used when needed.
        try {
          await client.query(leave);
        } catch (err) {
          releaseError = err as Error;
          const retry = await q.qdb.client().catch(() => undefined);
          if (retry) {
            await retry.query(leave).then(() => (releaseError = undefined), () => undefined);
            await retry.end().catch(() => undefined);
          }
        }
      }
      const specialModeMs = rt.clock.now() - entered;
      if (copyError || releaseError) {
        const parts = [copyError ? `copy with ${copyTool.name} failed: ${copyError.message}` : "copy done", releaseError ? `${leave} FAILED: ${releaseError.message}` : `${leave} ran`];
        throw new Error(parts.join("; "));
      }
      rt.log(`  ${enter} → copy (${copyTool.name}) → ${leave}: ${specialModeMs.toFixed(0)} ms in checkpoint mode, ${vanished} file(s) vanished during the copy`);
      return { dir, method: this.backupMethod, tool: `${enter}/${leave} + ${copyTool.name} (${sourceBuild})`, finishedAt, specialModeMs, sourceVersion: this.version, sourceBuild, checkpointSql, vanishedDuringCopy: vanished };
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async preflight(artifact: QuestDbArtifact, target: Engine<QdbOp, QuestDbArtifact>): Promise<CheckResult[]> {
    return preflightChecks(artifact, target.version);
  }

  async restore(artifact: QuestDbArtifact, rt: DrillRuntime): Promise<RestoreResult<QdbOp>> {
    const image = await rt.images.resolve(questdbImageSpec(this.version));
    const volumeName = await createVolume(`${rt.drillId}-restored`, rt.labels);
    const attempts: QuestDbRestoreAttempt[] = [];
    const hooks = this.options.restoreHooks ?? {};
    const maxAttempts = this.options.maxRestoreAttempts ?? (hooks.beforeRetry ? 2 : 1);
    const volume = restoreVolume(image, volumeName, rt.labels);
    // Step 1 and 2 of the documented restore: the root into an empty volume, then the empty `_restore` trigger.
    await volume.copyIn(artifact.dir);
    await hooks.afterCopyIn?.(volume);
    let before: string | undefined;
    for (let n = 1; n <= maxAttempts; n++) {
      const started = Date.now();
      let builder = new QuestDbContainer(image, CREDENTIALS).withLabels(rt.labels).withVolume(volumeName);
      for (const [k, v] of Object.entries(this.options.restoreProperties ?? {})) builder = builder.withProperty(k, v);
      try {
        // Step 3: start the server as usual.
        const qdb = await builder.start();
        const node = new QuestDbNode(qdb, volumeName);
        const stillThere = (await qdb.exec(["test", "-e", `${QDB_ROOT}/_restore`])).exitCode === 0;
        attempts.push({
          ok: !stillThere,
          summary: stillThere ? "server started but _restore is still in the root: the checkpoint recovery did not run" : "server started, recovered from the checkpoint and removed _restore",
          restoreFilePresent: stillThere,
          durationMs: Date.now() - started,
          ...(before ? { before } : {}),
        });
        const toolErrors = stillThere
          ? [`_restore still present after the server started: recovery did not run (is cairo.checkpoint.recovery.enabled false?), so it serves the raw copy, not the checkpoint`]
          : [];
        return { node, attempts, toolErrors };
      } catch (err) {
        const exited = exitedCause(err);
        const logTail = exited?.logTail ?? (err as Error).message;
        const present = await volume.exists("_restore").catch(() => undefined);
        const failed: QuestDbRestoreAttempt = {
          ok: false,
          summary: `server ${exited ? `exited with code ${exited.exitCode}` : "did not come up"}: ${causeLine(logTail)}${present ? "; _restore still present" : present === false ? "; _restore gone" : ""}`,
          exitCode: exited?.exitCode,
          logTail,
          durationMs: Date.now() - started,
          ...(present === undefined ? {} : { restoreFilePresent: present }),
          ...(before ? { before } : {}),
        };
        attempts.push(failed);
        rt.log(`  restore attempt ${n} failed: ${failed.summary}`);
        if (n === maxAttempts || !hooks.beforeRetry) break;
        before = await hooks.beforeRetry(volume, failed);
        if (!before) break;
        rt.log(`  before attempt ${n + 1}: ${before}`);
      }
    }
    await removeVolume(volumeName).catch(() => undefined);
    return { attempts, toolErrors: [] };
  }

  workload(dataset: DatasetSpec): QuestDbWorkload {
    return new QuestDbWorkload(dataset.seed);
  }

  async invariants(ctx: RestoredContext<QdbOp>): Promise<CheckResult[]> {
    const node = asQuestDbNode(ctx.node);
    const client = await node.qdb.client();
    try {
      const wal = await walState(client);
      const suspended = wal.filter((w) => w.suspended);
      const partitions: string[] = [];
      for (const t of QDB_TABLES) {
        const rows = await client.query<{ n: string }>(`SELECT count() AS n FROM table_partitions('${t.name}')`).catch(() => undefined);
        partitions.push(`${t.name}=${rows?.rows[0]?.n ?? "?"}`);
      }
      return [
        {
          name: "invariant:wal-healthy",
          valid: suspended.length === 0,
          summary: suspended.length === 0 ? `every WAL table applies its WAL (${wal.map((w) => `${w.name} txn ${w.writerTxn}/${w.sequencerTxn}`).join(", ")}); partitions ${partitions.join(", ")}` : `suspended WAL tables: ${suspended.map((w) => w.name).join(", ")}`,
        },
      ];
    } finally {
      await client.end();
    }
  }
}

/** The checks on a backup before restoring it: what QuestDB's recovery needs, and whether the versions may meet. */
export async function preflightChecks(artifact: QuestDbArtifact, targetVersion: string): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const cpDir = artifact.checkpointSql === "checkpoint" ? ".checkpoint" : "snapshot";
  const hasDir = existsSync(join(artifact.dir, cpDir, "db"));
  results.push({
    name: "preflight:checkpoint-dir",
    valid: hasDir,
    summary: hasDir
      ? `${cpDir}/db present`
      : `the backup has no ${cpDir}/ directory: the copy tool skipped it (dot-directories are skipped by globs such as cp <root>/*); QuestDB cannot recover without it`,
  });
  if (hasDir) {
    const meta = artifact.checkpointSql === "checkpoint" ? "_checkpoint_meta.d" : "_snapshot";
    const hasMeta = existsSync(join(artifact.dir, cpDir, "db", meta));
    results.push({ name: "preflight:checkpoint-meta", valid: hasMeta, summary: hasMeta ? `${cpDir}/db/${meta} present` : `${cpDir}/db/${meta} missing: the recovery will refuse this backup` });
    const missing: string[] = [];
    let tables = 0;
    for (const entry of await readdir(join(artifact.dir, cpDir, "db"), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      tables++;
      for (const f of ["_meta", "_txn", "_cv"]) if (!existsSync(join(artifact.dir, cpDir, "db", entry.name, f))) missing.push(`${entry.name}/${f}`);
    }
    results.push({
      name: "preflight:table-metadata",
      valid: missing.length === 0 && tables > 0,
      summary: missing.length === 0 ? `${tables} tables with _meta, _txn and _cv in ${cpDir}/db` : `table metadata missing in ${cpDir}/db: ${missing.slice(0, 10).join(", ")}`,
      ...(missing.length ? { examples: missing.slice(0, 20) } : {}),
    });
  }
  const sameMajor = majorOf(artifact.sourceVersion) === majorOf(targetVersion);
  results.push({
    name: "preflight:version",
    // The docs allow a restore only within one major; across majors the restore itself decides (refused, migrated
    // forward, or worse), and the drill reports what happened: a warning, not a verdict.
    valid: sameMajor ? true : "unknown",
    summary: sameMajor
      ? `backup from QuestDB ${artifact.sourceVersion}, target ${targetVersion}: same major version`
      : `backup from QuestDB ${artifact.sourceVersion} restored into ${targetVersion}: another major version, which the docs do not support`,
  });
  return results;
}

/** A toolbox container on the restore volume, started on demand (copy-in, checks, fixes between attempts). */
function restoreVolume(image: ResolvedImage, volume: string, labels: Record<string, string>): RestoreVolume & { copyIn(dir: string): Promise<void>; exists(rel: string): Promise<boolean> } {
  const withToolbox = async <T>(body: (box: StartedQuestDb) => Promise<T>): Promise<T> => {
    const box = await new QuestDbContainer(image, CREDENTIALS).withLabels(labels).withVolume(volume).withCommand(["sleep", "900"]).start();
    try {
      return await body(box);
    } finally {
      await box.stop().catch(() => undefined);
    }
  };
  const sh = (script: string) => withToolbox((box) => box.execOrThrow(["sh", "-c", script]));
  return {
    sh,
    copyIn: (dir) =>
      withToolbox(async (box) => {
        await box.container.copyDirectoriesToContainer([{ source: dir, target: QDB_ROOT }]);
        await box.execOrThrow(["sh", "-c", `touch ${QDB_ROOT}/_restore && chown -R ${QDB_UID}:${QDB_UID} ${QDB_ROOT}`]);
      }),
    exists: (rel) => withToolbox(async (box) => (await box.exec(["test", "-e", `${QDB_ROOT}/${rel}`])).exitCode === 0),
    putBack: (artifactDir, rel) =>
      withToolbox(async (box) => {
        await box.container.copyFilesToContainer([{ source: join(artifactDir, rel), target: `${QDB_ROOT}/${rel}` }]);
        await box.execOrThrow(["chown", `${QDB_UID}:${QDB_UID}`, `${QDB_ROOT}/${rel}`]);
      }),
  };
}

interface WalRow {
  name: string;
  suspended: boolean;
  writerTxn: string;
  sequencerTxn: string;
}

async function walState(client: pg.Client): Promise<WalRow[]> {
  const r = await client.query<{ name: string; suspended: string; writerTxn: string; sequencerTxn: string }>("SELECT name, suspended, writerTxn, sequencerTxn FROM wal_tables()");
  return r.rows.map((w) => ({ name: w.name, suspended: w.suspended === "true" || w.suspended === "t", writerTxn: w.writerTxn, sequencerTxn: w.sequencerTxn }));
}

async function scalar(client: pg.Client, sql: string): Promise<string> {
  const r = await client.query<Record<string, string>>(sql);
  return String(Object.values(r.rows[0] ?? {})[0] ?? "");
}

function isoMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(micros - Math.floor(micros / 1_000_000) * 1_000_000).padStart(6, "0")}Z`;
}

function insertSql(table: QdbTable, rows: number): string {
  const cols = ["id", ...QDB_COLUMNS.map((c) => c.name), "ts"];
  const values = Array.from({ length: rows }, (_, r) => `(${cols.map((_c, i) => `$${r * cols.length + i + 1}`).join(", ")})`);
  return `INSERT INTO ${table.name} (${cols.join(", ")}) VALUES ${values.join(", ")}`;
}

function insertParams(rows: QdbRow[]): unknown[] {
  return rows.flatMap((r) => [r.id, r.sym, r.qty, r.price, r.flag, r.note, r.eventTs === null ? null : isoMicros(r.eventTs), isoMicros(r.ts)]);
}

function keyWrites(table: QdbTable, rows: QdbRow[]): KeyWrite[] {
  return rows.map((r) => ({ key: rowKey(table, r.id), digest: rowDigest(r), preview: canonicalRowText(r).slice(0, 160) }));
}

/** Writes a batch through the table's protocol; resolves when the server acknowledged it (see the header comment). */
async function writeBatch(client: pg.Client, sender: () => Promise<Sender>, table: QdbTable, rows: QdbRow[]): Promise<void> {
  if (table.protocol === "pg") {
    await client.query(insertSql(table, rows.length), insertParams(rows));
    return;
  }
  const s = await sender();
  for (const r of rows) {
    s.table(table.name);
    if (r.sym !== null) s.symbol("sym", r.sym);
    s.intColumn("id", r.id);
    if (r.qty !== null) s.intColumn("qty", r.qty);
    if (r.price !== null) s.floatColumn("price", r.price);
    s.booleanColumn("flag", r.flag);
    if (r.note !== null) s.stringColumn("note", r.note);
    if (r.eventTs !== null) s.timestampColumn("event_ts", BigInt(r.eventTs), "us");
    await s.at(BigInt(r.ts), "us");
  }
  await s.flush();
}

export class QuestDbNode implements EngineNode<QdbOp> {
  constructor(
    readonly qdb: StartedQuestDb,
    private readonly volume: string,
  ) {}

  get image(): ResolvedImage {
    return this.qdb.image;
  }

  get containerId(): string {
    return this.qdb.container.getId();
  }

  async load(dataset: DatasetSpec, ledger: Ledger, progress: PhaseProgress): Promise<LoadStats> {
    const client = await this.qdb.client();
    let ilp: Sender | undefined;
    try {
      for (const t of QDB_TABLES) {
        const cols = [`id LONG`, ...QDB_COLUMNS.map((c) => `${c.name} ${c.type}`), "ts TIMESTAMP"].join(", ");
        await client.query(`CREATE TABLE ${t.name} (${cols}) TIMESTAMP(ts) PARTITION BY ${t.partitionBy} ${t.wal ? "WAL" : "BYPASS WAL"}`);
      }
      let records = 0;
      for (const batch of questdbDataset(dataset.seed, dataset.rows)) {
        const invokeAt = ledger.clock.now();
        await writeBatch(client, async () => (ilp ??= await this.qdb.ilp()), batch.table, batch.rows);
        ledger.append({ seq: 0, process: "loader", op: "load", invokeAt, completeAt: ledger.clock.now(), outcome: "ok", writes: keyWrites(batch.table, batch.rows) });
        records += batch.rows.length;
        progress.update({ records, "records/s": Math.round(records / (progress.elapsedMs() / 1000)) });
      }
      await this.waitForWal(client, 300_000);
      const bytes = await this.qdb.exec(["du", "-sb", `${QDB_ROOT}/db`]);
      return { records, bytes: Number(bytes.output.trim().split(/\s+/)[0]) || undefined };
    } finally {
      await ilp?.close().catch(() => undefined);
      await client.end();
    }
  }

  /**
   * Waits until every WAL table has applied its WAL (bounded). A suspended table will not apply anything more: it
   * throws, unless `readAnyway` (the canonical read then takes what is served and the invariant reports the table).
   */
  async waitForWal(client: pg.Client, timeoutMs: number, opts: { readAnyway?: boolean } = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: WalRow[] = [];
    while (Date.now() < deadline) {
      last = (await walState(client)).filter((w) => QDB_TABLES.some((t) => t.name === w.name));
      const suspended = last.filter((w) => w.suspended);
      if (suspended.length && opts.readAnyway) return;
      if (suspended.length) throw new Error(`WAL table(s) suspended: ${suspended.map((w) => w.name).join(", ")}`);
      if (last.every((w) => w.writerTxn === w.sequencerTxn)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`WAL not applied within ${timeoutMs} ms: ${last.map((w) => `${w.name} ${w.writerTxn}/${w.sequencerTxn}`).join(", ")}`);
  }

  async openWorkloadClient(): Promise<WorkloadClient<QdbOp>> {
    return new QuestDbWorkloadClient(await this.qdb.client({ queryTimeoutMs: 30_000 }), () => this.qdb.ilp());
  }

  async readCanonical(into: RecordFile, progress: PhaseProgress): Promise<void> {
    const client = await this.qdb.client();
    try {
      await this.waitForWal(client, 120_000, { readAnyway: true });
      for (const t of QDB_TABLES) {
        let range;
        try {
          range = (await client.query<{ lo: string | null; hi: string | null }>(`SELECT cast(min(ts) AS LONG) AS lo, cast(max(ts) AS LONG) AS hi FROM ${t.name}`)).rows[0];
        } catch (err) {
          if (/table does not exist/i.test((err as Error).message)) continue; // absent table = no records; the oracle counts what is missing
          throw err;
        }
        if (!range?.lo || !range.hi) continue;
        // Read partition-sized slices of the designated timestamp: each query is pruned to few partitions and the
        // client never holds more than one slice.
        const step = (t.partitionBy === "DAY" ? 24 : 1) * 3_600_000_000;
        for (let lo = Number(range.lo); lo <= Number(range.hi); lo += step) {
          const rows = await client.query<Record<string, string | null>>(
            `SELECT id, sym, qty, price, flag, note, cast(event_ts AS LONG) AS event_ts, cast(ts AS LONG) AS ts FROM ${t.name} WHERE ts >= cast(${lo} AS TIMESTAMP) AND ts < cast(${lo + step} AS TIMESTAMP)`,
          );
          for (const r of rows.rows) {
            const text = canonicalFromServer(r);
            await into.add({ key: rowKey(t, r.id ?? "null"), digest: digestOfText(text), preview: text.slice(0, 160) });
          }
          progress.update({ records: into.digest.count });
        }
      }
    } finally {
      await client.end();
    }
  }

  async probeWrite(): Promise<string> {
    const client = await this.qdb.client();
    let ilp: Sender | undefined;
    try {
      const ts = Date.UTC(2030, 0, 1) * 1000;
      const note = `dr-drill probe ${new Date().toISOString()} ✓`;
      const probe = (id: number): QdbRow => ({ id, sym: "probe", qty: id, price: 0.5, flag: true, note, eventTs: ts, ts });
      const viaPg = QDB_TABLES.find((t) => !t.wal)!;
      const viaIlp = QDB_TABLES.find((t) => t.protocol === "ilp")!;
      await writeBatch(client, async () => (ilp ??= await this.qdb.ilp()), viaPg, [probe(-1)]);
      await writeBatch(client, async () => (ilp ??= await this.qdb.ilp()), viaIlp, [probe(-2)]);
      await this.waitForWal(client, 60_000);
      for (const [t, id] of [[viaPg, -1], [viaIlp, -2]] as const) {
        const back = await client.query<Record<string, string | null>>(`SELECT id, sym, qty, price, flag, note, cast(event_ts AS LONG) AS event_ts, cast(ts AS LONG) AS ts FROM ${t.name} WHERE id = ${id}`);
        if (back.rows.length !== 1 || canonicalFromServer(back.rows[0]!) !== canonicalRowText(probe(id))) {
          throw new Error(`wrote ${canonicalRowText(probe(id))} to ${t.name}, read back ${JSON.stringify(back.rows)}`);
        }
      }
      return `inserted a row into ${viaPg.name} over PG wire and one into ${viaIlp.name} over ILP/HTTP, and read both back`;
    } finally {
      await ilp?.close().catch(() => undefined);
      await client.end();
    }
  }

  async destroy(): Promise<void> {
    await this.qdb.stop();
    await removeVolume(this.volume);
  }
}

/** The canonical text of a row as the server sent it back (see `canonicalRowText` for the form). */
export function canonicalFromServer(r: Record<string, string | null>): string {
  const num = (v: string | null | undefined) => (v === null || v === undefined ? null : String(Number(v)));
  const flag = r.flag === "true" || r.flag === "t";
  return JSON.stringify([r.id ?? null, r.sym ?? null, r.qty ?? null, num(r.price), flag, r.note ?? null, r.event_ts ?? null, r.ts ?? null]);
}

function digestOfText(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

class QuestDbWorkloadClient implements WorkloadClient<QdbOp> {
  private sender: Sender | undefined;

  constructor(
    private readonly client: pg.Client,
    private readonly openSender: () => Promise<Sender>,
  ) {}

  async apply(op: WorkloadOp<QdbOp>): Promise<KeyWrite[]> {
    const { table, rows } = op.payload;
    try {
      await writeBatch(this.client, async () => (this.sender ??= await this.openSender()), table, rows);
    } catch (err) {
      // A sender whose request failed may still hold rows in its buffer: never send them again with the next op.
      await this.sender?.close().catch(() => undefined);
      this.sender = undefined;
      throw err;
    }
    return keyWrites(table, rows);
  }

  /**
   * Only "table busy" proves a write did not happen: a non-WAL table has one writer, and an INSERT that cannot get it
   * is refused before writing anything (two PG-wire writers on one non-WAL table meet this often). Anything else is
   * `info`: QuestDB's PG-wire errors carry no SQLSTATE that means "rolled back", and an ILP/HTTP error may come after
   * the commit (a time-out).
   */
  isDefiniteFailure(err: unknown): boolean {
    return err instanceof Error && /^table busy \[reason=/.test(err.message);
  }

  async close(): Promise<void> {
    await this.sender?.close().catch(() => undefined);
    await this.client.end();
  }
}

function asQuestDbNode(node: EngineNode<QdbOp>): QuestDbNode {
  if (!(node instanceof QuestDbNode)) throw new Error("not a QuestDB node");
  return node;
}

/** The line of a QuestDB log that says why it stopped: a critical/error line, else an exception, else the last line. */
export function causeLine(log: string): string {
  const lines = log.split("\n").map((l) => l.trim()).filter(Boolean);
  const patterns = [/^[\w.$]+(Exception|Error): /, / [CE] [\w.-]+ .*(checkpoint|restore|recover)/i, /^\S+ [CE] /, /Exception|could not|cannot|failed/i];
  for (const p of patterns) {
    const at = lines.findIndex((l) => p.test(l));
    if (at < 0) continue;
    let hit = lines[at]!.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, "");
    // "Configuration issues:" and the like: the reason is on the next lines, before the stack trace.
    if (hit.endsWith(":")) hit += " " + lines.slice(at + 1, at + 4).filter((l) => !l.startsWith("at ")).join(" ");
    return hit;
  }
  return lines.at(-1) ?? "(no output)";
}
