import { createHash, randomBytes } from "node:crypto";

/** A new data seed, printed with every drill so it can be replayed. */
export function newSeed(): number {
  return randomBytes(4).readUInt32BE(0) & 0x7fffffff;
}

/** A seed for one (purpose, numbers) combination, so every batch and op is reproducible on its own. */
export function deriveSeed(seed: number, ...parts: (string | number)[]): number {
  return (
    createHash("sha256")
      .update([seed, ...parts].join("/"))
      .digest()
      .readUInt32BE(0) & 0x7fffffff
  );
}
