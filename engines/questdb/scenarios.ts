import type { WorkloadPlan } from "../../harness/drill.ts";
import { drillScenario, versionMatrixScenario, type BuildRequest, type Scenario } from "../../harness/scenario.ts";
import { QuestDbEngine, type QuestDbEngineOptions } from "./engine.ts";
import {
  backupWithoutCheckpointDir,
  failedRestoreThenRetry,
  recoveryDisabled,
  releaseAfterFailedCopy,
  tablesCopiedOneByOne,
  type QuestDbFault,
} from "./faults.ts";
import { QUESTDB_VERSIONS, majorOf } from "./versions.ts";

const METHODS = ["checkpoint"];

/**
 * ILP/HTTP and PG-wire writers committing to WAL and non-WAL tables while the checkpoint is taken and copied, and for
 * a tail after it, so writes after the recovery point exist (and must be dropped by the restore).
 */
export function questdbWorkload(writers: number): WorkloadPlan {
  return { writers, maxOps: 100_000, maxMs: 180_000, leadInOps: 25 * writers, tailMs: 1_500 };
}

const engineFor = (req: BuildRequest, options: QuestDbEngineOptions = {}, version = req.version) =>
  new QuestDbEngine(version, options);
const withFault = (req: BuildRequest, fault: QuestDbFault) => ({
  engine: engineFor(req, fault.engineOptions),
  faults: [fault],
});

/**
 * The drills `dr-drill run --engine questdb --scenario` offers. A fault scenario meets its expectation when the drill
 * shows what the fault's `expect` says (engines/questdb/faults.ts), for the stated reason.
 */
export const QUESTDB_SCENARIOS: Scenario[] = [
  drillScenario({
    name: "load",
    description: "checkpoint backup under ILP and PG-wire ingestion; the recovery point is CHECKPOINT CREATE",
    methods: METHODS,
    workload: questdbWorkload,
    build: (req) => ({
      engine: engineFor(req),
      ...(req.restoreInto ? { restoreInto: engineFor(req, {}, req.restoreInto) } : {}),
    }),
  }),
  drillScenario({
    name: "clean",
    description: "checkpoint backup with no writes; the restored state must equal the source exactly",
    methods: METHODS,
    build: (req) => ({ engine: engineFor(req) }),
  }),
  drillScenario({
    name: "retry-checkpoint-meta",
    description:
      "the first restore misses .checkpoint/db/_checkpoint_meta.d: QuestDB exits keeping _restore; put back, the retry recovers",
    methods: METHODS,
    workload: questdbWorkload,
    build: (req) => withFault(req, failedRestoreThenRetry({ checkpointMeta: true })),
  }),
  drillScenario({
    name: "retry-table-txn",
    description:
      "the first restore misses a WAL table's _txn in .checkpoint: QuestDB exits keeping _restore; put back, the retry recovers",
    methods: METHODS,
    workload: questdbWorkload,
    build: (req) => withFault(req, failedRestoreThenRetry({ tableTxn: "trades" })),
  }),
  drillScenario({
    name: "recovery-off",
    description:
      "restore target with cairo.checkpoint.recovery.enabled=false: it starts on the raw copy, _restore stays; the drill must fail",
    methods: METHODS,
    workload: questdbWorkload,
    build: (req) => withFault(req, recoveryDisabled()),
  }),
  drillScenario({
    name: "no-checkpoint-dir",
    description:
      "the copy tool skips dot-directories (cp <root>/*): preflight and QuestDB itself must both say .checkpoint is missing",
    methods: METHODS,
    workload: questdbWorkload,
    build: (req) => withFault(req, backupWithoutCheckpointDir()),
  }),
  drillScenario({
    name: "release-after-failed-copy",
    description:
      "the first copy breaks while the checkpoint is held: RELEASE must still run, the source keep ingesting, the retried backup restore",
    methods: METHODS,
    workload: questdbWorkload,
    build: (req) => withFault(req, releaseAfterFailedCopy()),
  }),
  drillScenario({
    name: "torn-copy",
    description:
      "no checkpoint: the tables copied one by one, a second apart, under ingestion; every table restores, and the cut check must fail it",
    methods: METHODS,
    workload: (writers) => ({ ...questdbWorkload(writers), maxMs: 600_000 }),
    build: (req) => withFault(req, tablesCopiedOneByOne()),
  }),
  versionMatrixScenario({
    name: "matrix",
    description:
      "back up on one version, restore into every version: same major must pass, other pairs must not lose data silently",
    methods: METHODS,
    versions: Object.keys(QUESTDB_VERSIONS),
    source: (from) => new QuestDbEngine(from),
    target: (from, to) => ({
      engine: new QuestDbEngine(to),
      expect: majorOf(from) === majorOf(to) ? { outcome: "pass" } : { outcome: "no-silent-loss" },
    }),
  }),
];
