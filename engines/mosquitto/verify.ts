import { stat } from "node:fs/promises";
import { join } from "node:path";
import { verifyScenario } from "../../harness/verify/scenario.ts";
import { ARTIFACT_DB, MosquittoEngine } from "./engine.ts";
import { mosquittoDamageTargets } from "./damage-targets.ts";

/**
 * `dr-drill verify --engine mosquitto`: `data/mosquitto.db` and `config/mosquitto.conf` as the backup saved them. The
 * restored broker must load the file and serve back every retained message and every session's queue.
 */
export const MOSQUITTO_VERIFY = verifyScenario({
  methods: ["sigusr1"],
  describe: async () => ({ method: "sigusr1" }),
  engine: (version) => new MosquittoEngine(version, { method: "sigusr1" }),
  artifact: async (dir, engine) => {
    const db = await stat(join(dir, ARTIFACT_DB)).catch(() => undefined);
    return {
      dir,
      method: "sigusr1",
      tool: "copy of mosquitto.db and mosquitto.conf (brought)",
      finishedAt: 0,
      sourceVersion: engine.version,
      save: { after: { inode: db?.ino ?? 0, bytes: db?.size ?? 0 }, waitedMs: 0 },
    };
  },
  damageTargets: mosquittoDamageTargets,
});
