import { loadFrom, type EngineModule } from "../registry.ts";
import { EMQX_DEFAULT_VERSION, EMQX_NOT_DRILLED, EMQX_VERSIONS, emqxImageSpec } from "./versions.ts";

/** This engine as the command line knows it before loading its drivers (engines/index.ts lists it). */
export const ENTRIES: EngineModule[] = [
  {
    name: "emqx",
    versions: Object.keys(EMQX_VERSIONS),
    defaultVersion: EMQX_DEFAULT_VERSION,
    imageSpec: emqxImageSpec,
    notDrilled: EMQX_NOT_DRILLED,
    load: loadFrom(
      () => import("./index.ts"),
      (m) => ({ methods: m.EMQX_METHODS, scenarios: m.EMQX_SCENARIOS }),
    ),
  },
];
