import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { ENGINE_MODULES } from "../../engines/index.ts";
import type { EngineModule } from "../../engines/registry.ts";

const ENGINES_DIR = fileURLToPath(new URL("../../engines/", import.meta.url));
/** The in-process template engine: drilled by the unit tests, not offered by the command. */
const TEMPLATE = "memory";

/** The registry as the folders make it: every engine folder's `entry.ts`, in folder order. */
async function registryFromFolders(): Promise<{ folders: string[]; entries: EngineModule[] }> {
  const folders = (await readdir(ENGINES_DIR, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && d.name !== TEMPLATE)
    .map((d) => d.name)
    .sort();
  const entries: EngineModule[] = [];
  for (const folder of folders) {
    const module: { ENTRIES?: EngineModule[] } = await import(`${ENGINES_DIR}${folder}/entry.ts`);
    entries.push(...(module.ENTRIES ?? []));
  }
  return { folders, entries };
}

describe("engines/index.ts: one line per engine folder", () => {
  it("lists exactly the entries the engine folders export", async () => {
    const { folders, entries } = await registryFromFolders();
    for (const folder of folders)
      expect(existsSync(`${ENGINES_DIR}${folder}/entry.ts`), `engines/${folder}/entry.ts`).toBe(true);
    expect(ENGINE_MODULES.map((m) => m.name).sort()).toEqual(entries.map((m) => m.name).sort());
    expect(new Set(ENGINE_MODULES)).toEqual(new Set(entries));
  });

  it("keeps the template out of the command, and every engine's name unique", () => {
    const names = ENGINE_MODULES.map((m) => m.name);
    expect(names).not.toContain(TEMPLATE);
    expect(new Set(names).size).toBe(names.length);
  });
});
