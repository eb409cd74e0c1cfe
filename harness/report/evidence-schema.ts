import { readFile } from "node:fs/promises";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { RunEvidence } from "./run-evidence.ts";

/** schemas/ at the root of the sources, copied to dist/schemas by scripts/build.js: the same path from either. */
const SCHEMA_URL = new URL("../../schemas/run-evidence.schema.json", import.meta.url);

/** A run's evidence that does not match its schema: a defect of dr-drill, never sealed, never a verdict. */
export class InvalidEvidenceError extends Error {}

/** The validator of a run's evidence.json, strict: an unknown field is refused. */
export async function runEvidenceValidator() {
  const ajv = new Ajv2020.default({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats.default(ajv);
  return ajv.compile(JSON.parse(await readFile(SCHEMA_URL, "utf8")));
}

let validator: ReturnType<typeof runEvidenceValidator> | undefined;

/** Throws InvalidEvidenceError naming every place where the evidence, as it would be written, breaks the schema. */
export async function assertValidRunEvidence(evidence: RunEvidence): Promise<void> {
  validator ??= runEvidenceValidator();
  const validate = await validator;
  // Validated as JSON: what evidence.json will hold, not the object (undefined fields are dropped on the way).
  if (validate(JSON.parse(JSON.stringify(evidence)))) return;
  const where = (validate.errors ?? [])
    .slice(0, 10)
    .map(
      (e) =>
        `${e.instancePath || "/"} ${e.message ?? "is invalid"}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`,
    );
  throw new InvalidEvidenceError(
    `the run's evidence does not match schemas/run-evidence.schema.json (a defect of dr-drill; nothing was sealed): ${where.join("; ")}`,
  );
}
