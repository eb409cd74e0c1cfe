import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Damage, DamageTarget } from "../../harness/verify/damage.ts";
import { scanDb } from "./db-file.ts";
import { ARTIFACT_DB } from "./engine.ts";
import { payloadByte } from "./faults.ts";

/**
 * Where a test's damage to a Mosquitto artifact goes: a flipped byte of a queued message's payload (the byte the
 * fault `flipped-payload-byte` flips), which the restored broker serves back as it is; mosquitto.db has no checksum,
 * and a byte of a message's header fields (its source client id) is never served. Cuts and removals keep the
 * default target.
 */
export async function mosquittoDamageTargets(dir: string, damage: Damage): Promise<DamageTarget | undefined> {
  if (damage !== "flip-byte") return undefined;
  const target = payloadByte(scanDb(await readFile(join(dir, ARTIFACT_DB))));
  return {
    file: ARTIFACT_DB,
    offset: target.offset,
    why: `the last byte of the ${target.payloadLength}-byte payload of the message queued on ${target.topic}`,
  };
}
