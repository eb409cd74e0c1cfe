import { drillScenario, type Scenario } from "../../harness/scenario.ts";
import { PostgresPitrEngine } from "./pitr.ts";
import { archiveEndsBeforeTarget, targetBeforeBackup } from "./pitr-faults.ts";
import { postgresWorkload } from "./scenarios.ts";

/** Point-in-time recovery with the built-in WAL archive, and its faults (engines/postgres/pitr.ts). */
export const PITR_SCENARIOS: Scenario[] = [
  drillScenario({
    name: "pitr",
    description:
      "WAL archive, base backup, T read from the server during the load, recovery_target_time = T: the cut at T",
    methods: ["physical"],
    workload: postgresWorkload,
    build: (req) => ({ engine: new PostgresPitrEngine(req.version) }),
  }),
  drillScenario({
    name: "pitr-before-backup",
    description: "recover to a T before the base backup started: the server must refuse, the backup left as it was",
    methods: ["physical"],
    workload: postgresWorkload,
    build: (req) => ({
      engine: new PostgresPitrEngine(req.version, { targetBeforeBackup: true }),
      faults: [targetBeforeBackup()],
    }),
  }),
  drillScenario({
    name: "pitr-archive-short",
    description:
      "the archive ends before T: the server must refuse the target, and recovering to the archive's end loses writes",
    methods: ["physical"],
    workload: postgresWorkload,
    build: (req) => ({ engine: new PostgresPitrEngine(req.version), faults: [archiveEndsBeforeTarget()] }),
  }),
];
