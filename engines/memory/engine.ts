import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type {
  BackupArtifact,
  BackupMode,
  DatasetSpec,
  DrillRuntime,
  Engine,
  EngineNode,
  LoadStats,
  RestoreResult,
} from "../../harness/engine.ts";
import { EngineError } from "../../harness/engine-error.ts";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { RecordModel } from "../../harness/checkers/ledger-oracle.ts";
import { ABSENT_DIGEST, type KeyWrite, type Ledger } from "../../harness/ledger.ts";
import type { RecordFile } from "../../harness/records.ts";
import type { PhaseProgress } from "../../harness/progress.ts";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import type { OpSource, WorkloadClient, WorkloadOp } from "../../harness/workload.ts";

/**
 * An in-process key-value store: the smallest complete engine, and the one the unit tests drill the whole lifecycle
 * with, without Docker. A new engine copies this folder's shape (engine, node, workload client, faults) and replaces
 * the store with real containers. Its options make it misbehave the ways real engines and our own code do.
 */
export interface MemoryEngineOptions {
  backupMode?: BackupMode;
  records?: RecordModel;
  /** The backup copies half the keys, waits this long while writes go on, then the rest: a torn cut. */
  tornCopyPauseMs?: number;
  /** A plain exception (a bug of dr-drill, Docker going away) in this step. */
  crashIn?: "backup" | "restore" | "invariants" | "probe-write";
  /** The restored store refuses to start, saying this (an engine refusal). */
  refuseRestore?: string;
  /**
   * The restored store comes up and serves, but its restore tool reported this error (a failed attempt and a tool
   * error beside a live node, as a pg_restore error or a `_restore` left behind gives).
   */
  upDespiteToolError?: string;
  /** The restored store starts but cannot serve reads, saying this (an engine error). */
  readError?: string;
  /** The restored store refuses the probe write, saying this (an engine error). */
  refuseWrite?: string;
  /** The restored store's read never ends: our read gives up with a time-out of its own (not an engine answer). */
  readTimesOut?: boolean;
  /** The errors the restored store's server log holds (it names its errors: the `server-log` check runs). */
  loggedErrors?: string[];
  /** Backup attempts that fail before one succeeds. */
  failingBackups?: number;
  /** Images the node reports, e.g. two for a multi-container node. */
  images?: ResolvedImage[];
  /** Each writer deletes every key it creates with its next op (create, delete, create…): a ledger of deletes. */
  deletes?: boolean;
}

/** A put, or a delete when `value` is absent. */
export type MemoryOp = { key: string; value?: string };

interface Stored {
  digest: string;
  preview: string;
}

export interface MemoryArtifact extends BackupArtifact {
  sourceVersion: string;
}

const ARTIFACT_FILE = "store.json";
/** stop-copy-start: the store stays stopped this long after the copy before it starts again, so writers meet it down. */
const STOPPED_AFTER_COPY_MS = 50;
const IN_PROCESS: ResolvedImage = { ref: "in-process/memory", id: "none", source: "offline" };

export const digestOf = (value: string) => createHash("sha256").update(value).digest("hex");
const deleted = (key: string): KeyWrite => ({ key, digest: ABSENT_DIGEST, preview: "(deleted)" });
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export class MemoryNode implements EngineNode<MemoryOp> {
  readonly store = new Map<string, Stored>();
  running = true;

  /** Present when the store names the errors in its log (`loggedErrors`). */
  readonly serverErrors?: () => Promise<string[]>;

  constructor(
    readonly images: ResolvedImage[],
    private readonly restored: Pick<
      MemoryEngineOptions,
      "readError" | "refuseWrite" | "crashIn" | "readTimesOut" | "loggedErrors"
    > = {},
  ) {
    const logged = restored.loggedErrors;
    if (logged) this.serverErrors = async () => logged;
  }

  async load(dataset: DatasetSpec, ledger: Ledger, progress: PhaseProgress): Promise<LoadStats> {
    for (let start = 0; start < dataset.rows; start += 100) {
      const invokeAt = ledger.clock.now();
      const writes: KeyWrite[] = [];
      for (let i = start; i < Math.min(dataset.rows, start + 100); i++)
        writes.push(this.put(`k/${String(i).padStart(8, "0")}`, `loaded ${dataset.seed} ${i}`));
      await tick();
      ledger.appendLoad(invokeAt, writes);
      progress.update({ records: this.store.size });
    }
    return { records: dataset.rows };
  }

  put(key: string, value: string | undefined): KeyWrite {
    if (!this.running) throw new Error(`connection refused: the store is stopped`);
    if (value === undefined) {
      this.store.delete(key);
      return deleted(key);
    }
    const stored = { digest: digestOf(value), preview: value };
    this.store.set(key, stored);
    return { key, ...stored };
  }

  async openWorkloadClient(): Promise<WorkloadClient<MemoryOp>> {
    return {
      apply: async (op: WorkloadOp<MemoryOp>) => {
        await tick();
        return [this.put(op.payload.key, op.payload.value)];
      },
      intended: async ({ payload: { key, value } }) => [
        value === undefined ? deleted(key) : { key, digest: digestOf(value), preview: value },
      ],
      isDefiniteFailure: () => false,
      close: async () => undefined,
    };
  }

  async readCanonical(into: RecordFile): Promise<void> {
    if (this.restored.readError) throw new EngineError(this.restored.readError);
    if (this.restored.readTimesOut) throw new Error("connack timeout");
    for (const [key, s] of this.store) await into.add({ key, ...s });
  }

  async probeWrite(): Promise<string> {
    if (this.restored.crashIn === "probe-write")
      throw new Error("connect ECONNREFUSED /var/run/docker.sock (simulated harness failure)");
    if (this.restored.refuseWrite) throw new EngineError(this.restored.refuseWrite);
    this.put("probe", "probe");
    this.store.delete("probe");
    return "wrote a key and removed it";
  }

  async destroy(): Promise<void> {
    this.running = false;
    this.store.clear();
  }
}

/**
 * Writer `w` writes its own keys: new ones, and rewrites of loaded keys it owns (key ≡ w mod writers); with `deletes`,
 * each new key is deleted by the writer's next op instead.
 */
class MemoryWorkload implements OpSource<MemoryOp> {
  private readonly n = new Map<number, number>();

  constructor(
    private readonly loaded: number,
    private readonly deletes: boolean,
  ) {}

  next(writer: number, writers: number): WorkloadOp<MemoryOp> {
    const n = this.n.get(writer) ?? 0;
    this.n.set(writer, n + 1);
    if (this.deletes && n % 2 === 1) {
      const key = `w/${writer}/${String(n - 1).padStart(8, "0")}`;
      return { kind: "delete", keys: [key], payload: { key } };
    }
    const slot = writer + writers * (n % Math.max(1, Math.floor(this.loaded / writers)));
    const key =
      n % 2 === 0 || slot >= this.loaded
        ? `w/${writer}/${String(n).padStart(8, "0")}`
        : `k/${String(slot).padStart(8, "0")}`;
    return { kind: "put", keys: [key], payload: { key, value: `${key} #${n}` } };
  }
}

const isEntry = (e: unknown): e is [string, Stored] =>
  Array.isArray(e) &&
  e.length === 2 &&
  typeof e[0] === "string" &&
  typeof e[1] === "object" &&
  e[1] !== null &&
  typeof e[1].digest === "string" &&
  typeof e[1].preview === "string";

/**
 * The store's file as the store itself loads it: its entries, or why it will not load them. A damaged file is the
 * store's refusal to start (a finding about the backup), never an exception of ours.
 */
export function parseStore(text: string): [string, Stored][] | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `not valid JSON (${err instanceof Error ? err.message : String(err)})`;
  }
  if (!Array.isArray(value)) return "not a list of entries";
  const bad = value.findIndex((e) => !isEntry(e));
  return bad === -1 ? value.filter(isEntry) : `entry ${bad} is not a [key, {digest, preview}] pair`;
}

export class MemoryEngine implements Engine<MemoryOp, MemoryNode, MemoryArtifact> {
  readonly name = "memory";
  readonly backupMethod = "snapshot";
  readonly backupMode: BackupMode;
  readonly records: RecordModel;
  private backupsFailed = 0;
  private rows = 0;

  constructor(
    readonly version = "1",
    private readonly options: MemoryEngineOptions = {},
  ) {
    this.backupMode = options.backupMode ?? "online";
    this.records = options.records ?? { consistency: "point-in-time" };
  }

  async provision(): Promise<MemoryNode> {
    return new MemoryNode(this.options.images ?? [IN_PROCESS]);
  }

  async backup(node: MemoryNode, dir: string, rt: DrillRuntime): Promise<MemoryArtifact> {
    if (this.options.crashIn === "backup")
      throw new Error("ECONNRESET from the Docker socket (simulated harness failure)");
    if (this.backupsFailed < (this.options.failingBackups ?? 0)) {
      this.backupsFailed++;
      throw new Error(`copy interrupted after ${this.backupsFailed * 1000} bytes`);
    }
    if (this.backupMode !== "online") node.running = false;
    const entries = [...node.store];
    const half = this.options.tornCopyPauseMs === undefined ? entries.length : Math.floor(entries.length / 2);
    const copied = entries.slice(0, half);
    if (this.options.tornCopyPauseMs !== undefined) {
      await new Promise((r) => setTimeout(r, this.options.tornCopyPauseMs));
      const first = new Set(copied.map(([k]) => k));
      copied.push(...[...node.store].filter(([k]) => !first.has(k)));
    }
    const finishedAt = rt.clock.now();
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, ARTIFACT_FILE), JSON.stringify(copied));
    if (this.backupMode === "stop-copy-start") {
      await new Promise((r) => setTimeout(r, STOPPED_AFTER_COPY_MS));
      node.running = true;
    }
    return { dir, method: this.backupMethod, tool: "in-process snapshot", finishedAt, sourceVersion: this.version };
  }

  async preflight(artifact: MemoryArtifact): Promise<CheckResult[]> {
    const present = existsSync(join(artifact.dir, ARTIFACT_FILE));
    return [
      {
        name: "preflight:store-file",
        valid: present,
        summary: present ? `${ARTIFACT_FILE} present` : `${ARTIFACT_FILE} missing`,
      },
    ];
  }

  async restore(artifact: MemoryArtifact): Promise<RestoreResult<MemoryNode>> {
    if (this.options.crashIn === "restore")
      throw new Error("connect ENOENT /var/run/docker.sock (simulated harness failure)");
    if (this.options.refuseRestore)
      return {
        attempts: [{ ok: false, summary: this.options.refuseRestore, exitCode: 1, durationMs: 1 }],
        toolErrors: [],
      };
    const node = new MemoryNode(this.options.images ?? [IN_PROCESS], this.options);
    const parsed = parseStore(await readFile(join(artifact.dir, ARTIFACT_FILE), "utf8"));
    if (typeof parsed === "string")
      return {
        attempts: [
          { ok: false, summary: `the store refuses to load ${ARTIFACT_FILE}: ${parsed}`, exitCode: 1, durationMs: 1 },
        ],
        toolErrors: [],
      };
    for (const [key, s] of parsed) node.store.set(key, s);
    const toolError = this.options.upDespiteToolError;
    if (toolError)
      return {
        node,
        attempts: [{ ok: false, summary: `store up, but ${toolError}`, exitCode: 1, durationMs: 1 }],
        toolErrors: [toolError],
      };
    return {
      node,
      attempts: [{ ok: true, summary: `store of ${node.store.size} keys loaded`, durationMs: 1 }],
      toolErrors: [],
    };
  }

  workload(dataset: DatasetSpec): MemoryWorkload {
    this.rows = dataset.rows;
    return new MemoryWorkload(this.rows, this.options.deletes ?? false);
  }

  async invariants(): Promise<CheckResult[]> {
    if (this.options.crashIn === "invariants")
      throw new Error("TypeError: cannot read properties of undefined (simulated checker bug)");
    return [];
  }
}
