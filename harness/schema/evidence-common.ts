/**
 * Parts of the evidence that a drill's record and a run's both hold. How to add a field: see evidence-drill.ts.
 */
import { z } from "zod";
import { nonEmpty } from "./values.ts";

export const verdict = z
  .enum(["pass", "fail", "unknown"])
  .describe("What the checks found; `unknown` when the drill could not decide (our error, Docker, Ctrl-C).");

export const initiator = z
  .object({
    user: z.string(),
    host: z.string(),
    ci: z
      .object({
        provider: z.string(),
        actor: z.string().optional(),
        commit: z.string().optional(),
        ref: z.string().optional(),
        runUrl: z.string().optional(),
      })
      .nullable(),
  })
  .describe("Who started the drill, from CI variables when present.");

export const targets = z.object({ rtoMs: z.number().min(0).optional(), rpoMs: z.number().min(0).optional() });

export const image = z.object({ ref: nonEmpty, id: z.string(), source: z.enum(["official", "offline", "user"]) });

export type Verdict = z.infer<typeof verdict>;
export type Initiator = z.infer<typeof initiator>;
export type EvidenceImage = z.infer<typeof image>;
