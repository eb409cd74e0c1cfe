import { runDrill, type DrillResult, type WorkloadPlan } from "./drill.ts";
import type { BackupArtifact, Engine, EngineNode } from "./engine.ts";
import type { ReplayArgs } from "./evidence.ts";
import type { Expectation } from "./expectation.ts";
import type { DrillFault } from "./faults.ts";
import type { ProgressSink } from "./progress.ts";
import type { ImageMode } from "./runtime/images.ts";
import { newSeed } from "./seed.ts";

/** One request to run a scenario, from the command line or a test: everything but the engine's own choices. */
export interface ScenarioRequest {
  version: string;
  method: string;
  /** Another version to restore into, when asked for. */
  restoreInto: string | null;
  rows: number;
  seed?: number;
  /** Writers during the backup, for scenarios that write while it runs. */
  writers: number;
  images: ImageMode;
  runId: string;
  reportsDir: string;
  targets: { rtoMs?: number; rpoMs?: number };
  keepArtifacts: boolean;
  sink?: ProgressSink;
  signal?: AbortSignal;
  /** How to rerun one drill of it: the command, and the arguments `dr-drill replay` uses (null outside the command). */
  replay(drill: { seed: number; version: string; restoreInto: string | null }): { command: string; args: ReplayArgs | null };
}

/** What building one drill of a scenario depends on. */
export type BuildRequest = Pick<ScenarioRequest, "version" | "method" | "restoreInto">;

/** A named drill of an engine that `dr-drill run --scenario` and the tests run the same way, with the same expectation. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly methods: string[];
  /** What the drill must show, in words, for `dr-drill list`. */
  expects(req: BuildRequest): string;
  /** The versions it runs on when none are asked for: the engine's default, or all of them (a version matrix). */
  readonly versions: "default" | "all";
  /** The drills `run` makes for a request, in its order: the version each restores into (null: the one it backs up). */
  restoreTargets(req: BuildRequest): (string | null)[];
  run(req: ScenarioRequest): Promise<DrillResult[]>;
}

/** What one drill of a scenario is made of: the engines (with the options its faults need), the faults, the expectation. */
export interface DrillSetup<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact> {
  engine: Engine<Payload, Node, Artifact>;
  restoreInto?: Engine<Payload, Node, Artifact>;
  faults?: DrillFault<Node, Artifact>[];
  expect?: Expectation;
}

interface ScenarioDefinition<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact> {
  name: string;
  description: string;
  methods: string[];
  /** The writers' plan during the backup; none for a drill without writes (the restored state must equal the source). */
  workload?: (writers: number) => WorkloadPlan;
  build(req: BuildRequest): DrillSetup<Payload, Node, Artifact>;
}

/** The expectation a drill runs with: the scenario's own, else its fault's, else a pass. */
function expectationOf<Node, Artifact extends BackupArtifact>(setup: { faults?: DrillFault<Node, Artifact>[]; expect?: Expectation }): Expectation {
  return setup.expect ?? setup.faults?.[0]?.expect ?? { outcome: "pass" };
}

function describeExpectation(e: Expectation): string {
  if (e.outcome === "pass") return "pass";
  if (e.outcome === "detects") return `detects (by ${e.by.map((o) => o.check).join(", ")})`;
  if (e.outcome === "refuses") return `refuses (/${e.reason}/)`;
  return e.outcome;
}

function drillOf<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  def: Pick<ScenarioDefinition<Payload, Node, Artifact>, "name" | "workload">,
  req: ScenarioRequest,
  setup: DrillSetup<Payload, Node, Artifact>,
): Promise<DrillResult> {
  const restoreInto = setup.restoreInto ? setup.restoreInto.version : null;
  // The seed is fixed here, not inside the drill, so the replay arguments can name it.
  const seed = req.seed ?? newSeed();
  const replay = req.replay({ seed, version: setup.engine.version, restoreInto });
  return runDrill({
    scenario: def.name,
    ...setup,
    expect: expectationOf(setup),
    seed,
    rows: req.rows,
    workload: def.workload && req.writers > 0 ? def.workload(req.writers) : undefined,
    targets: req.targets,
    imageMode: req.images,
    reportsDir: req.reportsDir,
    runId: req.runId,
    replayCommand: () => replay.command,
    replayArgs: replay.args ?? undefined,
    keepArtifacts: req.keepArtifacts,
    sink: req.sink,
    signal: req.signal,
  });
}

/** A scenario of one drill per request. */
export function drillScenario<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(def: ScenarioDefinition<Payload, Node, Artifact>): Scenario {
  return {
    name: def.name,
    description: def.description,
    methods: def.methods,
    expects: (req) => describeExpectation(expectationOf(def.build(req))),
    versions: "default",
    restoreTargets: (req) => [def.build(req).restoreInto?.version ?? null],
    run: async (req) => [await drillOf(def, req, def.build(req))],
  };
}

/**
 * A version matrix: back up on the requested version, restore into every version (or only the one asked for with
 * --restore-into). Each pair says what it expects: same major must restore; other pairs must at least not lose data
 * silently, and what they really did is recorded.
 */
export function versionMatrixScenario<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(def: {
  name: string;
  description: string;
  methods: string[];
  versions: string[];
  pair(from: string, to: string): DrillSetup<Payload, Node, Artifact>;
}): Scenario {
  const restoreTargets = (req: BuildRequest) => (req.restoreInto ? [req.restoreInto] : def.versions);
  return {
    name: def.name,
    description: def.description,
    methods: def.methods,
    expects: () => "each pair as the engine's docs say (same major: pass), else a pass or a loud refusal, never a silent loss",
    versions: "all",
    restoreTargets,
    run: async (req) => {
      const results: DrillResult[] = [];
      for (const to of restoreTargets(req)) {
        if (req.signal?.aborted) break;
        results.push(await drillOf(def, req, def.pair(req.version, to)));
      }
      return results;
    },
  };
}
