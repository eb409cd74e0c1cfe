import { loadFrom, type EngineModule } from "../registry.ts";
import { MEMGRAPH_DEFAULT_VERSION, MEMGRAPH_VERSIONS, memgraphImageSpec } from "./versions.ts";

/** This engine as the command line knows it before loading its drivers (engines/index.ts lists it). */
export const ENTRIES: EngineModule[] = [
  {
    name: "memgraph",
    versions: Object.keys(MEMGRAPH_VERSIONS),
    defaultVersion: MEMGRAPH_DEFAULT_VERSION,
    imageSpec: memgraphImageSpec,
    load: loadFrom(
      () => import("./scenarios.ts"),
      (m) => ({ methods: m.MEMGRAPH_METHODS, scenarios: m.MEMGRAPH_SCENARIOS }),
    ),
  },
];
