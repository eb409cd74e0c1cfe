import type { WorkloadPlan } from "../../harness/drill.ts";
import type { DrillFault } from "../../harness/faults.ts";
import { drillScenario, type Scenario } from "../../harness/scenario.ts";
import { EmqxEngine, type EmqxArtifact, type EmqxEngineOptions } from "./engine.ts";
import type { EmqxNode } from "./node.ts";
import { EMQX_DEFAULT_VERSION } from "./versions.ts";

/** Retained messages on disc and durable sessions on: the configuration whose file copy should restore everything. */
const DURABLE: EmqxEngineOptions["settings"] = { retainedStorage: "disc", durableSessions: true };

/** MQTT 3.1.1 and 5 publishers across the stop and the restart (file copy) or during the export. */
export function emqxWorkload(writers: number): WorkloadPlan {
  return { writers, maxOps: 20_000, maxMs: 180_000, leadInOps: 100 * writers, tailMs: 1_500 };
}

/** A fault that only records the option its scenario set (the engine is built with it). */
function setting(
  name: string,
  description: string,
  expect: DrillFault<EmqxNode, EmqxArtifact>["expect"],
  detail: Record<string, unknown>,
): DrillFault<EmqxNode, EmqxArtifact> {
  return { name, description, expect, apply: async () => ({ fault: name, target: "configuration", detail }) };
}

/** The export EMQX 5.8 writes, imported into 5.5: `check_version/1` refuses a newer minor. */
const OLDER_TARGET = "5.5.1";

/**
 * The drills `dr-drill run --engine emqx --scenario` offers, written against the official images (their drills skip
 * where those cannot be pulled). Findings the seed and the source predict are expectations, not hidden: retained
 * messages in RAM do not survive a file copy, an export carries no sessions, a newer export is refused.
 */
export const EMQX_SCENARIOS: Scenario[] = [
  drillScenario({
    name: "clean",
    description:
      "the seed's procedure (stop, copy etc/ and data/, put them back before start) with retained messages on disc and durable sessions; no writes",
    methods: ["file-copy"],
    build: (req) => ({ engine: new EmqxEngine(req.version, { settings: DURABLE }) }),
  }),
  drillScenario({
    name: "load",
    description: "the same file copy with MQTT 3.1.1 and 5 publishers running across the stop and the restart",
    methods: ["file-copy"],
    workload: emqxWorkload,
    build: (req) => ({ engine: new EmqxEngine(req.version, { settings: DURABLE }) }),
  }),
  drillScenario({
    name: "retained-in-ram",
    description:
      "the default retainer.backend.storage_type = ram: the file copy holds no retained message, and the drill must say they were lost",
    methods: ["file-copy"],
    build: (req) => ({
      engine: new EmqxEngine(req.version, { settings: { retainedStorage: "ram", durableSessions: true } }),
      faults: [
        setting(
          "retained-in-ram",
          "retainer.backend.storage_type = ram (EMQX's default)",
          { outcome: "detects", by: [{ check: "ledger-oracle", reason: "\\d+ lost" }] },
          { "retainer.backend.storage_type": "ram" },
        ),
      ],
    }),
  }),
  drillScenario({
    name: "another-node-name",
    description:
      "the data directory restored under another node name: EMQX starts EMPTY; the preflight warns and the drill says everything was lost",
    methods: ["file-copy"],
    build: (req) => ({
      engine: new EmqxEngine(req.version, { settings: DURABLE, restoreHost: "dr-drill-emqx-renamed" }),
      faults: [
        setting(
          "another-node-name",
          "restored into a node named emqx@dr-drill-emqx-renamed",
          {
            outcome: "detects",
            by: [
              {
                check: "preflight:node-name",
                reason: "the restore target is emqx@dr-drill-emqx-renamed: it will start EMPTY",
              },
              { check: "invariant:not-empty", reason: "the restored broker is EMPTY" },
              { check: "ledger-oracle", reason: "\\d+ lost" },
            ],
          },
          { target: "emqx@dr-drill-emqx-renamed" },
        ),
      ],
    }),
  }),
  drillScenario({
    name: "export-import",
    description:
      "emqx ctl data export, then data import into a fresh node: sessions and their queues are not part of an export, and the drill must say so",
    methods: ["data-export"],
    build: (req) => ({
      engine: new EmqxEngine(req.version, { method: "data-export", settings: DURABLE }),
      expect: { outcome: "detects", by: [{ check: "ledger-oracle", reason: "\\d+ lost" }] },
    }),
  }),
  drillScenario({
    name: "newer-export",
    description: `an export of EMQX ${EMQX_DEFAULT_VERSION} imported into ${OLDER_TARGET}: refused, the backup untouched`,
    methods: ["data-export"],
    // Always from the newest version known, whatever --version says: the point is an export newer than its target.
    build: () => ({
      engine: new EmqxEngine(EMQX_DEFAULT_VERSION, { method: "data-export", settings: DURABLE }),
      restoreInto: new EmqxEngine(OLDER_TARGET, { method: "data-export", settings: DURABLE }),
      expect: { outcome: "refuses", reason: "is newer than EMQX version .*, import is not allowed" },
    }),
  }),
];
