// Writes engines/catalog.json: every engine's methods and scenario summaries, read from its loaded scenarios, so that
// `dr-drill --help`, `list` and the checks of `run` need no engine driver. Run it after changing a scenario
// (`npm run catalog`); test/unit/catalog.test.ts fails while the catalog is out of date.
import { writeFile } from "node:fs/promises";
import { ENGINE_MODULES } from "../engines/index.ts";
import { summarise, type EngineSummary } from "../engines/registry.ts";

const catalog: Record<string, EngineSummary> = {};
for (const engine of ENGINE_MODULES) catalog[engine.name] = summarise(await engine.load(), engine.defaultVersion);
await writeFile(new URL("../engines/catalog.json", import.meta.url), `${JSON.stringify(catalog, null, 2)}\n`);
console.log(
  `engines/catalog.json: ${Object.keys(catalog).length} engines, ${Object.values(catalog).reduce((n, e) => n + e.scenarios.length, 0)} scenarios`,
);
process.exit(0); // a driver may hold a timer open; the catalog is written
