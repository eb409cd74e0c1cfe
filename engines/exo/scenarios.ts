import type { WorkloadPlan } from "../../harness/drill.ts";
import { drillScenario, type BuildRequest, type Scenario } from "../../harness/scenario.ts";
import { ExoEngine, type ExoOptions } from "./engine.ts";
import {
  codecLeftOut,
  olderDatasource,
  platformNotStopped,
  swapAndJtaLeftOut,
  truncatedChatArchive,
} from "./faults.ts";

/** The platform writes before it is stopped for the backup (offline: the writers then drain). */
export function exoWorkload(writers: number): WorkloadPlan {
  return { writers, maxOps: 20_000, maxMs: 5 * 60_000, leadInOps: 100 * writers, tailMs: 0 };
}

const SKEW_MS = 1_500;
const engineFor = (req: BuildRequest, options: ExoOptions = {}) => new ExoEngine(req.version, options);
const base = { methods: ["procedure"], workload: exoWorkload };

export const EXO_SCENARIOS: Scenario[] = [
  drillScenario({
    ...base,
    name: "clean",
    description:
      "platform stopped, every part backed up with its tool, restored into a fresh tier; oracle and cross-part checks hold",
    build: (req) => ({ engine: engineFor(req) }),
  }),
  drillScenario({
    ...base,
    name: "parts-at-different-times",
    description: "the platform keeps writing while the parts are copied one by one: references across parts dangle",
    build: (req) => ({
      engine: engineFor(req, { platformRunning: { pauseMs: SKEW_MS } }),
      faults: [platformNotStopped(SKEW_MS)],
    }),
  }),
  drillScenario({
    ...base,
    name: "codec-left-out",
    description: "gatein/conf/codec not backed up: the wallet keys cannot be opened",
    build: (req) => ({ engine: engineFor(req), faults: [codecLeftOut()] }),
  }),
  drillScenario({
    ...base,
    name: "swap-jta-left-out",
    description: "jcr/swap and jta not backed up (optional per the guide): everything restores",
    build: (req) => ({ engine: engineFor(req), faults: [swapAndJtaLeftOut()] }),
  }),
  drillScenario({
    ...base,
    name: "older-idm",
    description: "the IDM datasource restored from an older backup: users lost, activities and messages by them dangle",
    build: (req) => ({ engine: engineFor(req), faults: [olderDatasource("idm")] }),
  }),
  drillScenario({
    ...base,
    name: "truncated-mongodump",
    description: "the mongodump archive cut in half: mongorestore fails, the chat messages are counted lost",
    build: (req) => ({ engine: engineFor(req), faults: [truncatedChatArchive(0.5)] }),
  }),
];
