/**
 * The shape of `dr-drill.config.ts`, the one definition of it: harness/config.ts validates a config with it, and
 * `npm run schema` writes from it the types a config file sees (config/types.ts, behind `dr-drill/config`).
 *
 * To add a key: add it here with `.describe()` (the doc a user's editor shows), run `npm run schema`, and read it where
 * it is used; test/unit/schema.test.ts fails while config/types.ts is out of date. Engine, version, method and scenario
 * names are checked against the engines in harness/config.ts, not here.
 */
import { z } from "zod";
import { IMAGE_MODES } from "../runtime/image-mode.ts";
import { proceduresSchema, userChecksSchema } from "./procedure.ts";
import { count, keyed, oneOf, positiveCount, text, texts } from "./values.ts";

export const engineConfig = keyed({
  versions: texts.optional(),
  methods: texts.optional(),
  scenarios: texts.optional(),
  restoreInto: text.optional(),
  procedures: proceduresSchema
    .describe("Your own backup procedures, by name: `--method <name>` drills one like a built-in method.")
    .optional(),
  checks: userChecksSchema
    .describe("Your own checks, by name: queries run on every restored node of this engine, each a check user:<name>.")
    .optional(),
  image: text
    .describe(
      "Your image for this engine (as `--image engine=REF`), checked against what dr-drill relies on before the drill.",
    )
    .optional(),
}).meta({ id: "EngineConfig" });

export const drillConfig = keyed({
  reports: text.describe("Where reports go (default `reports`).").optional(),
  images: oneOf(IMAGE_MODES)
    .describe("Where engine images come from: official, offline (built locally) or auto.")
    .optional(),
  rows: positiveCount
    .describe("Rows to load per drill (default 100,000): at least 1, a drill of no data proves nothing.")
    .optional(),
  writers: count.optional(),
  seed: count.optional(),
  deepVerify: z
    .boolean()
    .describe(
      "After a restore that passed every check, also run the engine's own verifier and reads through its indexes (`--deep-verify`): damage they find fails the drill.",
    )
    .optional(),
  targets: keyed({ rto: text.optional(), rpo: text.optional() }).optional(),
  retention: text
    .describe('How long the reports are to be kept, stated in each (a duration, e.g. "400d"; default 365 days).')
    .optional(),
  engines: z.record(z.string(), engineConfig).optional(),
  signing: keyed({
    privateKey: text.describe("Ed25519 private key (PEM file path) to sign every report's manifest.").optional(),
    publicKey: text
      .describe("The matching public key, used by `verify-report` when `--public-key` is not given.")
      .optional(),
  }).optional(),
}).meta({ id: "DrillConfig" });

export type DrillConfig = z.infer<typeof drillConfig>;
export type EngineConfig = z.infer<typeof engineConfig>;
