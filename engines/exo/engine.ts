import { existsSync } from "node:fs";
import { join } from "node:path";
import type { BackupArtifact, BackupMode, DatasetSpec, DrillRuntime, Engine, RestoreResult } from "../../harness/engine.ts";
import type { RecordModel } from "../../harness/checkers/ledger-oracle.ts";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { OpSource } from "../../harness/workload.ts";
import { PG_SOCKET_DIR } from "../postgres/container.ts";
import { ExoWorkload, exoDataset, type ExoOp } from "../../generators/exo.ts";
import { crossPartChecks } from "./cross-checks.ts";
import { snapshotTier } from "./snapshot.ts";
import { EXO_PG, ExoNode, startTier } from "./tier.ts";
import { DATASOURCES, databaseOf } from "./schema.ts";
import { CODEC_FILE } from "./layout.ts";
import { CHAT_DB, inOneCommit, keysOf, messagesCollection } from "./writes.ts";
import { exoVersion } from "./versions.ts";
import { exoDeepVerify, exoFileKind } from "./deep-verify.ts";
import type { StateSummary } from "../../harness/checkers/equivalence.ts";

/** One part of the backup: what it is, the tool that made it, where it lies in the artifact, how long it took. */
export interface PartRecord {
  part: string;
  tool: string;
  path: string;
  /** Drill clock when this part was fixed (its tool finished). */
  at: number;
  ms: number;
}

export interface ExoArtifact extends BackupArtifact {
  version: string;
  parts: PartRecord[];
}

/**
 * The platform is NOT stopped during the backup (a fault): writers go on, and each part waits `pauseMs` before the
 * next, so the parts are fixed at different times: the guide's warning about inconsistent parts (docs/engines/exo.md,
 * "The vendor's backup guide").
 */
export interface ExoOptions {
  platformRunning?: { pauseMs: number };
}

const IN_CONTAINER = "/tmp/dr-drill-backup";
const RESTORE_DIR = "/tmp/dr-drill-restore";
const ARCHIVE = "exochat.archive";
const socketArgs = ["-h", PG_SOCKET_DIR, "-U", EXO_PG.user, "--no-password"];
export const PART_PATHS = { data: "gatein/data", jcr: "pg/jcr.pgdump", idm: "pg/idm.pgdump", jpa: "pg/jpa.pgdump", chat: `mongo/${ARCHIVE}`, codec: "gatein/conf/codec" };

const firstLine = (text: string) => text.split("\n").find((l) => /error|failed|fatal/i.test(l))?.trim() ?? text.trim().split("\n").at(-1) ?? "";

/**
 * eXo Platform's data tier, backed up as its guide says (docs/engines/exo.md, "The vendor's backup guide"): the
 * platform stopped (the writers drained: an offline backup), then each part with its own tool (a file copy of
 * gatein/data, pg_dump of each datasource, `mongodump --db exochat`, a copy of gatein/conf/codec), restored into a
 * fresh tier with the matching tools.
 */
export class ExoEngine implements Engine<ExoOp, ExoNode, ExoArtifact> {
  readonly name = "exo";
  readonly backupMethod = "procedure";
  readonly backupMode: BackupMode;
  /** With the platform stopped nothing moves during the backup: the parts together are one instant. */
  readonly records: RecordModel = { consistency: "point-in-time" };

  constructor(
    readonly version: string,
    private readonly options: ExoOptions = {},
  ) {
    exoVersion(version);
    this.backupMode = options.platformRunning ? "online" : "offline";
  }

  provision(rt: DrillRuntime): Promise<ExoNode> {
    return startTier(rt, this.version, "source", true);
  }

  async backup(node: ExoNode, dir: string, rt: DrillRuntime): Promise<ExoArtifact> {
    const { pg, mongo, gatein } = node.parts;
    const parts: PartRecord[] = [];
    const pause = this.options.platformRunning?.pauseMs ?? 0;
    const take = async (part: keyof typeof PART_PATHS, tool: string, body: () => Promise<unknown>) => {
      if (parts.length && pause) await new Promise((r) => setTimeout(r, pause));
      const started = rt.clock.now();
      await body();
      const record = { part, tool, path: PART_PATHS[part], at: rt.clock.now(), ms: Math.round(rt.clock.now() - started) };
      parts.push(record);
      rt.log(`  backup ${part}: ${tool} → ${record.path} in ${record.ms} ms`);
    };
    await pg.toolOrThrow(["mkdir", "-p", IN_CONTAINER]);
    await mongo.tool(["mkdir", "-p", IN_CONTAINER]);
    await take("data", "file copy (docker archive)", () => gatein.copyOut("data", join(dir, PART_PATHS.data)));
    for (const ds of DATASOURCES) {
      await take(ds, "pg_dump -Fc", () => pg.toolOrThrow(["pg_dump", ...socketArgs, "-d", databaseOf(ds), "-Fc", "-f", `${IN_CONTAINER}/${ds}.pgdump`]));
    }
    await take("chat", `mongodump --db ${CHAT_DB} --archive --gzip`, async () => {
      const dumped = await mongo.tool(["mongodump", "--quiet", "--db", CHAT_DB, `--archive=${IN_CONTAINER}/${ARCHIVE}`, "--gzip"]);
      if (dumped.exitCode !== 0) throw new Error(`mongodump exited ${dumped.exitCode}: ${firstLine(dumped.output)}`);
    });
    await take("codec", "file copy (docker archive)", () => gatein.copyOut("conf/codec", join(dir, PART_PATHS.codec)));
    const finishedAt = rt.clock.now();
    await pg.copyDirectoryOut(IN_CONTAINER, join(dir, "pg"));
    await mongo.copyDirectoryOut(IN_CONTAINER, join(dir, "mongo"));
    const tools = [(await pg.toolOrThrow(["pg_dump", "--version"])).trim(), (await mongo.tool(["mongodump", "--version"])).output.split("\n")[0]?.trim() ?? "mongodump"];
    return { dir, method: this.backupMethod, tool: `${tools.join("; ")}; file copy of gatein/data and gatein/conf/codec`, finishedAt, version: this.version, parts };
  }

  /** Every part is in the artifact (swap and jta may be missing: the seed calls them optional). */
  async preflight(artifact: ExoArtifact): Promise<CheckResult[]> {
    const missing: string[] = [];
    for (const [part, path] of Object.entries(PART_PATHS)) if (!existsSync(join(artifact.dir, path))) missing.push(`${part} (${path})`);
    if (existsSync(join(artifact.dir, PART_PATHS.codec)) && !existsSync(join(artifact.dir, PART_PATHS.codec, CODEC_FILE))) missing.push(`codec key (${PART_PATHS.codec}/${CODEC_FILE})`);
    const optional = ["jcr/swap", "jta"].filter((d) => !existsSync(join(artifact.dir, PART_PATHS.data, d)));
    return [
      {
        name: "preflight:parts",
        valid: missing.length === 0,
        summary: missing.length
          ? `the backup lacks ${missing.join(", ")}`
          : `all ${Object.keys(PART_PATHS).length} parts present${optional.length ? ` (${optional.join(", ")} absent: optional, the platform recreates them)` : ""}`,
      },
    ];
  }

  /** A fresh tier, then each part restored with its own tool; a tool that fails is reported, the tier stays up for the checks. */
  async restore(artifact: ExoArtifact, rt: DrillRuntime): Promise<RestoreResult<ExoNode>> {
    const started = Date.now();
    const node = await startTier(rt, this.version, "restored", false);
    const { pg, mongo, gatein } = node.parts;
    const toolErrors: string[] = [];
    const observed: string[] = [];
    const step = async (part: string, body: () => Promise<string | undefined>) => {
      const t0 = Date.now();
      const error = await body();
      observed.push(`${part}: ${error ? "FAILED" : "restored"} in ${Date.now() - t0} ms`);
      rt.log(`  restore ${part}: ${error ?? "ok"} (${Date.now() - t0} ms)`);
      if (error) toolErrors.push(error);
    };
    const from = (rel: string) => join(artifact.dir, rel);
    await step("data", async () => (existsSync(from(PART_PATHS.data)) ? void (await gatein.copyIn(from(PART_PATHS.data), "data")) : "gatein/data is not in the backup"));
    await step("codec", async () => (existsSync(from(PART_PATHS.codec)) ? void (await gatein.copyIn(from(PART_PATHS.codec), "conf/codec")) : undefined));
    if (existsSync(from("pg"))) await pg.copyDirectoryIn(from("pg"), RESTORE_DIR);
    for (const ds of DATASOURCES) {
      await step(ds, async () => {
        const r = await pg.tool(["pg_restore", ...socketArgs, "-d", databaseOf(ds), "--no-owner", "--exit-on-error", `${RESTORE_DIR}/${ds}.pgdump`]);
        return r.exitCode === 0 ? undefined : `pg_restore of ${databaseOf(ds)} exited ${r.exitCode}: ${firstLine(r.output)}`;
      });
    }
    await step("chat", async () => {
      if (!existsSync(from(PART_PATHS.chat))) return `${PART_PATHS.chat} is not in the backup`;
      await mongo.copyDirectoryIn(from("mongo"), RESTORE_DIR);
      // FerretDB refuses the dumped index options ("Index option ns is unknown"): documents first, indexes recreated below.
      const r = await mongo.tool(["mongorestore", `--archive=${RESTORE_DIR}/${ARCHIVE}`, "--gzip", `--nsInclude=${CHAT_DB}.*`, "--noIndexRestore", "--drop"]);
      if (r.exitCode !== 0) return `mongorestore exited ${r.exitCode}: ${firstLine(r.output)}`;
      const client = await mongo.client();
      try {
        const db = client.db(CHAT_DB);
        for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) if (name.startsWith(messagesCollection(""))) await db.collection(name).createIndex({ timestamp: 1 });
      } finally {
        await client.close();
      }
      return undefined;
    });
    const ok = toolErrors.length === 0;
    return { node, attempts: [{ ok, summary: ok ? `tier restored: ${observed.join("; ")}` : `tier up, but ${toolErrors[0]}`, durationMs: Date.now() - started, observed }], toolErrors };
  }

  workload(dataset: DatasetSpec): OpSource<ExoOp> {
    const ops = new ExoWorkload(dataset.seed, exoDataset(dataset.seed, dataset.rows));
    return {
      next: (writer) => {
        const op = ops.next(writer);
        return { ...op, keys: keysOf(op.payload), ...(inOneCommit(op.payload) ? {} : { atomic: false as const }) };
      },
    };
  }

  deepVerify(node: ExoNode, restored: StateSummary): Promise<CheckResult> {
    return exoDeepVerify(node, restored);
  }

  fileKind(_artifact: ExoArtifact, path: string): string {
    return exoFileKind(path);
  }

  async invariants(node: ExoNode): Promise<CheckResult[]> {
    return crossPartChecks(await snapshotTier(node.parts));
  }
}
