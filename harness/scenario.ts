import { runDrillInto, type DrillResult, type RestoreTarget, type SourceOptions, type WorkloadPlan } from "./drill.ts";
import type { BackupArtifact, Engine, EngineNode } from "./engine.ts";
import type { ReplayArgs } from "./evidence.ts";
import { InputError } from "./errors.ts";
import type { Expectation } from "./expectation.ts";
import type { DrillFault } from "./faults.ts";
import { runOptions, type RunRequestContext } from "./run-context.ts";
import { newSeed } from "./seed.ts";
import type { UserCheckConfig } from "./schema/procedure.ts";
import { withUserChecks, type SourceAnswers } from "./user-checks.ts";

/** One request to run a scenario, from the command line or a test: everything but the engine's own choices. */
export interface ScenarioRequest extends RunRequestContext {
  version: string;
  method: string;
  /** Another version to restore into, when asked for. */
  restoreInto: string | null;
  rows: number;
  seed?: number;
  /** Writers during the backup, for scenarios that write while it runs. */
  writers: number;
  targets: { rtoMs?: number; rpoMs?: number };
  /** The user's DDL file (`--schema`), for scenarios that drill the user's own schema. */
  schema?: string;
  /** The config's checks of this engine, run on every restored node (harness/user-checks.ts). */
  userChecks?: Record<string, UserCheckConfig>;
  /** After a restore that passed every check, also run the engine's deep verification on it (`deep-verify`). */
  deepVerify?: boolean;
  /** How to rerun one drill of it: the command, and the arguments `dr-drill replay` uses (null outside the command). */
  replay(drill: { seed: number; version: string; restoreInto: string | null }): {
    command: string;
    args: ReplayArgs | null;
  };
}

/** What building one drill of a scenario depends on. */
export type BuildRequest = Pick<ScenarioRequest, "version" | "method" | "restoreInto" | "schema">;

/** A named drill of an engine that `dr-drill run --scenario` and the tests run the same way, with the same expectation. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly methods: string[];
  /** What the drill must show, in words, for `dr-drill list`. */
  expects(req: BuildRequest): string;
  /** The versions it runs on when none are asked for: the engine's default, or all of them (a version matrix). */
  readonly versions: "default" | "all";
  /** Writers write while its backup runs (a load drill, a fault under load): it needs at least one writer. */
  readonly writesUnderLoad: boolean;
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
function expectationOf<Node, Artifact extends BackupArtifact>(setup: {
  faults?: DrillFault<Node, Artifact>[];
  expect?: Expectation;
}): Expectation {
  return setup.expect ?? setup.faults?.[0]?.expect ?? { outcome: "pass" };
}

function describeExpectation(e: Expectation): string {
  if (e.outcome === "pass") return "pass";
  if (e.outcome === "detects") return `detects (by ${e.by.map((o) => o.check).join(", ")})`;
  if (e.outcome === "refuses") return `refuses (/${e.reason}/)`;
  return e.outcome;
}

/** The source side of a scenario's drill: the request's data, writers, images and run; the setup's engine and faults. */
function sourceOf<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  def: Pick<ScenarioDefinition<Payload, Node, Artifact>, "name" | "workload">,
  req: ScenarioRequest,
  seed: number,
  setup: Pick<DrillSetup<Payload, Node, Artifact>, "engine" | "faults">,
): SourceOptions<Payload, Node, Artifact> {
  return {
    scenario: def.name,
    engine: setup.engine,
    faults: setup.faults,
    seed,
    rows: req.rows,
    workload: def.workload ? def.workload(req.writers) : undefined,
    targets: req.targets,
    ...runOptions(req),
  };
}

/** One restore of the backup: the setup's target (the source engine itself by default), expectation and replay. */
function targetOf<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  req: ScenarioRequest,
  seed: number,
  setup: DrillSetup<Payload, Node, Artifact>,
): RestoreTarget<Payload, Node, Artifact> {
  const replay = req.replay({
    seed,
    version: setup.engine.version,
    restoreInto: setup.restoreInto ? setup.restoreInto.version : null,
  });
  return {
    engine: setup.restoreInto ?? setup.engine,
    expect: expectationOf(setup),
    replayCommand: () => replay.command,
    replayArgs: replay.args ?? undefined,
    deepVerify: req.deepVerify,
  };
}

/** The setup with the request's own checks on its engines; one backup's source answers shared by its targets. */
function withChecksOf<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  setup: DrillSetup<Payload, Node, Artifact>,
  req: ScenarioRequest,
  shared: SourceAnswers = new Map(),
): DrillSetup<Payload, Node, Artifact> {
  const checks = req.userChecks;
  if (!checks) return setup;
  const { restoreInto } = setup;
  return {
    ...setup,
    engine: withUserChecks(setup.engine, checks, shared),
    ...(restoreInto ? { restoreInto: withUserChecks(restoreInto, checks, shared) } : {}),
  };
}

/** A scenario of one drill per request. */
export function drillScenario<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  def: ScenarioDefinition<Payload, Node, Artifact>,
): Scenario {
  return {
    name: def.name,
    description: def.description,
    methods: def.methods,
    expects: (req) => describeExpectation(expectationOf(def.build(req))),
    versions: "default",
    writesUnderLoad: def.workload !== undefined,
    restoreTargets: (req) => [def.build(req).restoreInto?.version ?? null],
    run: async (req) => {
      // Without writers a drill under load would silently become one without writes, and be judged as such.
      if (def.workload && req.writers < 1)
        throw new InputError(
          `scenario ${def.name} writes while the backup runs: it needs at least one writer, not ${req.writers}`,
        );
      const setup = withChecksOf(def.build(req), req);
      // The seed is fixed here, not inside the drill, so the replay arguments can name it.
      const seed = req.seed ?? newSeed();
      return runDrillInto(sourceOf(def, req, seed, setup), [targetOf(req, seed, setup)]);
    },
  };
}

/**
 * A version matrix: back up once on the requested version, restore that one backup into every version (or only the
 * one asked for with --restore-into), each restore a drill of its own citing the same artifact. Each pair says what
 * it expects: same major must restore; other pairs must at least not lose data silently, and what they really did is
 * recorded.
 */
export function versionMatrixScenario<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(def: {
  name: string;
  description: string;
  methods: string[];
  versions: string[];
  /** The engine backed up on `from`. */
  source(from: string): Engine<Payload, Node, Artifact>;
  /** The engine restored into `to`, and what restoring a backup of `from` into it must show. */
  target(from: string, to: string): { engine: Engine<Payload, Node, Artifact>; expect: Expectation };
}): Scenario {
  const restoreTargets = (req: BuildRequest) => (req.restoreInto ? [req.restoreInto] : def.versions);
  return {
    name: def.name,
    description: def.description,
    methods: def.methods,
    expects: () =>
      "each pair as the engine's docs say (same major: pass), else a pass or a loud refusal, never a silent loss",
    versions: "all",
    writesUnderLoad: false,
    restoreTargets,
    run: (req) => {
      const shared: SourceAnswers = new Map();
      const { engine } = withChecksOf({ engine: def.source(req.version) }, req, shared);
      const seed = req.seed ?? newSeed();
      const targets = restoreTargets(req).map((to) => {
        const target = def.target(req.version, to);
        const { restoreInto, expect } = withChecksOf(
          { engine, restoreInto: target.engine, expect: target.expect },
          req,
          shared,
        );
        return targetOf(req, seed, { engine, ...(restoreInto ? { restoreInto } : {}), ...(expect ? { expect } : {}) });
      });
      return runDrillInto(sourceOf(def, req, seed, { engine }), targets);
    },
  };
}
