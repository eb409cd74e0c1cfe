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
import { DOCUMENTED_ORDER, copyInOrder, differentialCopy, type CopyPlan, type CopyReport } from "./backup.ts";
import { EventStoreContainer } from "./container.ts";
import { decodeCheckpoint } from "./formats.ts";
import { EventStoreNode } from "./node.ts";
import { inspectDatabase } from "./preflight.ts";
import { restoreAttempts } from "./restore.ts";
import { waitForScavenge } from "./scavenge.ts";
import { drillChunkSize, eventStoreImageSpec, eventStoreVersion, type EventStoreVersion } from "./versions.ts";

/**
 * EventStoreDB and KurrentDB, backed up as their vendor says (docs/engines/eventstore.md, "The vendor's backup guide"):
 * the index checkpoints, the index, the database `*.chk`, then the chunks, from a running node (online) or a stopped
 * one (offline); the differential method runs the vendor's full-and-differential procedure twice, a scavenge between
 * (`differentialCopy`). Restored on a stopped node: the files into an empty volume owned by the image's user,
 * `chaser.chk` copied to `truncate.chk`, start (24.x+: the node truncates, exits 0, and is started again).
 */
export type EventStoreMethod = "online" | "offline" | "differential";
export const EVENTSTORE_METHODS: EventStoreMethod[] = ["online", "offline", "differential"];

export interface EventStoreArtifact extends BackupArtifact {
  sourceVersion: string;
  /**
   * Directories inside `dir` holding backup sets, oldest first: `db`, or `full` then `differential` (the full backup
   * brought up to date in place, as the vendor's procedure does: the newest set is the one restored).
   */
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
  /**
   * The chunk size of every node of the drill; by default the version's own (`drillChunkSize`). A version matrix
   * sets one for all its versions, so no pair mixes chunk sizes.
   */
  chunkSize?: number;
}

const STAGING = "/tmp/dr-drill-backup";

export class EventStoreEngine implements Engine<EventOp, EventStoreNode, EventStoreArtifact> {
  readonly backupMode: "online" | "offline";
  /** Each stream restored up to an instant of its own: its events are a prefix of what was appended to it. */
  readonly records: RecordModel = { consistency: "prefix-per-stream" };
  private readonly known: EventStoreVersion;
  readonly chunkSize: number;

  constructor(
    readonly name: string,
    readonly version: string,
    readonly backupMethod: EventStoreMethod = "online",
    readonly options: EventStoreEngineOptions = {},
  ) {
    this.known = eventStoreVersion(version);
    this.chunkSize = options.chunkSize ?? drillChunkSize([version]);
    this.backupMode = backupMethod === "offline" ? "offline" : "online";
  }

  private builder(rt: DrillRuntime, volume: string) {
    return rt.images
      .resolve(eventStoreImageSpec(this.name)(this.version))
      .then((image) =>
        new EventStoreContainer(image, this.known, this.chunkSize).withLabels(rt.labels).withVolume(volume),
      );
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
      chunkSize: this.chunkSize,
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
    if (this.backupMethod === "differential") return this.differential(node, dir, rt);
    const full = await copyInOrder(node, STAGING, plan, now);
    await node.copyDirectoryOut(STAGING, join(dir, "db"));
    rt.log(`  copied ${full.chunks.length} chunk file(s) in the order ${plan.order.join(" → ")}${leftOut(full)}`);
    return {
      dir,
      method: this.backupMethod,
      tool,
      finishedAt: now(),
      sourceVersion: this.version,
      sets: ["db"],
      copies: [full],
    };
  }

  /** The vendor's full-and-differential procedure into an empty backup, a scavenge, then the same procedure again. */
  private async differential(node: EventStoreNode["node"], dir: string, rt: DrillRuntime): Promise<EventStoreArtifact> {
    const now = () => rt.clock.now();
    await node.sh(`rm -rf '${STAGING}'`);
    const full = await differentialCopy(node, STAGING, this.chunkSize, now);
    await node.copyDirectoryOut(STAGING, join(dir, "full"));
    rt.log(`  full: ${full.chunks.length} chunk file(s)${leftOut(full)}`);
    const api = node.api();
    try {
      const id = await node.startScavenge();
      await waitForScavenge(api, id, 180_000);
      rt.log(`  scavenge ${id} completed`);
    } finally {
      await api.close();
    }
    const diff = await differentialCopy(node, STAGING, this.chunkSize, now);
    const finished = now();
    await node.copyDirectoryOut(STAGING, join(dir, "differential"));
    rt.log(
      `  differential: copied ${diff.copied.join(", ") || "no chunk"}; removed ${diff.removed.join(", ") || "none"}${leftOut(diff)}`,
    );
    return {
      dir,
      method: this.backupMethod,
      tool: `${this.known.product} ${this.version}: the vendor's full-and-differential procedure, a scavenge, the procedure again`,
      finishedAt: finished,
      sourceVersion: this.version,
      sets: ["full", "differential"],
      copies: [full, diff],
    };
  }

  /** The set the node starts from: the newest (a differential set is the full one brought up to date in place). */
  private restoreDir(artifact: EventStoreArtifact): string {
    return join(artifact.dir, artifact.sets.at(-1)!);
  }

  async preflight(artifact: EventStoreArtifact): Promise<CheckResult[]> {
    const dir = this.restoreDir(artifact);
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
    const dir = this.restoreDir(artifact);
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

/** What a copy left out or saw vanish, for the drill's log. */
function leftOut(report: CopyReport): string {
  const gone = report.steps.flatMap((s) => s.vanished);
  const { pastWriter, older } = report.leftOut;
  return [
    gone.length ? `; ${gone.length} file(s) vanished during the copy: ${gone.slice(0, 5).join(", ")}` : "",
    pastWriter.length ? `; left out past the copied writer checkpoint: ${pastWriter.join(", ")}` : "",
    older.length ? `; left out as older versions: ${older.join(", ")}` : "",
  ].join("");
}
