import type { WorkloadPlan } from "../../harness/drill.ts";
import { drillScenario, versionMatrixScenario, type BuildRequest, type Scenario } from "../../harness/scenario.ts";
import type { Expectation } from "../../harness/expectation.ts";
import { MemgraphEngine, type MemgraphBackupMethod } from "./engine.ts";
import { MEMGRAPH_VERSIONS, memgraphVersion } from "./versions.ts";

export const MEMGRAPH_METHODS: MemgraphBackupMethod[] = ["snapshot", "snapshot-in-place", "dump"];

export function memgraphWorkload(writers: number): WorkloadPlan {
  return { writers, maxOps: 50_000, maxMs: 5 * 60_000, leadInOps: 200 * writers, tailMs: 1_000 };
}

const methodOf = (m: string): MemgraphBackupMethod => MEMGRAPH_METHODS.find((x) => x === m) ?? "snapshot";
const engineFor = (req: BuildRequest, version = req.version) => new MemgraphEngine(version, methodOf(req.method));
const versions = Object.keys(MEMGRAPH_VERSIONS);

/** The oldest known version whose durability format is older than `version`'s: where newer files meet an older binary. */
export function olderReader(version: string): string | undefined {
  const writes = memgraphVersion(version).writes;
  return versions.find((v) => memgraphVersion(v).writes < writes);
}

/**
 * What a matrix pair must show (the files are restored whatever the preflight says): an older binary skips newer
 * files and starts empty, which the oracle must count as lost; same version must pass; a newer binary reading older
 * files is what Memgraph's code allows and its docs do not promise, so a pass or a loud refusal is recorded as such.
 */
export function matrixExpectation(method: MemgraphBackupMethod, from: string, to: string): Expectation {
  if (from === to || method === "dump") return { outcome: "pass" };
  if (memgraphVersion(from).writes > memgraphVersion(to).writes)
    return { outcome: "detects", by: [{ check: "ledger-oracle", reason: "\\d+ lost" }] };
  return { outcome: "no-silent-loss" };
}

/**
 * Newer files into an older server: dr-drill's own header preflight is what must see it. Its verdict is a check of
 * ours, never counted as the server refusing (that would need the server's own exit).
 */
export const NEWER_INTO_OLDER: Expectation = {
  outcome: "detects",
  by: [{ check: "preflight:durability-version", reason: "durability format \\d+, Memgraph \\S+ reads formats" }],
};

/**
 * The guide's in-place restore with the image's own `--storage-snapshot-on-exit=true` (config/flags.yaml, every tag):
 * the restart's clean stop snapshots the still-empty server (`snapshot_on_exit` in InMemoryStorage's destructor,
 * src/storage/v2/inmemory/storage.cpp), its file named by the wall clock (`MakeSnapshotName`,
 * src/storage/v2/durability/paths.hpp), so newer by name than the copied ones; recovery takes the last snapshot by
 * name and skips those of another storage UUID ("isn't related to the latest snapshot file",
 * src/storage/v2/durability/durability.cpp `RecoverData`, v2.19.0 to v3.7.2). Read from the source, not yet watched:
 * the server is predicted to come up EMPTY, and the drill must say everything was lost.
 */
export const IN_PLACE_EXIT_SNAPSHOT: Expectation = {
  outcome: "detects",
  by: [{ check: "ledger-oracle", reason: "\\d+ lost" }],
};

/** The drills `dr-drill run --engine memgraph --scenario` offers. They need the official image (see versions.ts). */
export const MEMGRAPH_SCENARIOS: Scenario[] = [
  drillScenario({
    name: "load",
    description:
      "snapshot + locked copy (or DUMP DATABASE) while creates, updates, deletes and transfers commit; oracle, cut, invariants",
    methods: MEMGRAPH_METHODS,
    workload: memgraphWorkload,
    build: (req) => ({ engine: engineFor(req) }),
  }),
  drillScenario({
    name: "clean",
    description: "backup with no writes; the restored graph must equal the source exactly",
    methods: MEMGRAPH_METHODS,
    build: (req) => ({ engine: engineFor(req) }),
  }),
  drillScenario({
    name: "newer-into-older",
    description:
      "snapshot of this version restored into an older one: the header preflight must flag the files the older server would skip; the restore goes on, so what the server does is recorded as its own",
    methods: ["snapshot"],
    build: (req) => {
      const to = req.restoreInto ?? olderReader(req.version) ?? req.version;
      return { engine: engineFor(req), restoreInto: engineFor(req, to), expect: NEWER_INTO_OLDER };
    },
  }),
  drillScenario({
    name: "in-place-exit-snapshot",
    description:
      "the guide's in-place restore (LOCK DATA DIRECTORY, copy in, UNLOCK, restart) with the image's --storage-snapshot-on-exit=true: the restart snapshots the empty server and recovery takes that newer file",
    methods: ["snapshot-in-place"],
    workload: memgraphWorkload,
    build: (req) => ({
      engine: new MemgraphEngine(req.version, "snapshot-in-place", { inPlaceSnapshotOnExit: true }),
      expect: IN_PLACE_EXIT_SNAPSHOT,
    }),
  }),
  drillScenario({
    name: "analytical",
    description:
      "source in IN_MEMORY_ANALYTICAL storage mode (no WAL, no periodic snapshots): the drill must report it",
    methods: ["snapshot"],
    workload: memgraphWorkload,
    build: (req) => ({
      engine: new MemgraphEngine(req.version, "snapshot", { storageMode: "IN_MEMORY_ANALYTICAL" }),
      expect: { outcome: "detects", by: [{ check: "durability:storage-mode", reason: "IN_MEMORY_ANALYTICAL" }] },
    }),
  }),
  versionMatrixScenario({
    name: "matrix",
    description:
      "back up on one version, restore the files into every version: an older binary starts empty and must be caught as lost",
    methods: ["snapshot"],
    versions,
    source: (from) => new MemgraphEngine(from, "snapshot"),
    target: (from, to) => ({
      engine: new MemgraphEngine(to, "snapshot"),
      expect: matrixExpectation("snapshot", from, to),
    }),
  }),
];
