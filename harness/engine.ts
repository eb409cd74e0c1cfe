import type { DrillClock } from "./clock.ts";
import type { Ledger } from "./ledger.ts";
import type { RecordFile } from "./records.ts";
import type { CheckResult } from "./checkers/checker.ts";
import type { ArtifactRef } from "./faults.ts";
import type { OpSource, WorkloadClient } from "./workload.ts";
import type { PhaseProgress } from "./progress.ts";
import type { ImageResolver, ResolvedImage } from "./runtime/images.ts";

/**
 * The contract one engine folder (`engines/<name>/`) fulfils. A drill only ever talks to these types, so adding an
 * engine means implementing them: provision a node, load a generated data set, back it up with the engine's documented
 * procedure, restore it into a fresh node, and read everything back in canonical form.
 */

/** What the drill runner lends an engine: labels for everything it creates, images, a place for files, the clock. */
export interface DrillRuntime {
  runId: string;
  drillId: string;
  labels: Record<string, string>;
  images: ImageResolver;
  clock: DrillClock;
  /** Scratch directory of this drill (backups, sorted files); removed at the end unless kept. */
  workDir: string;
  log(line: string): void;
}

export interface DatasetSpec {
  seed: number;
  /** Rows (or records) the load phase writes. */
  rows: number;
}

export interface LoadStats {
  records: number;
  bytes?: number;
}

/** A running engine instance, source or restored. */
export interface EngineNode<Payload> {
  readonly image: ResolvedImage;
  readonly containerId: string;
  /** Writes the generated data set, one ledger entry per batch, reporting progress. */
  load(dataset: DatasetSpec, ledger: Ledger, progress: PhaseProgress): Promise<LoadStats>;
  openWorkloadClient(): Promise<WorkloadClient<Payload>>;
  /** Streams the whole state as canonical records (key, engine-computed digest, preview). */
  readCanonical(into: RecordFile, progress: PhaseProgress): Promise<void>;
  /** Proves the engine takes a new write and serves it back. Throws when it does not. */
  probeWrite(): Promise<string>;
  /** Removes the container and every volume that held its data. */
  destroy(): Promise<void>;
}

/** A backup the engine made, copied to the host. */
export interface BackupArtifact extends ArtifactRef {
  method: string;
  /** The tool that made it and its version, e.g. `pg_basebackup (PostgreSQL) 15.14`. */
  tool: string;
  /**
   * When the engine's backup procedure itself finished (drill clock), before the artifact travelled to the host:
   * the end of the backup window, since nothing written later can be in the backup.
   */
  finishedAt: number;
  /** Time spent in the engine's special backup mode (QuestDB checkpoint, Memgraph lock), when it has one. */
  specialModeMs?: number;
}

/** One attempt at bringing a restored node up. A retry after fixing a cause is a second attempt. */
export interface RestoreAttempt {
  ok: boolean;
  summary: string;
  exitCode?: number;
  logTail?: string;
  durationMs: number;
}

export interface RestoreResult<Payload> {
  /** The restored node when it came up (it may still hold wrong data: that is the checkers' job). */
  node?: EngineNode<Payload>;
  attempts: RestoreAttempt[];
  /** Non-fatal problems the restore tool reported while the node came up anyway. */
  toolErrors: string[];
}

/** What engine-specific checkers get: the restored node and the drill's files. */
export interface RestoredContext<Payload> {
  node: EngineNode<Payload>;
  runtime: DrillRuntime;
}

export interface Engine<Payload, Artifact extends BackupArtifact = BackupArtifact> {
  readonly name: string;
  readonly version: string;
  readonly backupMethod: string;
  provision(rt: DrillRuntime): Promise<EngineNode<Payload>>;
  /** The engine's documented backup procedure, run while the workload writes; the artifact lands in `dir`. */
  backup(node: EngineNode<Payload>, dir: string, rt: DrillRuntime): Promise<Artifact>;
  /** Checks on the artifact before restoring it (missing parts, manifests, version mismatch). */
  preflight(artifact: Artifact, target: Engine<Payload, Artifact>, rt: DrillRuntime): Promise<CheckResult[]>;
  /** The documented restore procedure into a fresh node of this engine's version. */
  restore(artifact: Artifact, rt: DrillRuntime): Promise<RestoreResult<Payload>>;
  /** The workload this engine's data model supports (inserts, updates, transfers…). */
  workload(dataset: DatasetSpec): OpSource<Payload>;
  /** Engine-specific checks on the restored state (invariants such as a constant total balance). */
  invariants(ctx: RestoredContext<Payload>): Promise<CheckResult[]>;
}
