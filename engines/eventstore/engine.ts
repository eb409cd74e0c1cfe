import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
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
import { createVolume } from "../../harness/runtime/resources.ts";
import { EventsWorkload, type EventOp } from "../../protocols/event-store/model.ts";
import { DOCUMENTED_ORDER, copyInOrder, type CopyPlan, type CopyReport } from "./backup.ts";
import { completedChunks, mergeBackupSets } from "./chunk-set.ts";
import { EventStoreContainer } from "./container.ts";
import { decodeCheckpoint } from "./formats.ts";
import { EventStoreNode } from "./node.ts";
import { inspectDatabase } from "./preflight.ts";
import { restoreAttempts } from "./restore.ts";
import { waitForScavenge } from "./scavenge.ts";
import { eventStoreImageSpec, eventStoreVersion, type EventStoreVersion } from "./versions.ts";

/**
 * EventStoreDB and KurrentDB, backed up as their guide says (docs/engines/eventstore.md, "The vendor's backup guide"):
 * the index checkpoints, the index, the database `*.chk`, then the chunks, from a running node (online) or a stopped
 * one (offline); a differential backup copies, after a scavenge, every chunk file but those the full backup holds
 * completed (new versions, new chunks, and the chunk that was still open). Restored on a stopped node: the files into
 * an empty volume owned by the image's user, `chaser.chk` copied to `truncate.chk`, start (24.x+: the node truncates,
 * exits 0, and is started again).
 */
export type EventStoreMethod = "online" | "offline" | "differential";
export const EVENTSTORE_METHODS: EventStoreMethod[] = ["online", "offline", "differential"];

export interface EventStoreArtifact extends BackupArtifact {
  sourceVersion: string;
  /** Directories inside `dir` holding backup sets, oldest first: `db`, or `full` then `differential`. */
  sets: string[];
  copies: CopyReport[];
}

export interface EventStoreEngineOptions {
  /** The copy as a scenario bends it (the order, a pause, a scavenge between two steps). */
  copy?: Partial<Pick<CopyPlan, "order" | "pauseAfterFirstStep">> & { scavengeBefore?: CopyPlan["order"][number] };
  /** The guide's restore step 3; false restores without writing truncate.chk (the fault the product was asked about). */
  truncateFromChaser?: boolean;
  /** Server options of the restored node (e.g. `MAX_TRUNCATION`). */
  restoreOptions?: Record<string, string>;
}

const STAGING = "/tmp/dr-drill-backup";

export class EventStoreEngine implements Engine<EventOp, EventStoreNode, EventStoreArtifact> {
  readonly backupMode: "online" | "offline";
  /** Each stream restored up to an instant of its own: its events are a prefix of what was appended to it. */
  readonly records: RecordModel = { consistency: "prefix-per-stream" };
  private readonly known: EventStoreVersion;

  constructor(
    readonly name: string,
    readonly version: string,
    readonly backupMethod: EventStoreMethod = "online",
    readonly options: EventStoreEngineOptions = {},
  ) {
    this.known = eventStoreVersion(version);
    this.backupMode = backupMethod === "offline" ? "offline" : "online";
  }

  private builder(rt: DrillRuntime, volume: string) {
    return rt.images
      .resolve(eventStoreImageSpec(this.name)(this.version))
      .then((image) => new EventStoreContainer(image, this.known).withLabels(rt.labels).withVolume(volume));
  }

  async provision(rt: DrillRuntime): Promise<EventStoreNode> {
    const volume = await createVolume(`${rt.drillId}-source`, rt.labels);
    return new EventStoreNode(await (await this.builder(rt, volume)).start(), volume);
  }

  async backup(source: EventStoreNode, dir: string, rt: DrillRuntime): Promise<EventStoreArtifact> {
    const node = source.node;
    const now = () => rt.clock.now();
    const plan: CopyPlan = {
      order: this.options.copy?.order ?? DOCUMENTED_ORDER,
      ...(this.options.copy?.pauseAfterFirstStep ? { pauseAfterFirstStep: this.options.copy.pauseAfterFirstStep } : {}),
      ...(this.options.copy?.scavengeBefore
        ? {
            beforeStep: (step) =>
              step === this.options.copy?.scavengeBefore
                ? node.startScavenge().then(() => undefined)
                : Promise.resolve(),
          }
        : {}),
    };
    const tool = `${this.known.product} ${this.version}: copy in the order ${plan.order.join(" → ")}`;
    if (this.backupMethod === "offline") {
      await node.stopCleanly();
      await node.copyDirectoryOut(this.known.dataDir, join(dir, "db"));
      rt.log(`  offline: node stopped, ${this.known.dataDir} copied whole`);
      return {
        dir,
        method: this.backupMethod,
        tool: `${this.known.product} ${this.version}: node stopped, data directory copied`,
        finishedAt: now(),
        sourceVersion: this.version,
        sets: ["db"],
        copies: [],
      };
    }
    const full = await copyInOrder(node, STAGING, plan, now);
    const finishedFull = now();
    await node.copyDirectoryOut(STAGING, join(dir, this.backupMethod === "differential" ? "full" : "db"));
    rt.log(`  copied ${full.chunks.length} chunk file(s) in the order ${plan.order.join(" → ")}${vanished(full)}`);
    if (this.backupMethod !== "differential")
      return {
        dir,
        method: this.backupMethod,
        tool,
        finishedAt: finishedFull,
        sourceVersion: this.version,
        sets: ["db"],
        copies: [full],
      };
    const api = node.api();
    try {
      const id = await node.startScavenge();
      await waitForScavenge(api, id, 180_000);
      rt.log(`  scavenge ${id} completed`);
    } finally {
      await api.close();
    }
    const immutable = await completedChunks(join(dir, "full"));
    const diff = await copyInOrder(node, STAGING, { ...plan, skipChunks: new Set(immutable) }, now);
    const finished = now();
    await node.copyDirectoryOut(STAGING, join(dir, "differential"));
    rt.log(
      `  differential: ${diff.chunks.length} chunk file(s) not completed in the full backup (${diff.chunks.join(", ") || "none"})`,
    );
    return {
      dir,
      method: this.backupMethod,
      tool: `${tool}; scavenge; differential of the chunk files not completed in the full backup`,
      finishedAt: finished,
      sourceVersion: this.version,
      sets: ["full", "differential"],
      copies: [full, diff],
    };
  }

  /** The set the node will start from: a single backup, or the full and differential sets merged (highest chunk-X.Y). */
  private async restoreDir(artifact: EventStoreArtifact, rt: DrillRuntime): Promise<string> {
    if (artifact.sets.length === 1) return join(artifact.dir, artifact.sets[0]!);
    return (
      await mergeBackupSets(
        artifact.sets.map((s) => join(artifact.dir, s)),
        join(rt.workDir, "merged"),
      )
    ).dir;
  }

  async preflight(artifact: EventStoreArtifact, rt: DrillRuntime): Promise<CheckResult[]> {
    const dir = await this.restoreDir(artifact, rt);
    return inspectDatabase(dir, {
      restoreWritesTruncate: this.options.truncateFromChaser ?? true,
      targetChunkVersion: this.known.chunkVersion,
      ...(this.options.restoreOptions?.MAX_TRUNCATION
        ? { maxTruncation: Number(this.options.restoreOptions.MAX_TRUNCATION) }
        : {}),
    });
  }

  async restore(
    artifact: EventStoreArtifact,
    rt: DrillRuntime,
    hooks: RestoreHooks,
  ): Promise<RestoreResult<EventStoreNode>> {
    const dir = await this.restoreDir(artifact, rt);
    const truncateFromChaser = this.options.truncateFromChaser ?? true;
    const truncateFile = join(dir, truncateFromChaser ? "chaser.chk" : "truncate.chk");
    const truncateAt = existsSync(truncateFile) ? decodeCheckpoint(await readFile(truncateFile)) : -1;
    const volume = await createVolume(`${rt.drillId}-restored`, rt.labels);
    let builder = await this.builder(rt, volume);
    for (const [k, v] of Object.entries(this.options.restoreOptions ?? {})) builder = builder.withOption(k, v);
    return restoreAttempts({
      builder,
      volume,
      dir,
      version: this.known,
      truncateFromChaser,
      truncateAt,
      rt,
      hooks,
      image: await rt.images.resolve(eventStoreImageSpec(this.name)(this.version)),
    });
  }

  workload(dataset: DatasetSpec): EventsWorkload {
    return new EventsWorkload(dataset.seed);
  }

  /** `$all` agrees with every stream's order, and the restored node logged no corruption. */
  async invariants(node: EventStoreNode): Promise<CheckResult[]> {
    const order = node.lastRead?.allOrderViolations;
    const log = await node.node.log();
    const corrupt = log
      .split("\n")
      .filter((l) => /ReadIndex is corrupted|Verification of chunk .* failed|CorruptDatabaseException/.test(l));
    return [
      order === undefined
        ? { name: "invariant:all-order", valid: "unknown", summary: "the node was not read back" }
        : {
            name: "invariant:all-order",
            valid: order.length === 0,
            summary: order.length
              ? `$all disagrees with ${order.length} stream position(s): ${order[0]}`
              : `$all order agrees with every stream's order (${node.lastRead!.events} events, ${node.lastRead!.streams} streams)`,
            ...(order.length ? { examples: order.slice(0, 20) } : {}),
          },
      {
        name: "invariant:server-log",
        valid: corrupt.length === 0,
        summary: corrupt.length
          ? `the restored node logged: ${corrupt[0]!.slice(0, 300)}`
          : "no corruption in the restored node's log",
        ...(corrupt.length ? { examples: corrupt.slice(0, 10) } : {}),
      },
    ];
  }
}

function vanished(report: CopyReport): string {
  const gone = report.steps.flatMap((s) => s.vanished);
  return gone.length ? `; ${gone.length} file(s) vanished during the copy: ${gone.slice(0, 5).join(", ")}` : "";
}
