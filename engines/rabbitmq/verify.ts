import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { verifyScenario } from "../../harness/verify/scenario.ts";
import { DEFINITIONS_FILE } from "./definitions.ts";
import { RABBITMQ_METHODS, RabbitMqEngine } from "./engine.ts";
import { rabbitmqDamageTargets } from "./damage-targets.ts";

/**
 * `dr-drill verify --engine rabbitmq`: the Mnesia base of a stopped node (`mnesia/rabbit@<host>`), or an
 * `export_definitions` file. The preflight sets the node name in the backup against the target's.
 */
export const RABBITMQ_VERIFY = verifyScenario({
  methods: RABBITMQ_METHODS,
  fileName: (method) => (method === "definitions" ? DEFINITIONS_FILE : undefined),
  describe: async (dir) => ({ method: existsSync(join(dir, DEFINITIONS_FILE)) ? "definitions" : "mnesia-copy" }),
  engine: (version, method) =>
    new RabbitMqEngine(version, { method: method === "definitions" ? "definitions" : "mnesia-copy" }),
  artifact: async (dir, engine) => {
    const nodes = await readdir(join(dir, "mnesia")).catch(() => []);
    return {
      dir,
      method: engine.backupMethod,
      tool:
        engine.backupMethod === "definitions"
          ? "rabbitmqctl export_definitions (brought)"
          : "copy of the Mnesia base (brought)",
      finishedAt: 0,
      sourceNodeName: nodes.find((n) => n.startsWith("rabbit@") && !n.includes(".")) ?? "unknown",
      sourceVersion: engine.version,
    };
  },
  damageTargets: rabbitmqDamageTargets,
});
