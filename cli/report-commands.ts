import { generateKeyPairSync } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { loadConfig } from "../harness/config.ts";
import { loadPublicKey, verifyDirectory } from "../harness/report/manifest.ts";
import { fromInput } from "../harness/errors.ts";
import { UsageError, firstGiven, parse } from "./args.ts";
import { vocabulary } from "./run.ts";

/** Checks every file of a report directory against its manifest, and the signature against a public key. */
export async function verifyReport(args: string[]): Promise<number> {
  const { values: v, positionals } = parse(args, { "public-key": { type: "string" }, config: { type: "string" } }, true);
  if (positionals.length !== 1) throw new UsageError("verify-report takes one report directory: dr-drill verify-report <dir> [--public-key key.pub.pem]");
  const dir = resolve(positionals[0]!);
  if (!existsSync(dir)) throw new UsageError(`no such report directory: ${dir}`);
  const { config, file } = await loadConfig(vocabulary(), typeof v.config === "string" ? v.config : undefined);
  const [keySource, origin] = firstGiven([v["public-key"], "--public-key"], [process.env.DR_DRILL_PUBLIC_KEY, "DR_DRILL_PUBLIC_KEY"], [config.signing?.publicKey, `${file}: signing.publicKey`]);
  const outcome = await verifyDirectory(dir, keySource ? fromInput(origin, () => loadPublicKey(keySource)) : undefined);
  if (outcome.ok) {
    console.log(`OK: ${outcome.files} file(s) match manifest.sha256; signature ${outcome.signature}`);
    return 0;
  }
  console.error(`FAILED: ${dir}`);
  for (const p of outcome.problems) console.error(`  ${p}`);
  return 1;
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
