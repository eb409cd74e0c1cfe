import type { BackupArtifact, Engine, EngineNode } from "../engine.ts";
import type { Evidence, ReplayArgs } from "../evidence.ts";
import type { Expectation } from "../expectation.ts";
import type { DrillFault } from "../faults.ts";
import type { ProgressSink } from "../progress.ts";
import type { ImageMode } from "../runtime/images.ts";
import type { WorkloadBounds } from "../workload.ts";

export interface WorkloadPlan extends WorkloadBounds {
  /** Ops completed before the backup starts, so it begins with writes in flight. */
  leadInOps: number;
  /** How long writing goes on after an online backup ends, so writes after the recovery point exist (rule 3). */
  tailMs: number;
}

/** The source side of a drill (provision, load, backup, destroy) and what every restore of its backup shares. */
export interface SourceOptions<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact> {
  scenario: string;
  engine: Engine<Payload, Node, Artifact>;
  seed?: number;
  rows: number;
  workload?: WorkloadPlan;
  /** Injected once into the backup; their restore hooks act in every restore of it. */
  faults?: DrillFault<Node, Artifact>[];
  targets?: { rtoMs?: number; rpoMs?: number };
  imageMode?: ImageMode;
  /** The user's image for this engine (`--image engine=REF`). */
  userImage?: string;
  reportsDir?: string;
  runId?: string;
  keepArtifacts?: boolean;
  sink?: ProgressSink;
  /** Aborting it interrupts the drill (Ctrl-C): it stops, removes what it started and leaves evidence saying so. */
  signal?: AbortSignal;
}

/** One restore of the backup: a drill of its own, with its own id, expectation, evidence and replay. */
export interface RestoreTarget<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact> {
  /** The engine (and version) restored into; the source engine itself for a same-version drill. */
  engine: Engine<Payload, Node, Artifact>;
  /** What this restore must show: by default what the faults expect, or a pass. */
  expect?: Expectation;
  /** The command that reruns this drill with the same data; gets the seed. */
  replayCommand: (seed: number) => string;
  /** The command-line arguments behind this drill, for `dr-drill replay`. */
  replayArgs?: ReplayArgs;
  /** After a restore that passed every check, also run the engine's deep verification on it (`deep-verify`). */
  deepVerify?: boolean;
}

export interface DrillOptions<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>
  extends SourceOptions<Payload, Node, Artifact>, Omit<RestoreTarget<Payload, Node, Artifact>, "engine"> {
  /** Restore into another version of the engine (pre-upgrade checks); the same engine by default. */
  restoreInto?: Engine<Payload, Node, Artifact>;
}

export interface DrillResult {
  evidence: Evidence;
  evidencePath: string;
  dir: string;
}
