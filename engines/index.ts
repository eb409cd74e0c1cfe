import type { Scenario } from "../harness/scenario.ts";
import catalog from "./catalog.json" with { type: "json" };
import { catalogOf, type EngineModule, type EngineSummary } from "./registry.ts";
import { ENTRIES as postgres } from "./postgres/entry.ts";
import { ENTRIES as questdb } from "./questdb/entry.ts";
import { ENTRIES as eventstore } from "./eventstore/entry.ts";
import { ENTRIES as neo4j } from "./neo4j/entry.ts";
import { ENTRIES as memgraph } from "./memgraph/entry.ts";
import { ENTRIES as exo } from "./exo/entry.ts";
import { ENTRIES as mosquitto } from "./mosquitto/entry.ts";
import { ENTRIES as rabbitmq } from "./rabbitmq/entry.ts";
import { ENTRIES as emqx } from "./emqx/entry.ts";

/**
 * The engines the command line knows: one line per engine folder, each exporting its own entries (`entry.ts`); then
 * `npm run catalog` records their methods and scenarios. engines/memory/ is the template, drilled by the unit tests
 * only. A unit test checks this list against the folders.
 */
export const ENGINE_MODULES: EngineModule[] = [
  ...postgres,
  ...questdb,
  ...eventstore,
  ...neo4j,
  ...memgraph,
  ...exo,
  ...mosquitto,
  ...rabbitmq,
  ...emqx,
];

/** An engine with its methods and scenarios from the catalog: everything but the drills themselves. */
export type EngineEntry = EngineModule & EngineSummary & { defaultScenario: string };

// An engine missing from the catalog has no scenarios until `npm run catalog`; the catalog test fails meanwhile.
/** What `npm run catalog` recorded of each engine's scenarios (engines/catalog.json). */
export const CATALOG = catalogOf(catalog);

export const ENGINES: Record<string, EngineEntry> = Object.fromEntries(
  ENGINE_MODULES.map((m) => [
    m.name,
    { defaultScenario: "load", ...m, ...(CATALOG[m.name] ?? { methods: [], scenarios: [] }) },
  ]),
);

export function engineEntry(name: string): EngineEntry {
  const entry = ENGINES[name];
  if (!entry) throw new Error(`unknown engine "${name}"; known engines: ${Object.keys(ENGINES).join(", ")}`);
  return entry;
}

/** One scenario of an engine, loaded with the engine's drivers. */
export async function loadScenario(engine: string, scenario: string): Promise<Scenario> {
  const found = (await engineEntry(engine).load()).scenarios.find((s) => s.name === scenario);
  if (!found) throw new Error(`${engine} has no scenario "${scenario}"`);
  return found;
}
