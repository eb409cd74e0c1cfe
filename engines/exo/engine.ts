import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type {
  BackupArtifact,
  BackupMode,
  DatasetSpec,
  DrillRuntime,
  Engine,
  RestoreResult,
} from "../../harness/engine.ts";
import type { RecordModel } from "../../harness/checkers/ledger-oracle.ts";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { OpSource } from "../../harness/workload.ts";
import { pgDump, pgRestore } from "../../protocols/pg/tools.ts";
import { ExoWorkload, exoDataset, type ExoOp } from "./model.ts";
import { type ArchiveContents, collectionsOf, readMongoArchive } from "./chat-archive.ts";
import { crossPartChecks } from "./cross-checks.ts";
import { snapshotTier } from "./snapshot.ts";
import { ExoNode, startTier } from "./tier.ts";
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
export const PART_PATHS = {
  data: "gatein/data",
  jcr: "pg/jcr.pgdump",
  idm: "pg/idm.pgdump",
  jpa: "pg/jpa.pgdump",
  chat: `mongo/${ARCHIVE}`,
  codec: "gatein/conf/codec",
};

/**
 * What the chat archive holds: the collections of the chat database and their documents, or why it cannot be read.
 * An archive without them (mongodump of an empty or misnamed database) restores nothing, without an error.
 */
export function chatArchiveCheck(contents: ArchiveContents): CheckResult {
  const name = "preflight:chat-archive";
  const { collections, documents } = collectionsOf(contents, CHAT_DB);
  const file = `${PART_PATHS.chat} (${contents.bytes} bytes)`;
  if (contents.problem)
    return { name, valid: false, summary: `${file} cannot be read to its end: ${contents.problem}` };
  if (collections === 0)
    return {
      name,
      valid: false,
      summary: `${file} holds no ${CHAT_DB} collection${contents.namespaces.size ? ` (only ${[...contents.namespaces.keys()].join(", ")})` : ""}: chat would be restored empty`,
    };
  return {
    name,
    valid: true,
    summary: `${file} holds ${collections} ${CHAT_DB} collection(s), ${documents} document(s)`,
    details: { namespaces: Object.fromEntries(contents.namespaces) },
  };
}

/** mongorestore's closing count ("665 document(s) restored successfully. 0 document(s) failed to restore."). */
export function restoredDocuments(output: string): string | undefined {
  return /\d+ document\(s\) restored successfully\. \d+ document\(s\) failed to restore\./.exec(output)?.[0];
}

const firstLine = (text: string) =>
  text
    .split("\n")
    .find((l) => /error|failed|fatal/i.test(l))
    ?.trim() ??
  text.trim().split("\n").at(-1) ??
  "";

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
      const record = {
        part,
        tool,
        path: PART_PATHS[part],
        at: rt.clock.now(),
        ms: Math.round(rt.clock.now() - started),
      };
      parts.push(record);
      rt.log(`  backup ${part}: ${tool} → ${record.path} in ${record.ms} ms`);
    };
    await pg.toolOrThrow(["mkdir", "-p", IN_CONTAINER]);
    await mongo.exec(["mkdir", "-p", IN_CONTAINER]);
    await take("data", "file copy (docker archive)", () => gatein.copyOut("data", join(dir, PART_PATHS.data)));
    for (const ds of DATASOURCES) {
      await take(ds, "pg_dump -Fc", () => pgDump(pg, databaseOf(ds), `${IN_CONTAINER}/${ds}.pgdump`));
    }
    await take("chat", `mongodump --db ${CHAT_DB} --archive --gzip`, async () => {
      const dumped = await mongo.exec([
        "mongodump",
        "--quiet",
        "--db",
        CHAT_DB,
        `--archive=${IN_CONTAINER}/${ARCHIVE}`,
        "--gzip",
      ]);
      if (dumped.exitCode !== 0) throw new Error(`mongodump exited ${dumped.exitCode}: ${firstLine(dumped.output)}`);
    });
    await take("codec", "file copy (docker archive)", () => gatein.copyOut("conf/codec", join(dir, PART_PATHS.codec)));
    const finishedAt = rt.clock.now();
    await pg.copyDirectoryOut(IN_CONTAINER, join(dir, "pg"));
    await mongo.copyDirectoryOut(IN_CONTAINER, join(dir, "mongo"));
    const tools = [
      (await pg.toolOrThrow(["pg_dump", "--version"])).trim(),
      (await mongo.exec(["mongodump", "--version"])).output.split("\n")[0]?.trim() ?? "mongodump",
    ];
    return {
      dir,
      method: this.backupMethod,
      tool: `${tools.join("; ")}; file copy of gatein/data and gatein/conf/codec`,
      finishedAt,
      version: this.version,
      parts,
    };
  }

  /**
   * Every part is in the artifact (swap and jta may be missing: the seed calls them optional), and the chat archive
   * holds the chat database: a file that is present says nothing of what mongorestore will find in it.
   */
  async preflight(artifact: ExoArtifact): Promise<CheckResult[]> {
    const missing: string[] = [];
    for (const [part, path] of Object.entries(PART_PATHS))
      if (!existsSync(join(artifact.dir, path))) missing.push(`${part} (${path})`);
    if (
      existsSync(join(artifact.dir, PART_PATHS.codec)) &&
      !existsSync(join(artifact.dir, PART_PATHS.codec, CODEC_FILE))
    )
      missing.push(`codec key (${PART_PATHS.codec}/${CODEC_FILE})`);
    const optional = ["jcr/swap", "jta"].filter((d) => !existsSync(join(artifact.dir, PART_PATHS.data, d)));
    return [
      {
        name: "preflight:parts",
        valid: missing.length === 0,
        summary: missing.length
          ? `the backup lacks ${missing.join(", ")}`
          : `all ${Object.keys(PART_PATHS).length} parts present${optional.length ? ` (${optional.join(", ")} absent: optional, the platform recreates them)` : ""}`,
      },
      ...(existsSync(join(artifact.dir, PART_PATHS.chat))
        ? [chatArchiveCheck(readMongoArchive(await readFile(join(artifact.dir, PART_PATHS.chat))))]
        : []),
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
    await step("data", async () =>
      existsSync(from(PART_PATHS.data))
        ? void (await gatein.copyIn(from(PART_PATHS.data), "data"))
        : "gatein/data is not in the backup",
    );
    await step("codec", async () =>
      existsSync(from(PART_PATHS.codec)) ? void (await gatein.copyIn(from(PART_PATHS.codec), "conf/codec")) : undefined,
    );
    if (existsSync(from("pg"))) await pg.copyDirectoryIn(from("pg"), RESTORE_DIR);
    for (const ds of DATASOURCES) {
      await step(ds, async () => {
        const r = await pgRestore(pg, databaseOf(ds), `${RESTORE_DIR}/${ds}.pgdump`);
        return r.exitCode === 0
          ? undefined
          : `pg_restore of ${databaseOf(ds)} exited ${r.exitCode}: ${firstLine(r.output)}`;
      });
    }
    await step("chat", async () => {
      if (!existsSync(from(PART_PATHS.chat))) return `${PART_PATHS.chat} is not in the backup`;
      await mongo.copyDirectoryIn(from("mongo"), RESTORE_DIR);
      // FerretDB refuses the dumped index options ("Index option ns is unknown"): documents first, indexes recreated below.
      const r = await mongo.exec([
        "mongorestore",
        `--archive=${RESTORE_DIR}/${ARCHIVE}`,
        "--gzip",
        `--nsInclude=${CHAT_DB}.*`,
        "--noIndexRestore",
        "--drop",
      ]);
      if (r.exitCode !== 0) return `mongorestore exited ${r.exitCode}: ${firstLine(r.output)}`;
      const restored = restoredDocuments(r.output);
      observed.push(`chat: mongorestore: ${restored ?? "no count printed"}`);
      if (restored?.startsWith("0 document(s) restored"))
        return `mongorestore restored no ${CHAT_DB} document: ${restored}`;
      const client = await mongo.client();
      try {
        const db = client.db(CHAT_DB);
        for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray())
          if (name.startsWith(messagesCollection(""))) await db.collection(name).createIndex({ timestamp: 1 });
      } finally {
        await client.close();
      }
      return undefined;
    });
    const ok = toolErrors.length === 0;
    return {
      node,
      attempts: [
        {
          ok,
          summary: ok ? `tier restored: ${observed.join("; ")}` : `tier up, but ${toolErrors[0]}`,
          durationMs: Date.now() - started,
          observed,
        },
      ],
      toolErrors,
    };
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
