import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { loadConfig, type DrillConfig } from "../harness/config.ts";
import { loadPrivateKey, loadPublicKey, verifyDirectory } from "../harness/report/manifest.ts";
import { ShardRejected, mergeReports as merge } from "../harness/report/merge.ts";
import { fromInput } from "../harness/errors.ts";
import { UsageError, firstGiven, parse } from "./args.ts";
import { vocabulary } from "./run.ts";

/** The key that checks report signatures: `--public-key`, else `DR_DRILL_PUBLIC_KEY`, else the config. */
function publicKey(flag: string | boolean | undefined, config: DrillConfig, file: string | null): KeyObject | undefined {
  const [source, origin] = firstGiven([flag, "--public-key"], [process.env.DR_DRILL_PUBLIC_KEY, "DR_DRILL_PUBLIC_KEY"], [config.signing?.publicKey, `${file}: signing.publicKey`]);
  return source ? fromInput(origin, () => loadPublicKey(source)) : undefined;
}

/** Checks every file of a report directory against its manifest, and the signature against a public key. */
export async function verifyReport(args: string[]): Promise<number> {
  const { values: v, positionals } = parse(args, { "public-key": { type: "string" }, config: { type: "string" } }, true);
  if (positionals.length !== 1) throw new UsageError("verify-report takes one report directory: dr-drill verify-report <dir> [--public-key key.pub.pem]");
  const dir = resolve(positionals[0]!);
  if (!existsSync(dir)) throw new UsageError(`no such report directory: ${dir}`);
  const { config, file } = await loadConfig(vocabulary(), typeof v.config === "string" ? v.config : undefined);
  const outcome = await verifyDirectory(dir, publicKey(v["public-key"], config, file));
  if (outcome.ok) {
    console.log(`OK: ${outcome.files} file(s) match manifest.sha256; signature ${outcome.signature}`);
    return 0;
  }
  console.error(`FAILED: ${dir}`);
  for (const p of outcome.problems) console.error(`  ${p}`);
  return 1;
}

/**
 * Combines shard report directories into one run: each shard verified first (with the public key when they are
 * signed), the merged directory signed with the signing key when one is configured.
 */
export async function mergeReports(args: string[]): Promise<number> {
  const { values: v, positionals } = parse(args, { out: { type: "string" }, "public-key": { type: "string" }, "signing-key": { type: "string" }, config: { type: "string" } }, true);
  if (positionals.length === 0 || typeof v.out !== "string") throw new UsageError("merge-reports takes shard report directories and --out: dr-drill merge-reports <dir>... --out DIR");
  for (const dir of positionals) if (!existsSync(dir)) throw new UsageError(`no such report directory: ${resolve(dir)}`);
  const { config, file } = await loadConfig(vocabulary(), typeof v.config === "string" ? v.config : undefined);
  const [keySource, origin] = firstGiven([v["signing-key"], "--signing-key"], [process.env.DR_DRILL_SIGNING_KEY, "DR_DRILL_SIGNING_KEY"], [config.signing?.privateKey, `${file}: signing.privateKey`]);
  const signingKey = keySource ? fromInput(origin, () => loadPrivateKey(keySource)) : undefined;
  // Shards signed with the key the merge signs with are checked with its public half when no public key is given.
  const checkKey = publicKey(v["public-key"], config, file) ?? (signingKey ? createPublicKey(signingKey) : undefined);
  try {
    const report = await merge({ dirs: positionals, out: v.out, ...(checkKey ? { publicKey: checkKey } : {}), ...(signingKey ? { signingKey } : {}) });
    const run = report.evidence;
    console.log(`merged ${run.mergedFrom?.length ?? 0} report(s), every manifest verified: ${run.counts.drills} drill(s), ${run.counts.passed} passed, ${run.counts.failed} failed, ${run.counts.unknown} undecided`);
    console.log(`${run.verdict.toUpperCase()}. Report: ${report.dir}/report.html (evidence.json, junit.xml, summary.md, manifest.sha256${report.signed ? ", manifest.sig" : ""})`);
    return run.verdict === "pass" ? 0 : 1;
  } catch (err) {
    if (!(err instanceof ShardRejected)) throw err;
    console.error(`FAILED: ${err.dir} does not verify; nothing was merged`);
    for (const p of err.problems) console.error(`  ${p}`);
    return 1;
  }
}

/** Makes an Ed25519 key pair for signing reports. */
export async function keygen(args: string[]): Promise<number> {
  const { values: v } = parse(args, { out: { type: "string" } });
  const dir = resolve(typeof v.out === "string" ? v.out : ".");
  const privatePath = join(dir, "dr-drill-signing.key.pem");
  const publicPath = join(dir, "dr-drill-signing.pub.pem");
  if (existsSync(privatePath)) throw new UsageError(`${privatePath} exists; not overwriting a key`);
  await mkdir(dir, { recursive: true });
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  await writeFile(privatePath, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  await writeFile(publicPath, publicKey.export({ type: "spki", format: "pem" }));
  console.log(`private key: ${privatePath} (keep it secret: DR_DRILL_SIGNING_KEY or signing.privateKey)\npublic key:  ${publicPath} (for verify-report --public-key)`);
  return 0;
}
