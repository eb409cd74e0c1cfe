import { olderBackupFault } from "../../harness/faults.ts";
import type { WorkloadPlan } from "../../harness/drill.ts";
import { drillScenario, type BuildRequest, type Scenario } from "../../harness/scenario.ts";
import { Neo4jEngine, type Neo4jBackupMethod } from "./engine.ts";
import { flipDumpHeader, staleUidIndex, truncateDump } from "./faults.ts";

export const NEO4J_METHODS: Neo4jBackupMethod[] = ["dump", "cold-copy"];

/** Writers run before the node stops for the backup (an offline backup drains them first): a few seconds of writes. */
export function neo4jWorkload(writers: number): WorkloadPlan {
  return { writers, maxOps: 20_000, maxMs: 60_000, leadInOps: 300 * writers, tailMs: 0 };
}

const methodOf = (m: string): Neo4jBackupMethod => NEO4J_METHODS.find((x) => x === m) ?? "dump";
const engineFor = (req: BuildRequest) => new Neo4jEngine(req.version, methodOf(req.method));

/** The drills `dr-drill run --engine neo4j --scenario` offers; a fault scenario meets its expectation by failing as stated. */
export const NEO4J_SCENARIOS: Scenario[] = [
  drillScenario({
    name: "load",
    description:
      "creates, updates, deletes and transfers, then the server stops for the backup; oracle, cut and balance invariants",
    methods: NEO4J_METHODS,
    workload: neo4jWorkload,
    build: (req) => ({ engine: engineFor(req) }),
  }),
  drillScenario({
    name: "clean",
    description: "backup with no writes; the restored graph must equal the source exactly",
    methods: NEO4J_METHODS,
    build: (req) => ({ engine: engineFor(req) }),
  }),
  drillScenario({
    name: "truncated-dump",
    description: "cut the dump in half; neo4j-admin database load must refuse it, the backup left as it was",
    methods: ["dump"],
    build: (req) => ({ engine: engineFor(req), faults: [truncateDump(0.5)] }),
  }),
  drillScenario({
    name: "flip-byte",
    description: "flip a byte of the dump's header; the preflight and neo4j-admin must both refuse it",
    methods: ["dump"],
    build: (req) => ({ engine: engineFor(req), faults: [flipDumpHeader()] }),
  }),
  drillScenario({
    name: "older-backup",
    description:
      "restore a dump taken before the workload instead of the new one; acknowledged writes must be reported lost",
    methods: ["dump"],
    workload: neo4jWorkload,
    build: (req) => ({ engine: engineFor(req), faults: [olderBackupFault()] }),
  }),
  drillScenario({
    name: "stale-uid-index",
    description:
      "a cold copy with the uid index files of an older copy; Neo4j starts on it silently, the seek by uid must see it",
    methods: ["cold-copy"],
    workload: neo4jWorkload,
    build: (req) => ({ engine: engineFor(req), faults: [staleUidIndex()] }),
  }),
];
