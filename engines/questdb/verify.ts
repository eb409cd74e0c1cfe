import { verifyScenario } from "../../harness/verify/scenario.ts";
import type { QuestDbArtifact } from "./artifact.ts";
import { QuestDbEngine } from "./engine.ts";
import { questdbDamageTargets } from "./damage-targets.ts";
import { questdbVersion } from "./versions.ts";

/**
 * `dr-drill verify --engine questdb`: a copy of the root taken inside a checkpoint (`db/.checkpoint`) or a snapshot
 * (`db/snapshot`). The restore puts a `_restore` trigger beside it and observes the recovery in the server's log.
 */
export const QUESTDB_VERIFY = verifyScenario({
  methods: ["checkpoint"],
  describe: async () => ({ method: "checkpoint" }),
  engine: (version) => new QuestDbEngine(version),
  artifact: async (dir, engine): Promise<QuestDbArtifact> => {
    const { checkpointSql } = questdbVersion(engine.version);
    return {
      dir,
      method: "checkpoint",
      tool: "copy of the QuestDB root inside a checkpoint (brought)",
      finishedAt: 0,
      sourceVersion: engine.version,
      sourceBuild: "",
      checkpointSql,
      vanishedDuringCopy: 0,
      // A copy that lacks the checkpoint's directory is still judged as QuestDB's procedure: the preflight names it.
      procedure: "checkpoint",
    };
  },
  damageTargets: questdbDamageTargets,
});
