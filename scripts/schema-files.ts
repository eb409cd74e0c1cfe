// What `npm run schema` (scripts/schema.ts) writes from the zod schemas of harness/schema/, and what
// test/unit/schema.test.ts compares with the files in the repository: the evidence's JSON Schema, and the types
// `dr-drill/config` publishes.
import { format, resolveConfig } from "prettier";
import { z } from "zod";
import { drillConfig } from "../harness/schema/config.ts";
import { runEvidence } from "../harness/schema/evidence-run.ts";
import { interfacesOf } from "./typescript-of-schema.ts";

const ROOT = new URL("..", import.meta.url);

export interface GeneratedFile {
  /** From the repository's root. */
  path: string;
  text: string;
}

const CONFIG_TYPES_HEADER = `// The types of a dr-drill.config.ts, written by \`npm run schema\` from harness/schema/config.ts: edit that, not this.
`;

export async function schemaFiles(): Promise<GeneratedFile[]> {
  const configTypes = "config/types.ts";
  const typesText = CONFIG_TYPES_HEADER + "\n" + interfacesOf(z.toJSONSchema(drillConfig));
  return [
    {
      path: "schemas/run-evidence.schema.json",
      text: `${JSON.stringify(z.toJSONSchema(runEvidence), null, 2)}\n`,
    },
    {
      path: configTypes,
      text: await format(typesText, {
        ...(await resolveConfig(new URL(configTypes, ROOT))),
        filepath: configTypes,
      }),
    },
  ];
}

export const pathOf = (file: GeneratedFile) => new URL(file.path, ROOT);
