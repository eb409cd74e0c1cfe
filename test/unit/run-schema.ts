import { readFile } from "node:fs/promises";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

/** The validator of a run's evidence.json against schemas/run-evidence.schema.json, strict: an unknown field is refused. */
export async function schemaValidator() {
  const ajv = new Ajv2020.default({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats.default(ajv);
  return ajv.compile(JSON.parse(await readFile(new URL("../../schemas/run-evidence.schema.json", import.meta.url), "utf8")));
}
