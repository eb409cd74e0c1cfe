import { olderBackupFault } from "../../harness/faults.ts";
import type { WorkloadPlan } from "../../harness/drill.ts";
import { drillScenario, type BuildRequest, type Scenario } from "../../harness/scenario.ts";
import { PostgresEngine, type PostgresBackupMethod } from "./engine.ts";
import { deleteFirstWalSegment, flipByteInTable, truncateDump } from "./faults.ts";
import { POSTGRES_VERSIONS } from "../../protocols/pg/image.ts";

export const POSTGRES_METHODS: PostgresBackupMethod[] = ["physical", "logical"];

export function postgresWorkload(writers: number): WorkloadPlan {
  return { writers, maxOps: 500_000, maxMs: 10 * 60_000, leadInOps: 100 * writers, tailMs: 1_000 };
}

const methodOf = (m: string): PostgresBackupMethod => POSTGRES_METHODS.find((x) => x === m) ?? "physical";
const engineFor = (req: BuildRequest, version = req.version) => new PostgresEngine(version, methodOf(req.method));

/** The next major after `version` in the version table: where an upgrade check restores by default. */
function nextMajor(version: string): string {
  const versions = Object.keys(POSTGRES_VERSIONS);
  return versions[versions.indexOf(version) + 1] ?? versions.at(-1)!;
}

/**
 * The drills `dr-drill run --scenario` offers for PostgreSQL. A fault scenario meets its expectation when the drill
 * fails for the stated reason (see each fault's `expect`); the evidence then says FAIL for the backup, "met" for the run.
 */
export const POSTGRES_SCENARIOS: Scenario[] = [
  drillScenario({
    name: "load",
    description:
      "backup while inserts, updates and transfers commit; oracle rules 1-4, the cut, and the balance invariants",
    methods: POSTGRES_METHODS,
    workload: postgresWorkload,
    build: (req) => ({
      engine: engineFor(req),
      ...(req.restoreInto ? { restoreInto: engineFor(req, req.restoreInto) } : {}),
    }),
  }),
  drillScenario({
    name: "clean",
    description: "backup with no writes; the restored state must equal the source exactly",
    methods: POSTGRES_METHODS,
    build: (req) => ({ engine: engineFor(req) }),
  }),
  drillScenario({
    name: "flip-byte",
    description: "flip a byte in a table's data file; the oracle and pg_verifybackup must both catch it",
    methods: ["physical"],
    build: (req) => ({ engine: engineFor(req), faults: [flipByteInTable("people")] }),
  }),
  drillScenario({
    name: "missing-wal",
    description: "delete the WAL segment the backup needs; the server must refuse to start, the backup left as it was",
    methods: ["physical"],
    build: (req) => ({ engine: engineFor(req), faults: [deleteFirstWalSegment()] }),
  }),
  drillScenario({
    name: "truncated-dump",
    description: "cut the dump in half; pg_restore must fail and the lost rows be counted",
    methods: ["logical"],
    build: (req) => ({ engine: engineFor(req), faults: [truncateDump(0.5)] }),
  }),
  drillScenario({
    name: "older-backup",
    description: "restore an older backup instead of the new one; acknowledged writes must be reported lost",
    methods: POSTGRES_METHODS,
    workload: (writers) => ({ ...postgresWorkload(writers), leadInOps: 150 * writers, tailMs: 200 }),
    build: (req) => ({ engine: engineFor(req), faults: [olderBackupFault()] }),
  }),
  drillScenario({
    name: "upgrade",
    description:
      "back up on one major, restore into the next (or --restore-into): a dump restores, a data directory is refused",
    methods: POSTGRES_METHODS,
    workload: (writers) => ({ ...postgresWorkload(writers), tailMs: 300 }),
    build: (req) => {
      const to = req.restoreInto ?? nextMajor(req.version);
      const refused = methodOf(req.method) === "physical" && to !== req.version;
      return {
        engine: engineFor(req),
        restoreInto: engineFor(req, to),
        ...(refused
          ? { expect: { outcome: "refuses" as const, reason: "database files are incompatible with server" } }
          : {}),
      };
    },
  }),
];
