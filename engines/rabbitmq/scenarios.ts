import type { WorkloadPlan } from "../../harness/drill.ts";
import { drillScenario, type BuildRequest, type Scenario } from "../../harness/scenario.ts";
import { RabbitMqEngine } from "./engine.ts";
import {
  damagedQueueIndex,
  restoredUnderAnotherNodeName,
  truncatedRetainedStore,
  type RabbitMqFault,
} from "./faults.ts";

const METHODS = ["mnesia-copy"];

/**
 * MQTT publishers (retained sets and deletes, QoS 1 messages for offline sessions) before, during and after the
 * stop: writes in flight when the node stops end `info`, writes after the restart exist on the source only.
 */
export function rabbitmqWorkload(writers: number): WorkloadPlan {
  return { writers, maxOps: 20_000, maxMs: 180_000, leadInOps: 100 * writers, tailMs: 1_500 };
}

const withFault = (req: BuildRequest, fault: RabbitMqFault) => ({
  engine: new RabbitMqEngine(req.version, fault.engineOptions),
  faults: [fault],
});

/** The drills `dr-drill run --engine rabbitmq --scenario` offers; faults in engines/rabbitmq/faults.ts. */
export const RABBITMQ_SCENARIOS: Scenario[] = [
  drillScenario({
    name: "clean",
    description:
      "stop the node, copy the Mnesia base, restore it under the same node name and path; no writes: the restored state must equal the source",
    methods: METHODS,
    build: (req) => ({ engine: new RabbitMqEngine(req.version) }),
  }),
  drillScenario({
    name: "load",
    description:
      "the same backup with MQTT publishers running across the stop and the restart; the recovery point is the stop",
    methods: METHODS,
    workload: rabbitmqWorkload,
    build: (req) => ({ engine: new RabbitMqEngine(req.version) }),
  }),
  drillScenario({
    name: "definitions",
    description:
      "rabbitmqctl export_definitions, then import_definitions into a fresh node: the sessions' queues and bindings come back, their messages and the retained store do not, and the drill must say so",
    methods: ["definitions"],
    build: (req) => ({
      engine: new RabbitMqEngine(req.version, { method: "definitions" }),
      expect: { outcome: "detects", by: [{ check: "ledger-oracle", reason: "\\d+ lost" }] },
    }),
  }),
  drillScenario({
    name: "another-node-name",
    description:
      "restored under another node name: RabbitMQ starts EMPTY without an error; the preflight warns and the drill says everything was lost",
    methods: METHODS,
    build: (req) => withFault(req, restoredUnderAnotherNodeName()),
  }),
  drillScenario({
    name: "truncated-retained-store",
    description:
      "the retained-message store .dets truncated in the backup: RabbitMQ starts without those retained messages; the oracle must miss them",
    methods: METHODS,
    build: (req) => withFault(req, truncatedRetainedStore()),
  }),
  drillScenario({
    name: "damaged-queue-index",
    description:
      "a message id flipped in a session queue's index segment: RabbitMQ starts, the queue crashes when it is read; the drill must say so in RabbitMQ's words",
    methods: METHODS,
    build: (req) => withFault(req, damagedQueueIndex()),
  }),
];
