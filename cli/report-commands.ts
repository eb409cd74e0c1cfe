import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { loadConfig, type DrillConfig } from "../harness/config.ts";
import { MANIFEST, loadPrivateKey, loadPublicKey, verifyDirectory } from "../harness/report/manifest.ts";
import { ShardRejected, mergeReports as merge } from "../harness/report/merge.ts";
import { fromInput } from "../harness/errors.ts";
import { UsageError, firstGiven } from "./args.ts";
import { vocabulary } from "./run.ts";
import { writableDirectory } from "./writable.ts";

/** The key that checks report signatures: `--public-key`, else `DR_DRILL_PUBLIC_KEY`, else the config. */
function publicKey(flag: string | undefined, config: DrillConfig, file: string | null): KeyObject | undefined {
  const [source, origin] = firstGiven(
    [flag, "--public-key"],
    [process.env.DR_DRILL_PUBLIC_KEY, "DR_DRILL_PUBLIC_KEY"],
    [config.signing?.publicKey, `${file}: signing.publicKey`],
  );
  return source ? fromInput(origin, () => loadPublicKey(source)) : undefined;
}

/** Checks every file of a report directory against its manifest, and the signature and attestation against a public key. */
export async function verifyReport(path: string, v: { publicKey?: string; config?: string }): Promise<number> {
  const dir = resolve(path);
  if (!existsSync(dir)) throw new UsageError(`no such report directory: ${dir}`);
  const { config, file } = await loadConfig(vocabulary(), v.config);
  const outcome = await verifyDirectory(dir, publicKey(v.publicKey, config, file));
  if (outcome.ok) {
    console.log(
      `OK: ${outcome.files} file(s) match manifest.sha256; signature ${outcome.signature}; attestation ${outcome.attestation}`,
    );
    return 0;
  }
  console.error(`FAILED: ${dir}`);
  for (const p of outcome.problems) console.error(`  ${p}`);
  return 1;
}

/**
 * A shard's run directory: the directory itself when it is a report, else the newest run of the report root it is
 * (what `--reports` of a shard holds, and so what a CI job's uploaded artifact holds). Run ids start with their time.
 */
async function runDirectory(path: string): Promise<string> {
  const dir = resolve(path);
  if (!existsSync(dir)) throw new UsageError(`no such report directory: ${dir}`);
  // A run's own directory has its evidence (a missing manifest is then the verification's finding, not this one's).
  if (existsSync(join(dir, "evidence.json")) || existsSync(join(dir, MANIFEST))) return dir;
  const runs = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && /^\d{4}-\d\d-\d\dT/.test(e.name) && existsSync(join(dir, e.name, MANIFEST)))
    .map((e) => e.name)
    .sort();
  const newest = runs.at(-1);
  if (!newest)
    throw new UsageError(`${dir} is neither a report directory (no ${MANIFEST}) nor a report root holding one`);
  console.log(
    `${dir}: a report root; merging its newest run, ${newest}${runs.length > 1 ? ` (of ${runs.length})` : ""}`,
  );
  return join(dir, newest);
}

/**
 * Combines shard reports into one run: each shard verified first (with the public key when they are signed), the
 * merged directory signed with the signing key when one is configured. A shard is its run directory or its report root.
 */
export async function mergeReports(
  paths: string[],
  v: { out: string; publicKey?: string; signingKey?: string; config?: string },
): Promise<number> {
  const dirs: string[] = [];
  for (const path of paths) dirs.push(await runDirectory(path));
  const { config, file } = await loadConfig(vocabulary(), v.config);
  const [keySource, origin] = firstGiven(
    [v.signingKey, "--signing-key"],
    [process.env.DR_DRILL_SIGNING_KEY, "DR_DRILL_SIGNING_KEY"],
    [config.signing?.privateKey, `${file}: signing.privateKey`],
  );
  const signingKey = keySource ? fromInput(origin, () => loadPrivateKey(keySource)) : undefined;
  // Shards signed with the key the merge signs with are checked with its public half when no public key is given.
  const checkKey = publicKey(v.publicKey, config, file) ?? (signingKey ? createPublicKey(signingKey) : undefined);
  try {
    const report = await merge({
      dirs,
      out: v.out,
      ...(checkKey ? { publicKey: checkKey } : {}),
      ...(signingKey ? { signingKey } : {}),
    });
    const run = report.evidence;
    console.log(
      `merged ${run.mergedFrom?.length ?? 0} report(s), every manifest verified: ${run.counts.drills} drill(s), ${run.counts.passed} passed, ${run.counts.failed} failed, ${run.counts.unknown} undecided`,
    );
    console.log(
      `${run.verdict.toUpperCase()}. Report: ${report.dir}/report.html (evidence.json, junit.xml, summary.md, manifest.sha256${report.signed ? ", manifest.sig" : ""})`,
    );
    return run.verdict === "pass" ? 0 : 1;
  } catch (err) {
    if (!(err instanceof ShardRejected)) throw err;
    console.error(`FAILED: ${err.dir} does not verify; nothing was merged`);
    for (const p of err.problems) console.error(`  ${p}`);
    return 1;
  }
}

/** Makes an Ed25519 key pair for signing reports. */
export async function keygen(v: { out?: string }): Promise<number> {
  const dir = writableDirectory(v.out ?? ".", v.out === undefined ? "the current directory" : "--out");
  const privatePath = join(dir, "dr-drill-signing.key.pem");
  const publicPath = join(dir, "dr-drill-signing.pub.pem");
  if (existsSync(privatePath)) throw new UsageError(`${privatePath} exists; not overwriting a key`);
  await mkdir(dir, { recursive: true });
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  await writeFile(privatePath, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  await writeFile(publicPath, publicKey.export({ type: "spki", format: "pem" }));
  console.log(
    `private key: ${privatePath} (keep it secret: DR_DRILL_SIGNING_KEY or signing.privateKey)\npublic key:  ${publicPath} (for verify-report --public-key)`,
  );
  return 0;
}
