import type { WorkloadPlan } from "../../harness/drill.ts";
import { drillScenario, type BuildRequest, type Scenario } from "../../harness/scenario.ts";
import { MosquittoEngine, type MosquittoEngineOptions } from "./engine.ts";
import { emptyDbFile, flippedPayloadByte, truncatedDbFile, type MosquittoFault } from "./faults.ts";

export const MOSQUITTO_METHODS = ["sigusr1", "crash"];

/** Autosave interval of the crash drill: short, so a drill waits for one; the kill comes half an interval after it. */
export const CRASH_AUTOSAVE_S = 6;

/**
 * Writers publishing retained sets and deletes and messages for the offline sessions while the backup runs, and for
 * a tail after it, so writes after the recovery point exist. Bounded: a lost broker ends it.
 */
export function mosquittoWorkload(writers: number): WorkloadPlan {
  return { writers, maxOps: 20_000, maxMs: 120_000, leadInOps: 100 * writers, tailMs: 1_000 };
}

const engineFor = (req: BuildRequest, options: MosquittoEngineOptions = {}) =>
  new MosquittoEngine(req.version, { method: req.method === "crash" ? "crash" : "sigusr1", ...options });
const withFault = (req: BuildRequest, fault: MosquittoFault) => ({ engine: engineFor(req), faults: [fault] });

/** The drills `dr-drill run --engine mosquitto --scenario` offers; each fault's `expect` says what the drill must show. */
export const MOSQUITTO_SCENARIOS: Scenario[] = [
  drillScenario({
    name: "load",
    description: "SIGUSR1 backup under publish load: retained messages and offline sessions' queues as of the save",
    methods: ["sigusr1"],
    workload: mosquittoWorkload,
    build: (req) => ({ engine: engineFor(req) }),
  }),
  drillScenario({
    name: "clean",
    description: "SIGUSR1 backup with no writes; the restored state must equal the source exactly",
    methods: ["sigusr1"],
    build: (req) => ({ engine: engineFor(req) }),
  }),
  drillScenario({
    name: "crash",
    description: `SIGKILL half an autosave_interval (${CRASH_AUTOSAVE_S} s) after an autosave, under load: the last autosave comes back, later writes are lost by design (RPO)`,
    methods: ["crash"],
    workload: (writers) => ({ ...mosquittoWorkload(writers), tailMs: 300 }),
    build: (req) => ({
      engine: new MosquittoEngine(req.version, { method: "crash", settings: { autosaveIntervalS: CRASH_AUTOSAVE_S } }),
    }),
  }),
  drillScenario({
    name: "flipped-byte",
    description:
      "a byte flipped in a stored payload: the broker loads it silently, the oracle must find the message changed or lost",
    methods: ["sigusr1"],
    build: (req) => withFault(req, flippedPayloadByte()),
  }),
  drillScenario({
    name: "empty-file",
    description:
      "an empty mosquitto.db: the broker starts empty with a warning; preflight and oracle must say everything is lost",
    methods: ["sigusr1"],
    build: (req) => withFault(req, emptyDbFile()),
  }),
  drillScenario({
    name: "truncated-file",
    description:
      'mosquitto.db cut in half: the broker must refuse to start ("Couldn\'t open database") and leave the backup untouched',
    methods: ["sigusr1"],
    build: (req) => withFault(req, truncatedDbFile()),
  }),
];
