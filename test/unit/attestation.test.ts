import { describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { spawnSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  ATTESTATION,
  PAYLOAD_TYPE,
  PREDICATE_TYPE,
  STATEMENT_TYPE,
  checkAttestation,
  keyId,
  pae,
} from "../../harness/report/attestation.ts";
import { MANIFEST, verifyDirectory } from "../../harness/report/manifest.ts";
import { writeRunReport } from "../../harness/report/write.ts";
import { ranAsPlanned, sampleDrillResult, sampleEvidence } from "./sample-evidence.ts";
import { mainOf } from "./cli-process.ts";
import { makeTempDir } from "./support.ts";

const RUN = "2026-12-07T20-00-00-000Z-attest";

async function signedReport() {
  const root = await makeTempDir();
  const keys = generateKeyPairSync("ed25519");
  const drills = [await sampleDrillResult(root, sampleEvidence(RUN, { drillId: "drill-0" }))];
  const { dir } = await writeRunReport({
    reportsRoot: root,
    runId: RUN,
    startedAt: "2026-12-07T20:00:00.000Z",
    drills,
    ...ranAsPlanned(drills),
    targets: { rtoMs: 60_000 },
    signingKey: keys.privateKey,
    env: {},
  });
  const publicPem = join(root, "public.pem");
  await writeFile(publicPem, keys.publicKey.export({ type: "spki", format: "pem" }));
  return { dir, keys, publicPem };
}

const envelopeOf = async (dir: string) =>
  JSON.parse(await readFile(join(dir, ATTESTATION), "utf8")) as {
    payloadType: string;
    payload: string;
    signatures: { keyid: string; sig: string }[];
  };

/** Changes one byte of a file: the byte at `at` (from the end when negative) becomes `to`. */
async function changeOneByte(path: string, at: number, to: (byte: number) => number): Promise<void> {
  const bytes = await readFile(path);
  const i = at < 0 ? bytes.length + at : at;
  bytes[i] = to(bytes[i]!);
  await writeFile(path, bytes);
}

describe("in-toto attestation of a report", () => {
  it("is a DSSE-signed Statement v1 whose subjects are the manifest's files, and verify-report accepts it", async () => {
    const { dir, keys, publicPem } = await signedReport();
    const envelope = await envelopeOf(dir);
    expect(envelope.payloadType).toBe(PAYLOAD_TYPE);
    expect(envelope.signatures).toEqual([{ keyid: keyId(keys.publicKey), sig: expect.any(String) }]);
    const statement = JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8"));
    expect(statement._type).toBe(STATEMENT_TYPE);
    expect(statement.predicateType).toBe(PREDICATE_TYPE);
    const manifest = await readFile(join(dir, MANIFEST), "utf8");
    const lines = manifest.trim().split("\n");
    expect(statement.subject).toEqual(lines.map((l) => ({ name: l.slice(66), digest: { sha256: l.slice(0, 64) } })));
    expect(statement.subject.map((s: { name: string }) => s.name)).toContain("evidence.json");
    expect(statement.predicate.runId).toBe(RUN);
    expect(statement.predicate.statement.length).toBeGreaterThan(2);
    expect(await verifyDirectory(dir, keys.publicKey)).toMatchObject({ ok: true, attestation: "valid" });
    const cli = await mainOf(["verify-report", dir, "--public-key", publicPem]);
    expect(cli.stdout).toContain("attestation valid");
    expect(cli.code).toBe(0);
  });

  it("verifies with OpenSSL over the DSSE pre-authentication encoding, as a standard verifier computes it", async () => {
    const { dir, publicPem } = await signedReport();
    const envelope = await envelopeOf(dir);
    // The DSSE v1 PAE written out by hand, from the spec, not by the code under test.
    const payload = Buffer.from(envelope.payload, "base64");
    const signed = Buffer.concat([Buffer.from(`DSSEv1 28 application/vnd.in-toto+json ${payload.length} `), payload]);
    expect(signed.equals(pae(envelope.payloadType, payload))).toBe(true);
    await writeFile(join(dir, "..", "pae.bin"), signed);
    await writeFile(join(dir, "..", "sig.bin"), Buffer.from(envelope.signatures[0]!.sig, "base64"));
    const openssl = (input: string) =>
      spawnSync(
        "openssl",
        [
          "pkeyutl",
          "-verify",
          "-pubin",
          "-inkey",
          publicPem,
          "-rawin",
          "-in",
          input,
          "-sigfile",
          join(dir, "..", "sig.bin"),
        ],
        { encoding: "utf8" },
      );
    expect(openssl(join(dir, "..", "pae.bin")).stdout).toContain("Signature Verified Successfully");
    // The check can fail: the payload alone (without its PAE) is not what was signed.
    await writeFile(join(dir, "..", "payload.bin"), Buffer.from(envelope.payload, "base64"));
    expect(openssl(join(dir, "..", "payload.bin")).status).not.toBe(0);
  });

  it("verifies with the shell recipe docs/compliance.md gives (OpenSSL, jq, coreutils), which fails on a changed file", async () => {
    const { dir, publicPem } = await signedReport();
    const doc = await readFile("docs/compliance.md", "utf8");
    const recipe = /### Checking it without dr-drill[\s\S]*?```sh\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(recipe).toContain("openssl pkeyutl -verify");
    await writeFile(join(dir, "dr-drill-signing.pub.pem"), await readFile(publicPem));
    const run = () => spawnSync("bash", ["-e", "-o", "pipefail", "-c", recipe!], { cwd: dir, encoding: "utf8" });
    const ok = run();
    expect(ok.stdout + ok.stderr).toContain("Signature Verified Successfully");
    expect(ok.stdout).toContain("evidence.json: OK");
    expect(ok.stdout).toContain(PREDICATE_TYPE);
    expect(ok.status).toBe(0);
    await changeOneByte(join(dir, "evidence.json"), 5, (b) => b ^ 1);
    const changed = run();
    expect(changed.stdout).toContain("evidence.json: FAILED");
    expect(changed.status).not.toBe(0);
  });

  it("fails after a one-byte change of the envelope's signed payload, and verify-report exits 1", async () => {
    const { dir, keys, publicPem } = await signedReport();
    const envelope = await envelopeOf(dir);
    const payload = Buffer.from(envelope.payload, "base64");
    // One byte of the statement: a digit of the run id's year.
    payload[payload.indexOf("2026-12-07T20-00")] = "3".charCodeAt(0);
    await writeFile(
      join(dir, ATTESTATION),
      JSON.stringify({ ...envelope, payload: payload.toString("base64") }) + "\n",
    );
    const outcome = await verifyDirectory(dir, keys.publicKey);
    expect(outcome).toMatchObject({ ok: false, signature: "valid", attestation: "invalid" });
    expect(outcome.problems).toEqual([`${ATTESTATION}: no signature of the envelope verifies with this public key`]);
    const cli = await mainOf(["verify-report", dir, "--public-key", publicPem]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain("no signature of the envelope verifies");
  });

  it("fails after a one-byte change of the envelope file itself (its signature)", async () => {
    const { dir, keys } = await signedReport();
    const envelope = await envelopeOf(dir);
    const sig = Buffer.from(envelope.signatures[0]!.sig, "base64");
    sig[10] = sig[10]! ^ 1;
    await writeFile(
      join(dir, ATTESTATION),
      JSON.stringify({ ...envelope, signatures: [{ ...envelope.signatures[0], sig: sig.toString("base64") }] }) + "\n",
    );
    expect(await verifyDirectory(dir, keys.publicKey)).toMatchObject({ ok: false, attestation: "invalid" });
    // A byte of the file that breaks its JSON is refused too.
    await changeOneByte(join(dir, ATTESTATION), 0, () => "[".charCodeAt(0));
    const outcome = await verifyDirectory(dir, keys.publicKey);
    expect(outcome.attestation).toBe("invalid");
    expect(outcome.problems[0]).toMatch(/not a DSSE envelope/);
  });

  it("fails after a one-byte change of a report file, even when the manifest is rewritten to match it", async () => {
    const { dir, keys } = await signedReport();
    await changeOneByte(join(dir, "summary.md"), -2, (b) => b ^ 1);
    expect((await verifyDirectory(dir, keys.publicKey)).problems).toEqual(["changed: summary.md"]);
    // A forger who rewrites the manifest cannot re-sign: the attestation's subjects still say the old digest.
    const { createHash } = await import("node:crypto");
    const forged = (await readFile(join(dir, MANIFEST), "utf8")).replace(
      /^[0-9a-f]{64}(?= {2}summary\.md$)/m,
      createHash("sha256")
        .update(await readFile(join(dir, "summary.md")))
        .digest("hex"),
    );
    expect(checkAttestation(await readFile(join(dir, ATTESTATION), "utf8"), forged, keys.publicKey)).toEqual([
      `${ATTESTATION}: summary.md has another digest in the attestation than in the manifest`,
    ]);
  });

  it("is refused with another key, and not called valid without one", async () => {
    const { dir } = await signedReport();
    const other = generateKeyPairSync("ed25519");
    expect(await verifyDirectory(dir, other.publicKey)).toMatchObject({ ok: false, attestation: "invalid" });
    const unchecked = await verifyDirectory(dir);
    expect(unchecked).toMatchObject({ ok: false, attestation: "unchecked" });
    expect(unchecked.problems).toContain(
      `${ATTESTATION} present but no public key given: the attestation was not checked`,
    );
  });
});
