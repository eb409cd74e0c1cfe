import { readFile } from "node:fs/promises";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { DrillConfig as PublishedConfig, EngineConfig as PublishedEngine } from "../../config/index.ts";
import type { DrillConfig, EngineConfig } from "../../harness/schema/config.ts";
import { pathOf, schemaFiles } from "../../scripts/schema-files.ts";

describe("files generated from the zod schemas of harness/schema/", () => {
  it.each(["schemas/run-evidence.schema.json", "config/types.ts"])(
    "%s is what the schemas say (when this fails: npm run schema)",
    async (path) => {
      const file = (await schemaFiles()).find((f) => f.path === path);
      expect(file, `${path} is not generated`).toBeDefined();
      expect(await readFile(pathOf(file!), "utf8"), `${path}: run \`npm run schema\``).toBe(file!.text);
    },
  );

  it("dr-drill/config publishes exactly the types the config is validated against", () => {
    // Checked by the type checker (npx tsc --noEmit), which sees test files too.
    expectTypeOf<PublishedConfig>().toEqualTypeOf<DrillConfig>();
    expectTypeOf<PublishedEngine>().toEqualTypeOf<EngineConfig>();
  });
});
