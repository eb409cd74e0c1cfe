import type { EngineModule, LoadedEngine } from "../registry.ts";
import {
  ALL_VERSIONS,
  EVENTSTORE_DEFAULT_VERSION,
  KURRENTDB_DEFAULT_VERSION,
  KURRENTDB_VERSIONS,
  eventStoreImageSpec,
} from "./versions.ts";

/** This engine as the command line knows it before loading its drivers (engines/index.ts lists it). */
export const ENTRIES: EngineModule[] = [
  // One engine folder for both products: `eventstore` knows every version (the matrix runs 22.10 → 26.0),
  // `kurrentdb` the KurrentDB ones.
  {
    name: "eventstore",
    versions: Object.keys(ALL_VERSIONS),
    defaultVersion: EVENTSTORE_DEFAULT_VERSION,
    imageSpec: eventStoreImageSpec("eventstore"),
    load: () => loadEventStore("eventstore", Object.keys(ALL_VERSIONS)),
  },
  {
    name: "kurrentdb",
    versions: Object.keys(KURRENTDB_VERSIONS),
    defaultVersion: KURRENTDB_DEFAULT_VERSION,
    imageSpec: eventStoreImageSpec("kurrentdb"),
    load: () => loadEventStore("kurrentdb", Object.keys(KURRENTDB_VERSIONS)),
  },
];

async function loadEventStore(engine: string, versions: string[]): Promise<LoadedEngine> {
  const [{ EVENTSTORE_METHODS }, { eventStoreScenarios }] = await Promise.all([
    import("./engine.ts"),
    import("./scenarios.ts"),
  ]);
  return { methods: EVENTSTORE_METHODS, scenarios: eventStoreScenarios(engine, versions) };
}
