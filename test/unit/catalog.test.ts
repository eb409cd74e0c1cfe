import { describe, expect, it } from "vitest";
import { CATALOG, ENGINE_MODULES, ENGINES } from "../../engines/index.ts";
import { summarise } from "../../engines/registry.ts";

describe("engines/catalog.json: what the command knows of each engine without loading it", () => {
  it("is what the engines' scenarios say (when this fails: npm run catalog)", async () => {
    expect(Object.keys(CATALOG)).toEqual(ENGINE_MODULES.map((m) => m.name));
    for (const engine of ENGINE_MODULES) {
      expect(CATALOG[engine.name], `${engine.name}: run \`npm run catalog\``).toEqual(
        summarise(await engine.load(), engine.defaultVersion),
      );
    }
  });

  it("gives every engine its default scenario, and every scenario known methods", () => {
    for (const entry of Object.values(ENGINES)) {
      expect(
        entry.scenarios.map((s) => s.name),
        entry.name,
      ).toContain(entry.defaultScenario);
      expect(entry.versions, entry.name).toContain(entry.defaultVersion);
      for (const s of entry.scenarios)
        expect(entry.methods, `${entry.name} ${s.name}`).toEqual(expect.arrayContaining(s.methods));
    }
  });
});
