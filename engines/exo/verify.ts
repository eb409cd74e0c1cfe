import { verifyScenario } from "../../harness/verify/scenario.ts";
import { ExoEngine } from "./engine.ts";

/**
 * `dr-drill verify --engine exo`: the data tier's parts (`gatein/data`, three `pg_dump -Fc`, the chat `mongodump`, the
 * codec), each restored with its own tool into a fresh tier, then the cross-part checks (references between parts).
 */
export const EXO_VERIFY = verifyScenario({
  methods: ["procedure"],
  describe: async () => ({ method: "procedure" }),
  engine: (version) => new ExoEngine(version),
  artifact: async (dir, engine) => ({
    dir,
    method: "procedure",
    tool: "eXo data tier backup procedure (brought)",
    finishedAt: 0,
    version: engine.version,
    parts: [],
  }),
});
