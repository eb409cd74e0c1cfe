import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { KeyObject } from "node:crypto";
import { redact, scrubDirectory } from "../secrets.ts";
import { ATTESTATION, attest, type AttestedClaims } from "./attestation.ts";
import { MANIFEST, sealDirectory } from "./manifest.ts";

/**
 * The end of every report directory, a run's or a verify's: summary.md (also appended to `$GITHUB_STEP_SUMMARY`),
 * every known secret removed from every file, the seal (manifest.sha256, and with a key manifest.sig), and with a key
 * the in-toto attestation. `claims` reads the record as sealed (secrets removed): the attestation says what the
 * files say.
 */
export async function finishReport(
  dir: string,
  o: {
    summary: string;
    secrets: string[];
    env: NodeJS.ProcessEnv;
    signingKey: KeyObject | undefined;
    claims: () => Promise<AttestedClaims>;
  },
): Promise<{ signed: boolean }> {
  await writeFile(join(dir, "summary.md"), o.summary);
  if (o.env.GITHUB_STEP_SUMMARY) await appendFile(o.env.GITHUB_STEP_SUMMARY, redact(o.summary, o.secrets));
  await scrubDirectory(dir, o.secrets);
  const sealed = await sealDirectory(dir, o.signingKey);
  // Signed over the manifest just written, with the key that signed it.
  if (o.signingKey) {
    const manifest = await readFile(join(dir, MANIFEST), "utf8");
    await writeFile(join(dir, ATTESTATION), attest(await o.claims(), manifest, o.signingKey));
  }
  return { signed: sealed.signed };
}
