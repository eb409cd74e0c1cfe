import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";

/**
 * The integrity seal of a report directory: `manifest.sha256` lists every file with its SHA-256 (the format
 * `sha256sum -c` reads), and `manifest.sig` holds an Ed25519 signature of that manifest when a key is configured.
 */
export const MANIFEST = "manifest.sha256";
export const SIGNATURE = "manifest.sig";

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/"))
    .filter((p) => p !== MANIFEST && p !== SIGNATURE)
    .sort();
}

export function loadPrivateKey(pemOrPath: string): KeyObject {
  const pem = pemOrPath.includes("-----BEGIN") ? pemOrPath : readFileSyncOrThrow(pemOrPath, "signing key");
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`the signing key must be Ed25519, got ${key.asymmetricKeyType}`);
  return key;
}

export function loadPublicKey(pemOrPath: string): KeyObject {
  const pem = pemOrPath.includes("-----BEGIN") ? pemOrPath : readFileSyncOrThrow(pemOrPath, "public key");
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`the public key must be Ed25519, got ${key.asymmetricKeyType}`);
  return key;
}

function readFileSyncOrThrow(path: string, what: string): string {
  if (!existsSync(path)) throw new Error(`${what} file not found: ${path}`);
  return readFileSync(path, "utf8");
}

/** Writes the manifest of every file under `dir`, and its signature when a key is given. */
export async function sealDirectory(dir: string, signingKey?: KeyObject): Promise<{ files: number; signed: boolean }> {
  const files = await filesUnder(dir);
  const lines = [];
  for (const f of files) lines.push(`${await sha256(join(dir, f))}  ${f}`);
  const manifest = lines.join("\n") + "\n";
  await writeFile(join(dir, MANIFEST), manifest);
  if (signingKey) await writeFile(join(dir, SIGNATURE), sign(null, Buffer.from(manifest), signingKey).toString("base64") + "\n");
  return { files: files.length, signed: signingKey !== undefined };
}

export interface VerifyOutcome {
  ok: boolean;
  problems: string[];
  files: number;
  signature: "valid" | "invalid" | "absent" | "unchecked";
}

/**
 * Checks every file against the manifest (changed, missing, or not listed) and the signature against a public key.
 * A signed report with no key given is not called valid: the signature was not checked.
 */
export async function verifyDirectory(dir: string, publicKey?: KeyObject): Promise<VerifyOutcome> {
  const problems: string[] = [];
  const manifestPath = join(dir, MANIFEST);
  if (!existsSync(manifestPath)) return { ok: false, problems: [`${MANIFEST} not found in ${dir}`], files: 0, signature: "absent" };
  const manifest = await readFile(manifestPath);
  const listed = new Map<string, string>();
  for (const line of manifest.toString("utf8").split("\n")) {
    if (!line) continue;
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!m) {
      problems.push(`malformed manifest line: ${line.slice(0, 120)}`);
      continue;
    }
    listed.set(m[2]!, m[1]!);
  }
  const present = new Set(await filesUnder(dir));
  for (const [file, digest] of listed) {
    if (!present.has(file)) problems.push(`missing: ${file}`);
    else if ((await sha256(join(dir, file))) !== digest) problems.push(`changed: ${file}`);
  }
  for (const file of present) if (!listed.has(file)) problems.push(`not in the manifest: ${file}`);

  let signature: VerifyOutcome["signature"] = "absent";
  const sigPath = join(dir, SIGNATURE);
  if (existsSync(sigPath)) {
    if (!publicKey) {
      signature = "unchecked";
      problems.push(`${SIGNATURE} present but no public key given: the signature was not checked`);
    } else {
      const sig = Buffer.from((await readFile(sigPath, "utf8")).trim(), "base64");
      signature = verify(null, manifest, publicKey, sig) ? "valid" : "invalid";
      if (signature === "invalid") problems.push(`${SIGNATURE} does not match the manifest for this public key`);
    }
  } else if (publicKey) {
    problems.push(`a public key was given but the report is not signed (${SIGNATURE} missing)`);
  }
  return { ok: problems.length === 0, problems, files: listed.size, signature };
}
