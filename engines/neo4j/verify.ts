import { existsSync } from "node:fs";
import { join } from "node:path";
import { verifyScenario } from "../../harness/verify/scenario.ts";
import { NEO4J_DATA } from "./container.ts";
import { Neo4jEngine, type Neo4jArtifact } from "./engine.ts";
import { neo4jDamageTargets } from "./damage-targets.ts";
import { DUMP_FILE } from "./preflight.ts";
import { NEO4J_METHODS } from "./scenarios.ts";

/**
 * `dr-drill verify --engine neo4j`: a `neo4j-admin database dump` (`neo4j.dump`) or a cold copy of `/data`. Neither
 * says which Neo4j wrote it without starting one: the target version stands for it.
 */
export const NEO4J_VERIFY = verifyScenario({
  methods: NEO4J_METHODS,
  fileName: (method) => (method === "dump" ? DUMP_FILE : undefined),
  describe: async (dir) => ({ method: existsSync(join(dir, DUMP_FILE)) ? "dump" : "cold-copy" }),
  // A cold copy brings the source's system database (its users and their passwords, which dr-drill does not know):
  // the restored copy gets a fresh one, and the server recreates the default database over the copied store.
  access: {
    afterCopyIn: async (volume) => {
      await volume.sh(
        `rm -rf ${NEO4J_DATA}/databases/system ${NEO4J_DATA}/transactions/system ${NEO4J_DATA}/dbms/auth.ini`,
      );
    },
  },
  engine: (version, method) => new Neo4jEngine(version, method === "cold-copy" ? "cold-copy" : "dump"),
  artifact: async (dir, engine): Promise<Neo4jArtifact> => ({
    dir,
    method: engine.backupMethod === "cold-copy" ? "cold-copy" : "dump",
    tool: engine.backupMethod === "cold-copy" ? "copy of /data (brought)" : "neo4j-admin database dump (brought)",
    finishedAt: 0,
    sourceVersion: engine.version,
  }),
  damageTargets: neo4jDamageTargets,
});
