import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
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
import { createVolume, removeVolume } from "../../harness/runtime/resources.ts";
import { restoreVolume } from "../../harness/runtime/restore-volume.ts";
import { withToolbox } from "../../harness/runtime/toolbox.ts";
import { registerSecret } from "../../harness/secrets.ts";
import { startOrRefusal } from "../../harness/runtime/start-or-refusal.ts";
import { engineErrors } from "../../protocols/pg/errors.ts";
import { ACCOUNTS, PostgresWorkload, type PgOp } from "./model.ts";
import { PGDATA, PG_BACKUPS, PG_UID, PostgresContainer, type PgCredentials } from "../../protocols/pg/container.ts";
import { pgDump, pgRestore, socketArgs } from "../../protocols/pg/tools.ts";
import { PostgresNode } from "./node.ts";
import { postgresDeepVerify } from "./deep-verify.ts";
import { postgresFileKind } from "./file-kind.ts";
import type { StateSummary } from "../../harness/checkers/equivalence.ts";
import { postgresImageSpec } from "../../protocols/pg/image.ts";

export type PostgresBackupMethod = "physical" | "logical";

export interface PostgresArtifact extends BackupArtifact {
  method: PostgresBackupMethod;
  /** Major version of the server that made the backup. */
  sourceMajor: string;
  /** Table name → data file path inside a physical backup (`pg_relation_filepath`), for targeted faults. */
  relationFiles: Record<string, string>;
  /** Data file path → kind of relation (heap, index, toast, catalog), for the fault campaign's table. */
  relationKinds?: Record<string, string>;
}

/**
 * One password per process (or `DR_DRILL_POSTGRES_PASSWORD`): a physical restore brings the source's roles along, so
 * source and target must agree. It is registered as a secret, so no report ever shows it.
 */
export const CREDENTIALS: PgCredentials = {
  user: "drill",
  password: process.env.DR_DRILL_POSTGRES_PASSWORD || randomBytes(12).toString("hex"),
  database: "drill",
};
registerSecret(CREDENTIALS.password);
const BACKUP_DIR = `${PG_BACKUPS}/backup`;
export const DUMP_FILE = "drill.pgdump";

/**
 * PostgreSQL, backed up with its own tools:
 * - `physical`: `pg_basebackup -Fp -X stream` (the data directory plus the WAL it needs); restored by putting the
 *   files into an empty PGDATA and starting the server, which replays that WAL to the end of the backup;
 * - `logical`: `pg_dump -Fc`, restored with `pg_restore` into a freshly initialised server.
 */
export class PostgresEngine implements Engine<PgOp, PostgresNode, PostgresArtifact> {
  readonly name = "postgres";
  readonly backupMode = "online";
  /** A base backup restores to one consistent WAL position, a dump reads one repeatable-read snapshot. */
  readonly records: RecordModel = { consistency: "point-in-time" };
  private loadedRows = 0;

  constructor(
    readonly version: string,
    readonly backupMethod: PostgresBackupMethod,
  ) {
    postgresImageSpec(version); // fails early, naming the known versions
  }

  /** The source node; `settings` go on the server's command line (a WAL archive's `archive_command`). */
  async provision(rt: DrillRuntime, settings: Record<string, string> = {}): Promise<PostgresNode> {
    const image = await rt.images.resolve(postgresImageSpec(this.version));
    const volume = await createVolume(`${rt.drillId}-source`, rt.labels);
    const backups = await createVolume(`${rt.drillId}-backups`, rt.labels);
    const started = await new PostgresContainer(image, CREDENTIALS)
      .withLabels(rt.labels)
      .withSettings(settings)
      .withVolume(volume)
      .withBackupVolume(backups)
      .start();
    return new PostgresNode(started, volume, (rows) => (this.loadedRows = rows), backups);
  }

  async backup(pgNode: PostgresNode, dir: string, rt: DrillRuntime): Promise<PostgresArtifact> {
    const relationFiles = await pgNode.relationFiles();
    const relationKinds = await pgNode.relationKinds();
    await pgNode.pg.toolOrThrow(["rm", "-rf", BACKUP_DIR]);
    await pgNode.pg.toolOrThrow(["mkdir", "-p", BACKUP_DIR]);
    const toolName = this.backupMethod === "physical" ? "pg_basebackup" : "pg_dump";
    const tool = (await pgNode.pg.toolOrThrow([toolName, "--version"])).trim();
    if (this.backupMethod === "physical") {
      await pgNode.pg.toolOrThrow([
        "pg_basebackup",
        ...socketArgs(CREDENTIALS.user),
        "-D",
        BACKUP_DIR,
        "-Fp",
        "-X",
        "stream",
        "-c",
        "fast",
      ]);
    } else {
      await pgDump(pgNode.pg, CREDENTIALS.database, `${BACKUP_DIR}/${DUMP_FILE}`);
    }
    const finishedAt = rt.clock.now();
    if (!pgNode.backupVolume)
      throw new Error(
        "this PostgreSQL node was started without a backup volume: backups are taken from the provisioned source",
      );
    const volumes = [{ name: pgNode.backupVolume, path: PG_BACKUPS, readOnly: true }];
    const via = await withToolbox(
      { image: pgNode.pg.image.ref, labels: rt.labels, volumes, host: { dir, direction: "out" } },
      async (box) => {
        await box.copyOut(BACKUP_DIR);
        return box.how;
      },
    );
    const sourceMajor = (await pgNode.pg.toolOrThrow(["cat", `${pgNode.dataDirectory}/PG_VERSION`])).trim();
    return {
      dir,
      method: this.backupMethod,
      tool: `${tool}, ${via}`,
      sourceMajor,
      relationFiles,
      relationKinds,
      finishedAt,
    };
  }

  async preflight(artifact: PostgresArtifact, rt: DrillRuntime): Promise<CheckResult[]> {
    const results: CheckResult[] = [];
    const sameMajor = artifact.sourceMajor === this.version;
    if (artifact.method === "physical") {
      results.push({
        name: "preflight:version",
        valid: sameMajor,
        summary: sameMajor
          ? `physical backup from PostgreSQL ${artifact.sourceMajor}, target ${this.version}`
          : `physical backup from PostgreSQL ${artifact.sourceMajor} cannot start on ${this.version}: data directories only work within one major version`,
      });
      const label = existsSync(join(artifact.dir, "backup_label"));
      results.push({
        name: "preflight:backup_label",
        valid: label,
        summary: label
          ? "backup_label present"
          : "backup_label missing: the server would not know where WAL replay must start",
      });
    } else if (!sameMajor) {
      const upgrade = Number(this.version) > Number(artifact.sourceMajor);
      results.push({
        name: "preflight:version",
        // pg_restore reads dumps of older servers; a dump of a newer one may use an archive format it does not know.
        // This check does not decide that: the restore does, and the oracle says what came up ("unknown" here would
        // leave a downgrade that restores every record undecided).
        valid: true,
        summary: upgrade
          ? `dump from PostgreSQL ${artifact.sourceMajor} restored into ${this.version} (an upgrade: pg_restore reads older dumps)`
          : `dump from PostgreSQL ${artifact.sourceMajor} restored into older ${this.version}: not supported by PostgreSQL, the restore decides`,
      });
    }
    // The target version's own tools verify a copy of the artifact, in a throwaway container of the target image.
    const image = await rt.images.resolve(postgresImageSpec(this.version));
    const copy = "/tmp/dr-drill-preflight";
    const verify = await withToolbox(
      { image: image.ref, labels: rt.labels, volumes: [], host: { dir: artifact.dir, direction: "in" } },
      async (box) => {
        await box.copyIn(copy);
        await box.run(["chown", "-R", "postgres:postgres", copy]);
        return box.exec(
          artifact.method === "physical" ? ["pg_verifybackup", copy] : ["pg_restore", "--list", `${copy}/${DUMP_FILE}`],
          "postgres",
        );
      },
    );
    const tool = artifact.method === "physical" ? "pg_verifybackup" : "pg_restore --list";
    results.push({
      name: `preflight:${tool.split(" ")[0]}`,
      valid: verify.exitCode === 0,
      summary:
        verify.exitCode === 0
          ? `${tool}: artifact readable and complete`
          : `${tool} exited ${verify.exitCode}: ${firstErrorLine(verify.output)}`,
      details: { output: verify.output.slice(-2000) },
    });
    return results;
  }

  /** A physical backup goes into the empty PGDATA volume whole (then `afterCopyIn`), before the server first starts. */
  async restore(
    artifact: PostgresArtifact,
    rt: DrillRuntime,
    hooks?: RestoreHooks,
  ): Promise<RestoreResult<PostgresNode>> {
    const image = await rt.images.resolve(postgresImageSpec(this.version));
    const volume = await createVolume(`${rt.drillId}-restored`, rt.labels);
    const started = Date.now();
    if (artifact.method === "physical") {
      // A failed copy is an error of ours, not the server refusing the backup: thrown, not reported as an attempt.
      const data = restoreVolume({ image, volume, mountPath: PGDATA, uid: PG_UID, labels: rt.labels });
      await data
        .copyIn(artifact.dir)
        .then(() => hooks?.afterCopyIn?.(data))
        .catch(async (err: unknown) => {
          await removeVolume(volume).catch(() => undefined);
          throw err;
        });
    }
    const start = await startOrRefusal(
      () => new PostgresContainer(image, CREDENTIALS).withLabels(rt.labels).withVolume(volume).start(),
      serverExited,
      { startedAt: started },
    ).catch((err: unknown) => ({ err }));
    if (!("started" in start)) {
      await removeVolume(volume).catch(() => undefined);
      if ("err" in start) throw start.err;
      return { attempts: [start.refused], toolErrors: [] };
    }
    const pgStarted = start.started;
    const node = new PostgresNode(pgStarted, volume, () => undefined);
    const toolErrors: string[] = [];
    if (artifact.method === "logical") {
      await pgStarted.copyDirectoryIn(artifact.dir, "/tmp/dr-drill-restore");
      const restored = await pgRestore(pgStarted, CREDENTIALS.database, `/tmp/dr-drill-restore/${DUMP_FILE}`);
      if (restored.exitCode !== 0)
        toolErrors.push(`pg_restore exited ${restored.exitCode}: ${firstErrorLine(restored.output)}`);
    }
    const summary = toolErrors.length ? `server up, but ${toolErrors[0]}` : `server up on ${image.ref}`;
    return { node, attempts: [{ ok: toolErrors.length === 0, summary, durationMs: Date.now() - started }], toolErrors };
  }

  workload(dataset: DatasetSpec): PostgresWorkload {
    return new PostgresWorkload(dataset.seed, this.loadedRows || dataset.rows);
  }

  async invariants(node: PostgresNode): Promise<CheckResult[]> {
    const client = await node.pg.client();
    return engineErrors(async () => {
      const total = ACCOUNTS.count * ACCOUNTS.initialBalance;
      const sum = await client.query<{ n: string; total: string }>(
        "SELECT count(*)::text AS n, coalesce(sum(balance), 0)::text AS total FROM accounts",
      );
      const { n, total: got } = sum.rows[0]!;
      const balanced = Number(n) === ACCOUNTS.count && got === String(total);
      // All-or-nothing transfers: every balance equals its opening balance plus the restored transfers in and out.
      const drift = await client.query<{ id: string; balance: string; expected: string }>(
        `SELECT a.id::text, a.balance::text, (${ACCOUNTS.initialBalance} + coalesce(i.amount, 0) - coalesce(o.amount, 0))::text AS expected
           FROM accounts a
           LEFT JOIN (SELECT to_id, sum(amount) AS amount FROM transfers GROUP BY to_id) i ON i.to_id = a.id
           LEFT JOIN (SELECT from_id, sum(amount) AS amount FROM transfers GROUP BY from_id) o ON o.from_id = a.id
          WHERE a.balance <> ${ACCOUNTS.initialBalance} + coalesce(i.amount, 0) - coalesce(o.amount, 0)
          ORDER BY a.id LIMIT 20`,
      );
      const transfers = await client.query<{ n: string }>("SELECT count(*)::text AS n FROM transfers");
      return [
        {
          name: "invariant:total-balance",
          valid: balanced,
          summary: balanced
            ? `${n} accounts, total balance ${got} as opened`
            : `total balance ${got} over ${n} accounts, expected ${total} over ${ACCOUNTS.count}`,
        },
        {
          name: "invariant:transfers-atomic",
          valid: drift.rowCount === 0,
          summary:
            drift.rowCount === 0
              ? `every balance matches the ${transfers.rows[0]!.n} restored transfers`
              : `${drift.rowCount} account(s) disagree with the restored transfers: a transaction was cut in half`,
          examples: drift.rows.map((r) => `accounts/${r.id}: balance ${r.balance}, transfers say ${r.expected}`),
        },
      ];
    }).finally(() => client.end());
  }

  deepVerify(node: PostgresNode, restored: StateSummary): Promise<CheckResult> {
    return postgresDeepVerify(node, restored);
  }

  fileKind(artifact: PostgresArtifact, path: string): string {
    return postgresFileKind(path, artifact.method, artifact.relationKinds ?? {});
  }
}

/** The server exited before it was ready: its refusal, in the line of its log that says why. */
export function serverExited(exit: { exitCode: number; logTail: string }): string {
  return `server exited with code ${exit.exitCode}: ${firstErrorLine(exit.logTail)}`;
}

/**
 * The line of a tool's output or a server log that says what went wrong: a PANIC, else a FATAL that is not just a
 * client turned away during startup, else the first error-looking line.
 */
export function firstErrorLine(output: string): string {
  const lines = output
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const noise = /the database system is (starting up|shutting down)/;
  const patterns = [/PANIC:/, /FATAL:/, /ERROR:|error:/, /could not|invalid|failed/i];
  for (const pattern of patterns) {
    const hit = lines.find((l) => pattern.test(l) && !noise.test(l));
    if (hit) return hit.replace(/^\d{4}-\d\d-\d\d [\d:.]+ \w+ \[\d+\] /, "");
  }
  return lines.at(-1) ?? "(no output)";
}
