// `npm run schema`: writes the files generated from the zod schemas of harness/schema/ (scripts/schema-files.ts).
// Run it after changing a schema; test/unit/schema.test.ts fails while a file is out of date.
import { writeFile } from "node:fs/promises";
import { pathOf, schemaFiles } from "./schema-files.ts";

for (const file of await schemaFiles()) {
  await writeFile(pathOf(file), file.text);
  console.log(`${file.path}: ${file.text.split("\n").length - 1} lines`);
}
