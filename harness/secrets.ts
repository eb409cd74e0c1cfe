import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Values that must never reach a report: engine passwords, signing keys, CI tokens. Engines register the credentials
 * they make up; environment variables whose names say they hold a secret are added when the scrubber runs.
 */
const registered = new Set<string>();

export function registerSecret(value: string): void {
  if (value.length >= 6) registered.add(value);
}

const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE|API_?KEY|SIGNING_KEY|CREDENTIAL)/i;

export function knownSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && value && value.length >= 6)
    .map(([, value]) => value!);
  // A multi-line secret (a PEM key) is also redacted line by line, in case a tool printed part of it.
  const pieces = [...registered, ...fromEnv].flatMap((s) => [s, ...s.split("\n").filter((l) => l.length >= 16 && !l.startsWith("-----"))]);
  return [...new Set(pieces)].sort((a, b) => b.length - a.length);
}

export const REDACTED = "[redacted]";

export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join(REDACTED);
  return out;
}

/** Rewrites every file under `dir` that contains a secret, before the directory is sealed. Returns the files changed. */
export async function scrubDirectory(dir: string, secrets: string[]): Promise<string[]> {
  if (secrets.length === 0) return [];
  const needles = secrets.map((s) => Buffer.from(s));
  const changed: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const content = await readFile(path);
    if (!needles.some((n) => content.includes(n))) continue;
    await writeFile(path, redact(content.toString("utf8"), secrets));
    changed.push(path);
  }
  return changed;
}
