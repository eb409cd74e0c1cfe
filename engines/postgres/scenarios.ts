import type { DrillFault, WorkloadPlan } from "../../harness/drill.ts";
import type { PostgresArtifact, PostgresBackupMethod } from "./engine.ts";
import { deleteFirstWalSegment, flipByteInTable, substituteOlderBackupFault, truncateDump } from "./faults.ts";

/**
 * The drills `dr-drill run --scenario` offers for PostgreSQL. A fault scenario passes when the drill detects the
 * fault: its evidence then says FAIL for the backup and "detected" for the fault.
 */
export interface PostgresScenario {
  name: string;
  description: string;
  methods: PostgresBackupMethod[];
  /** Writes during the backup, or none (then the restored state must equal the source exactly). */
  underLoad: boolean;
  faults(): DrillFault<PostgresArtifact>[];
}

export const POSTGRES_SCENARIOS: PostgresScenario[] = [
  { name: "load", description: "backup while inserts, updates and transfers commit; oracle rules 1-4 and the balance invariant", methods: ["physical", "logical"], underLoad: true, faults: () => [] },
  { name: "clean", description: "backup with no writes; the restored state must equal the source exactly", methods: ["physical", "logical"], underLoad: false, faults: () => [] },
  { name: "flip-byte", description: "flip a byte in a table's data file; must be detected as corruption", methods: ["physical"], underLoad: false, faults: () => [flipByteInTable("people")] },
  { name: "missing-wal", description: "delete the WAL segment the backup needs; the restore must fail", methods: ["physical"], underLoad: false, faults: () => [deleteFirstWalSegment()] },
  { name: "truncated-dump", description: "cut the dump in half; the restore must fail and the lost rows be counted", methods: ["logical"], underLoad: false, faults: () => [truncateDump(0.5)] },
  { name: "older-backup", description: "restore an older backup instead of the new one; acknowledged writes must be reported lost", methods: ["physical", "logical"], underLoad: true, faults: () => [substituteOlderBackupFault()] },
];

export function postgresWorkload(writers: number): WorkloadPlan {
  return { writers, maxOps: 500_000, maxMs: 10 * 60_000, leadInOps: 100 * writers, tailMs: 1_000 };
}
