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

export interface DrillOptions<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact> {
  scenario: string;
  engine: Engine<Payload, Node, Artifact>;
  /** Restore into another version of the engine (pre-upgrade checks); the same engine by default. */
  restoreInto?: Engine<Payload, Node, Artifact>;
  seed?: number;
  rows: number;
  workload?: WorkloadPlan;
  faults?: DrillFault<Node, Artifact>[];
  /** What the drill must show: by default what its faults expect, or a pass. */
  expect?: Expectation;
  targets?: { rtoMs?: number; rpoMs?: number };
  imageMode?: ImageMode;
  reportsDir?: string;
  runId?: string;
  /** The command that reruns this drill with the same data; gets the seed. */
  replayCommand: (seed: number) => string;
  /** The command-line arguments behind this drill, for `dr-drill replay`. */
  replayArgs?: ReplayArgs;
  keepArtifacts?: boolean;
  sink?: ProgressSink;
  /** Aborting it interrupts the drill (Ctrl-C): it stops, removes what it started and leaves evidence saying so. */
  signal?: AbortSignal;
}

export interface DrillResult {
  evidence: Evidence;
  evidencePath: string;
  dir: string;
}
