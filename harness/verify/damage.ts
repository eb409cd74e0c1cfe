import { cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { manifestOf } from "../evidence.ts";
import { deleteFile, flipBytes, truncateTo } from "../faults.ts";

export type Damage = "flip-byte" | "truncate" | "remove";
export const DAMAGES: Damage[] = ["flip-byte", "truncate", "remove"];

/**
 * Where one damage goes in an artifact: a file, and for a flipped byte its offset, for a cut the bytes kept. An
 * engine aims (its verify's `damageTargets`) at bytes it reads and serves: a damage to bytes no engine ever reads
 * (a preallocated tail, a log a clean start skips) proves nothing about a verify.
 */
export interface DamageTarget {
  file: string;
  offset?: number;
  keepBytes?: number;
  /** What lies there, in words: the record says why this byte. */
  why: string;
}

/** An engine's aim: the target of a damage in the artifact at `dir`; undefined leaves the default (below). */
export type DamageTargets = (dir: string, damage: Damage) => Promise<DamageTarget | undefined>;

/**
 * The default target, for an engine with no aim: its largest file, the byte at 100 (or the middle of a smaller
 * file), cut to 64 bytes (or half a smaller file).
 */
async function largestFile(dir: string, damage: Damage): Promise<DamageTarget> {
  const largest = [...(await manifestOf(dir))].sort((a, b) => b.bytes - a.bytes)[0];
  if (!largest) throw new Error(`${dir} holds no file to damage`);
  const size = largest.bytes;
  return {
    file: largest.path,
    ...(damage === "flip-byte" ? { offset: Math.min(100, Math.floor(size / 2)) } : {}),
    ...(damage === "truncate" ? { keepBytes: Math.min(64, Math.floor(size / 2)) } : {}),
    why: `the largest file (${size} bytes)`,
  };
}

/** A copy of the artifact with one damage, where the engine aims it (else the default), and what was done where. */
export async function damagedCopy(
  backup: string,
  damage: Damage,
  aim?: DamageTargets,
): Promise<{ dir: string; what: string }> {
  const dir = join(await mkdtemp(join(tmpdir(), `dr-drill-damaged-${damage}-`)), "backup");
  await cp(backup, dir, { recursive: true, preserveTimestamps: true });
  const target = (await aim?.(dir, damage)) ?? (await largestFile(dir, damage));
  if (damage === "flip-byte") {
    const r = await flipBytes(dir, target.file, target.offset ?? 0);
    return {
      dir,
      what: `flip-byte ${target.file} at ${target.offset ?? 0} (${String(r.detail.before)} → ${String(r.detail.after)}): ${target.why}`,
    };
  }
  if (damage === "truncate") {
    const r = await truncateTo(dir, target.file, target.keepBytes ?? 0);
    return {
      dir,
      what: `truncate ${target.file} ${String(r.detail.size)} → ${String(r.detail.newSize)} bytes: ${target.why}`,
    };
  }
  await deleteFile(dir, target.file);
  return { dir, what: `remove ${target.file}: ${target.why}` };
}
