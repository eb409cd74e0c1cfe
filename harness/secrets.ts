import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Values that must never reach a report: engine passwords, signing keys, CI tokens. Engines register the credentials
 * they use; environment variables whose names say they hold a secret are added when the scrubber runs. A value too
 * short or too common to blank without blanking ordinary words is named as a weak credential instead.
 */
const registered = new Set<string>();

export function registerSecret(value: string): void {
  if (value) registered.add(value);
}

const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE|API_?KEY|SIGNING_KEY|CREDENTIAL)/i;

/** Registers the values of the variables whose names say they hold a secret (a procedure step's `env`). */
export function registerSecretsOf(env: Record<string, string>): void {
  for (const [name, value] of Object.entries(env)) if (SECRET_NAME.test(name)) registerSecret(value);
}
const DEFAULTS = new Set([
  "postgres",
  "password",
  "passw0rd",
  "admin",
  "root",
  "secret",
  "changeme",
  "guest",
  "test",
  "default",
  "123456",
  "12345678",
  "qwerty",
  "letmein",
]);

/** A secret left in the reports: blanking it would blank ordinary words too. `source` names it; never the value. */
export interface WeakCredential {
  source: string;
  reason: string;
}

/** What a report says about its weak credentials. */
export const WEAK_CREDENTIALS_ADVICE =
  "These secrets are too short or too common to redact: blanking them would blank ordinary words of this report, so wherever one appears here it shows. If one is a real credential, give it a long random value (e.g. `openssl rand -hex 16`): dr-drill redacts those from every file.";

/** Why `value` is too short or too common to blank across a report, or undefined when it can be. */
function weakness(value: string, vocabulary: string[]): string | undefined {
  if (DEFAULTS.has(value.toLowerCase())) return "a well-known default password";
  const word = new RegExp(`(^|\\W)${value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(\\W|$)`, "i");
  if (vocabulary.some((v) => word.test(v))) return "a word dr-drill itself writes in reports (an engine name)";
  if (value.length < 8) return "shorter than 8 characters";
  if (/^[a-z]+$/.test(value) && value.length < 12) return "a plain lowercase word shorter than 12 characters";
  return undefined;
}

/**
 * The secrets to redact, and the weak ones to name instead. `vocabulary` holds words dr-drill writes in its reports
 * (engine names): a secret equal to one of them cannot be blanked without damaging the report.
 */
export function knownSecrets(
  env: NodeJS.ProcessEnv,
  vocabulary: string[],
): { secrets: string[]; weak: WeakCredential[] } {
  const fromEnv = Object.entries(env).flatMap(([name, value]) =>
    SECRET_NAME.test(name) && value ? [[value, `environment variable ${name}`] as const] : [],
  );
  const seen = new Set(fromEnv.map(([value]) => value));
  const secrets: string[] = [];
  const weak: WeakCredential[] = [];
  const fromEngines = [...registered]
    .filter((value) => !seen.has(value))
    .map((value) => [value, "a credential an engine uses"] as const);
  for (const [value, source] of [...fromEnv, ...fromEngines]) {
    const reason = weakness(value, vocabulary);
    if (reason) weak.push({ source, reason });
    else secrets.push(value);
  }
  // A multi-line secret (a PEM key) is also redacted line by line, in case a tool printed part of it.
  const pieces = secrets.flatMap((s) => [s, ...s.split("\n").filter((l) => l.length >= 16 && !l.startsWith("-----"))]);
  return { secrets: [...new Set(pieces)].sort((a, b) => b.length - a.length), weak };
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
