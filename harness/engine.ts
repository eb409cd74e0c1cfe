import type { DrillClock } from "./clock.ts";
import type { Ledger } from "./ledger.ts";
import type { RecordFile } from "./records.ts";
import type { CheckResult } from "./checkers/checker.ts";
import type { StateSummary } from "./checkers/equivalence.ts";
import type { RecordModel } from "./checkers/ledger-oracle.ts";
import type { OpSource, WorkloadClient } from "./workload.ts";
import type { PhaseProgress } from "./progress.ts";
import type { ImageResolver, ResolvedImage } from "./runtime/images.ts";
import type { RestoreVolume } from "./runtime/restore-volume.ts";
import type { BackupMode, RestoreAttempt } from "./schema/evidence-drill.ts";
import type { RecoveryTarget } from "./checkers/recovery-target.ts";

/**
 * The contract one engine folder (`engines/<name>/`) fulfils. A drill only ever talks to these types, so adding an
 * engine means implementing them: provision a node, load a generated data set, back it up with the engine's documented
 * procedure, restore it into a fresh node, and read everything back in canonical form. `engines/memory/` is the
 * smallest complete example.
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
  /** Aborted when the run is interrupted (Ctrl-C): long waits should give up early. */
  signal: AbortSignal;
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

/** A running engine instance, source or restored: one container, or several on a private network. */
export interface EngineNode<Payload> {
  /** Every image the node runs, for the evidence (several for a multi-container node). */
  readonly images: ResolvedImage[];
  /** Writes the generated data set, one ledger entry per batch, reporting progress. */
  load(dataset: DatasetSpec, ledger: Ledger, progress: PhaseProgress): Promise<LoadStats>;
  openWorkloadClient(): Promise<WorkloadClient<Payload>>;
  /**
   * Streams the whole state as canonical records (key, digest, preview). An error the engine itself returns (it cannot
   * serve a table, a partition is missing) is thrown as `EngineError`: a finding about the backup, not our crash.
   */
  readCanonical(into: RecordFile, progress: PhaseProgress): Promise<void>;
  /** Proves the engine takes a new write and serves it back. Throws when it does not. */
  probeWrite(): Promise<string>;
  /**
   * The errors the engine itself logged since this node started, each in its own words (a queue process that crashed,
   * a PANIC, a page it could not read), found by the engine's patterns; empty when it logged none. Read after the
   * read-back: an engine failure seen there is a finding, and it turns a time-out of ours into the engine's failure.
   */
  serverErrors?(): Promise<string[]>;
  /**
   * Runs a user's query (SQL, Cypher…) on the node, for `dr-drill verify --checks`: rows of text cells. An error the
   * engine returns for it is thrown as `EngineError`.
   */
  userQuery?(text: string): Promise<string[][]>;
  /** Removes the containers and every volume that held the node's data. */
  destroy(): Promise<void>;
  /**
   * Runs a query of the config's checks (`checks` in dr-drill.config.ts) and returns its rows as text columns; an
   * error the engine returns is thrown as `EngineError`. Optional: an engine without it cannot run those checks.
   */
  checkQuery?(text: string): Promise<string[][]>;
}

/** A backup artifact on the host: a directory that holds everything the engine's backup produced (all a fault needs). */
export interface ArtifactRef {
  dir: string;
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
  /**
   * When the backup fixes each part at its own instant inside a span (QuestDB's CHECKPOINT CREATE takes the tables
   * one by one), how long that span was: the oracle then claims a torn cut only beyond it.
   */
  cutToleranceMs?: number;
  /**
   * A point-in-time recovery's target T: the restore stops at T, not at the end of the backup, so the oracle judges the
   * cut at T (`recoveryWindow`) and the RPO is measured back from T.
   */
  recoveryTarget?: RecoveryTarget;
}

/**
 * One attempt at bringing a restored node up (its fields in harness/schema/evidence-drill.ts). A retry after fixing a
 * cause is a second attempt. `observed` lists what was seen, not assumed: a trigger file present before the start and
 * gone after, the engine's own log line.
 */
export type { RestoreAttempt } from "./schema/evidence-drill.ts";

export interface RestoreResult<Node> {
  /** The restored node when it came up (it may still hold wrong data: that is the checkers' job). */
  node?: Node;
  attempts: RestoreAttempt[];
  /** Non-fatal problems the restore tool reported while the node came up anyway. */
  toolErrors: string[];
}

/** Steps a scenario adds to the documented restore: a fault in the copied files, a fix between two attempts. */
export interface RestoreHooks {
  /** After the backup was copied into the new volume, before the first start. */
  afterCopyIn?(volume: RestoreVolume): Promise<void>;
  /** After a failed attempt: fix the cause and say what was done, or undefined to give up. */
  beforeRetry?(volume: RestoreVolume, failed: RestoreAttempt): Promise<string | undefined>;
}

/**
 * - `online`: the backup runs while the node serves and the workload writes;
 * - `offline`: the node is stopped for the backup; the writers drain and stop first, and the source state is read
 *   before the stop;
 * - `stop-copy-start`: the backup stops the node, copies it and starts it again (a maintenance window) while the
 *   writers go on: their writes fail while the node is down and succeed again after the restart. The cut is the stop
 *   (the artifact's `finishedAt`); the source state is not read before it (a read may change it: taking an MQTT
 *   session's queue empties it), so under load only the ledger judges the restored state.
 */
export type { BackupMode } from "./schema/evidence-drill.ts";

export interface Engine<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact> {
  readonly name: string;
  readonly version: string;
  readonly backupMethod: string;
  readonly backupMode: BackupMode;
  /** What the backup promises about the restored records (the cut, duplicates): the oracle checks exactly that. */
  readonly records: RecordModel;
  provision(rt: DrillRuntime): Promise<Node>;
  /** The engine's documented backup procedure; the artifact lands in `dir`. */
  backup(node: Node, dir: string, rt: DrillRuntime): Promise<Artifact>;
  /** Checks on the artifact before restoring it into this engine's version (missing parts, manifests, versions). */
  preflight(artifact: Artifact, rt: DrillRuntime): Promise<CheckResult[]>;
  /**
   * The documented restore procedure into a fresh node of this engine's version. Reads `artifact.dir` and never writes
   * into it: one backup is restored into several targets (a version matrix), each from the same files.
   */
  restore(artifact: Artifact, rt: DrillRuntime, hooks: RestoreHooks): Promise<RestoreResult<Node>>;
  /** The workload this engine's data model supports (inserts, updates, transfers…). */
  workload(dataset: DatasetSpec): OpSource<Payload>;
  /** Engine-specific checks on the restored state (invariants such as a constant total balance). */
  invariants(node: Node, rt: DrillRuntime): Promise<CheckResult[]>;
  /**
   * Optional, for fault campaigns: a deeper verification than the drill's checks, run on a restored node whose every
   * check held: the engine's own verifier (amcheck, a consistency checker) and a read of every record through its
   * key or index path, compared with `restored` (the full scan the oracle accepted). One check named `deep-verify`.
   */
  deepVerify?(node: Node, restored: StateSummary, rt: DrillRuntime): Promise<CheckResult>;
  /**
   * Optional, for fault campaigns: what kind of file a path of the artifact is (heap, index, WAL…), for the tables;
   * `at` is the byte offset where the damage starts, for an engine that tells the parts of one file apart.
   */
  fileKind?(artifact: Artifact, path: string, at?: number): string;
}
