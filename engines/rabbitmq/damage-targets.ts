import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Damage, DamageTarget } from "../../harness/verify/damage.ts";
import { largestPublishSegment } from "./faults.ts";

/** Byte 9 of a publish record: inside its 16-byte message id, which starts at byte 2 (rabbit_queue_index.erl). */
const MESSAGE_ID_BYTE = 9;

/**
 * Where a test's damage to a Mnesia copy goes: a flipped byte of the message id of the first entry of the largest
 * session queue's index segment, which the queue reads back on start (the logs of a cleanly stopped node are not).
 * Cuts and removals keep the default target; a definitions export, with no queue index, keeps it for all three.
 */
export async function rabbitmqDamageTargets(dir: string, damage: Damage): Promise<DamageTarget | undefined> {
  if (damage !== "flip-byte" || !existsSync(join(dir, "mnesia"))) return undefined;
  const segment = await largestPublishSegment(dir);
  if (!segment) return undefined;
  return {
    file: segment.rel,
    offset: MESSAGE_ID_BYTE,
    why: `a byte of the message id of the first publish record of the largest queue index segment (${segment.bytes} bytes)`,
  };
}
