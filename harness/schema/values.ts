/**
 * The small value shapes the config and evidence schemas are built from, each with the wording of its error: a config
 * error reads `<key> <message>` (harness/config.ts), so a message says what the value must be and what it was.
 */
import { z } from "zod";

const got = (input: unknown) => `, got ${JSON.stringify(input)}`;

export const text = z.string({ error: (iss) => `must be a string${got(iss.input)}` });
export const nonEmpty = z.string().min(1);
export const texts = z.array(text, { error: (iss) => `must be a list of strings${got(iss.input)}` });

const integer = (min: 0 | 1) => {
  const error = (iss: { input?: unknown }) =>
    `must be a ${min === 0 ? "non-negative" : "positive"} integer${got(iss.input)}`;
  return z.int({ error }).min(min, { error });
};
/** A whole number, 0 or more. */
export const count = integer(0);
/** A whole number, 1 or more. */
export const positiveCount = integer(1);
/** A duration or size that cannot be negative, not necessarily whole. */
export const measure = z.number().min(0);

/** A strict object: an unknown key is an error that lists the keys known there. */
export function keyed<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? `known keys here: ${Object.keys(shape).join(", ")}`
        : `must be an object${got(iss.input)}`,
  });
}

/** One of a few words; the error lists them. */
export function oneOf<const Values extends readonly string[]>(values: Values) {
  return z.enum(values, { error: (iss) => `${JSON.stringify(iss.input)} is not one of ${values.join(", ")}` });
}

/** A moment as `Date.toISOString()` writes it, defined once in the JSON Schema. */
export const timestamp = z.iso.datetime({ offset: true }).meta({ id: "timestamp" });
export const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
