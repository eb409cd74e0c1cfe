import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { createReadStream, existsSync, readFileSync, type Dirent } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { ATTESTATION, checkAttestation } from "./attestation.ts";

/**
 * The integrity seal of a report directory: `manifest.sha256` lists every file with its SHA-256 (the format
 * `sha256sum -c` reads), and `manifest.sig` holds an Ed25519 signature of that manifest when a key is configured,
 * beside `attestation.intoto.jsonl`, the same files as the subjects of a signed in-toto statement (attestation.ts).
 */
export const MANIFEST = "manifest.sha256";
export const SIGNATURE = "manifest.sig";

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * What is under `dir`, not following links: its regular files (but the manifest and signature), and every entry that
 * is neither a regular file nor a directory (a symbolic link, a fifo, a socket, a device), which a manifest of
 * contents cannot vouch for. Directories stand for what they hold.
 */
async function entriesUnder(dir: string): Promise<{ files: string[]; others: string[] }> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const path = (e: Dirent) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/");
  const files = entries
    .filter((e) => e.isFile())
    .map(path)
    .filter((p) => p !== MANIFEST && p !== SIGNATURE && p !== ATTESTATION);
  const others = entries.filter((e) => !e.isFile() && !e.isDirectory()).map((e) => `${path(e)} (${kindOf(e)})`);
  return { files: files.sort(), others: others.sort() };
}

function kindOf(e: Dirent): string {
  if (e.isSymbolicLink()) return "symbolic link";
  if (e.isFIFO()) return "fifo";
  if (e.isSocket()) return "socket";
  return "device";
}

export const loadPrivateKey = (pemOrPath: string) => loadKey(pemOrPath, "signing key", createPrivateKey);
export const loadPublicKey = (pemOrPath: string) => loadKey(pemOrPath, "public key", createPublicKey);

/** An Ed25519 key from its PEM text or a PEM file; any other kind of key is refused. */
function loadKey(pemOrPath: string, what: string, create: (pem: string) => KeyObject): KeyObject {
  const pem = pemOrPath.includes("-----BEGIN") ? pemOrPath : readFileSyncOrThrow(pemOrPath, what);
  const key = create(pem);
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`the ${what} must be Ed25519, got ${key.asymmetricKeyType}`);
  return key;
}

function readFileSyncOrThrow(path: string, what: string): string {
  if (!existsSync(path)) throw new Error(`${what} file not found: ${path}`);
  return readFileSync(path, "utf8");
}

/** Writes the manifest of every file under `dir`, and its signature when a key is given. */
export async function sealDirectory(dir: string, signingKey?: KeyObject): Promise<{ files: number; signed: boolean }> {
  const { files, others } = await entriesUnder(dir);
  // A seal that verify-report would then refuse is worse than none: say what is in the way instead.
  if (others.length) throw new Error(`cannot seal ${dir}: a report holds regular files only, not ${others.join(", ")}`);
  const lines = [];
  for (const f of files) lines.push(`${await sha256(join(dir, f))}  ${f}`);
  const manifest = lines.join("\n") + "\n";
  await writeFile(join(dir, MANIFEST), manifest);
  if (signingKey)
    await writeFile(join(dir, SIGNATURE), sign(null, Buffer.from(manifest), signingKey).toString("base64") + "\n");
  return { files: files.length, signed: signingKey !== undefined };
}

export interface VerifyOutcome {
  ok: boolean;
  problems: string[];
  files: number;
  signature: "valid" | "invalid" | "absent" | "unchecked";
  attestation: "valid" | "invalid" | "absent" | "unchecked";
}

/**
 * Checks every file against the manifest (changed, missing, or not listed), refuses any entry that is not a regular
 * file (a symbolic link could point at a forged file the manifest never saw), and the signature against a public key.
 * A signed report with no key given is not called valid: the signature was not checked.
 */
export async function verifyDirectory(dir: string, publicKey?: KeyObject): Promise<VerifyOutcome> {
  const problems: string[] = [];
  const manifestPath = join(dir, MANIFEST);
  if (!existsSync(manifestPath))
    return {
      ok: false,
      problems: [`${MANIFEST} not found in ${dir}`],
      files: 0,
      signature: "absent",
      attestation: "absent",
    };
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
  const { files, others } = await entriesUnder(dir);
  const present = new Set(files);
  for (const [file, digest] of listed) {
    if (!present.has(file)) problems.push(`missing: ${file}`);
    else if ((await sha256(join(dir, file))) !== digest) problems.push(`changed: ${file}`);
  }
  for (const file of present) if (!listed.has(file)) problems.push(`not in the manifest: ${file}`);
  for (const other of others) problems.push(`not a regular file: ${other}`);

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
  const attestation = await verifyAttestation(dir, manifest.toString("utf8"), problems, publicKey);
  return { ok: problems.length === 0, problems, files: listed.size, signature, attestation };
}

/** The attestation beside a manifest, when there is one: checked like the signature, with the same public key. */
async function verifyAttestation(
  dir: string,
  manifest: string,
  problems: string[],
  publicKey?: KeyObject,
): Promise<VerifyOutcome["attestation"]> {
  const path = join(dir, ATTESTATION);
  if (!existsSync(path)) return "absent";
  if (!publicKey) {
    problems.push(`${ATTESTATION} present but no public key given: the attestation was not checked`);
    return "unchecked";
  }
  const found = checkAttestation(await readFile(path, "utf8"), manifest, publicKey);
  problems.push(...found);
  return found.length ? "invalid" : "valid";
}
