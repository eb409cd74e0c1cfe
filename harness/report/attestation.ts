import { createHash, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import type { RunEvidence } from "./run-evidence.ts";

/**
 * An in-toto attestation of a report directory (docs/compliance.md, "Attestation"): a Statement v1 whose subjects are
 * the files of manifest.sha256 with their SHA-256, and whose predicate is the run's audit record, in a DSSE envelope
 * signed with the report's Ed25519 key. One envelope, on one line: the `.intoto.jsonl` convention.
 */
export const ATTESTATION = "attestation.intoto.jsonl";
export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const PREDICATE_TYPE = "https://dr-drill.dev/restore-test/v1";
export const PAYLOAD_TYPE = "application/vnd.in-toto+json";

export interface Subject {
  name: string;
  digest: { sha256: string };
}

export interface Statement {
  _type: typeof STATEMENT_TYPE;
  subject: Subject[];
  predicateType: typeof PREDICATE_TYPE;
  predicate: RestoreTestPredicate;
}

/**
 * What the signer asserts about the subjects: the audit record of the run, or of a verify (one entry in `drills`,
 * the artifact in `artifactsTested`), documented in docs/compliance.md.
 */
export interface RestoreTestPredicate {
  runId: string;
  verdict: RunEvidence["verdict"];
  startedAt: string;
  endedAt: string;
  tool: RunEvidence["tool"];
  initiator: RunEvidence["initiator"];
  artifactsTested: NonNullable<RunEvidence["artifactsTested"]>;
  drills: {
    drillId: string;
    engine: string;
    version: string;
    backupMethod: string;
    restoredInto: { version: string; images: { ref: string; id: string }[] };
    verdict: string;
    expectationMet: boolean;
    rto: { achievedMs: number | null; targetMs: number | null };
    checks: { name: string; valid: boolean | "unknown"; summary: string }[];
  }[];
  retention: RunEvidence["retention"] | null;
  statement: string[];
  /** SHA-256 of manifest.sha256 as signed beside it (manifest.sig). */
  manifestSha256: string;
}

export interface Envelope {
  payloadType: string;
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

/** DSSE's pre-authentication encoding, the bytes actually signed: "DSSEv1" SP len(type) SP type SP len(body) SP body. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** The key id: SHA-256 (hex) of the public key's DER SubjectPublicKeyInfo, what `openssl pkey -pubout -outform DER | sha256sum` prints. */
export function keyId(key: KeyObject): string {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  return createHash("sha256")
    .update(pub.export({ type: "spki", format: "der" }))
    .digest("hex");
}

/** The subjects a manifest lists, in its order: `<sha256>  <name>` per line. */
export function subjectsOf(manifest: string): Subject[] {
  return manifest
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
      if (!m) throw new Error(`malformed manifest line: ${line.slice(0, 120)}`);
      return { name: m[2]!, digest: { sha256: m[1]! } };
    });
}

/** The predicate before the manifest is known: what a report asserts, whichever command wrote it. */
export type AttestedClaims = Omit<RestoreTestPredicate, "manifestSha256">;

export function runClaims(run: RunEvidence): AttestedClaims {
  return {
    runId: run.runId,
    verdict: run.verdict,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    tool: run.tool,
    initiator: run.initiator,
    artifactsTested: run.artifactsTested ?? [],
    drills: run.drills.map((d) => ({
      drillId: d.drillId,
      engine: d.scope.engine,
      version: d.scope.version,
      backupMethod: d.scope.backupMethod,
      restoredInto: {
        version: d.scope.restoreTarget.version,
        images: d.scope.restoreTarget.images.map((i) => ({ ref: i.ref, id: i.id })),
      },
      verdict: d.verdict,
      expectationMet: d.expectation.met,
      rto: { achievedMs: d.achieved.rtoMs, targetMs: d.targets.rtoMs ?? null },
      checks: d.checks.map((c) => ({ name: c.name, valid: c.valid, summary: c.summary })),
    })),
    retention: run.retention ?? null,
    statement: run.statement ?? [],
  };
}

/** The signed envelope, as the one line of attestation.intoto.jsonl. */
export function attest(claims: AttestedClaims, manifest: string, key: KeyObject): string {
  const statement: Statement = {
    _type: STATEMENT_TYPE,
    subject: subjectsOf(manifest),
    predicateType: PREDICATE_TYPE,
    predicate: { ...claims, manifestSha256: createHash("sha256").update(manifest).digest("hex") },
  };
  const payload = Buffer.from(JSON.stringify(statement));
  const envelope: Envelope = {
    payloadType: PAYLOAD_TYPE,
    payload: payload.toString("base64"),
    signatures: [{ keyid: keyId(key), sig: sign(null, pae(PAYLOAD_TYPE, payload), key).toString("base64") }],
  };
  return JSON.stringify(envelope) + "\n";
}

/**
 * Problems with an attestation: its envelope and signature (DSSE, with the public key), its statement's types, and
 * its subjects against the manifest (the same names with the same digests, no more, no fewer). Empty: it verifies.
 */
export function checkAttestation(text: string, manifest: string, key: KeyObject): string[] {
  let envelope: Envelope;
  try {
    envelope = parseEnvelope(text);
  } catch (err) {
    return [`${ATTESTATION}: not a DSSE envelope: ${err instanceof Error ? err.message : String(err)}`];
  }
  if (envelope.payloadType !== PAYLOAD_TYPE)
    return [`${ATTESTATION}: payloadType is ${envelope.payloadType}, not ${PAYLOAD_TYPE}`];
  const payload = Buffer.from(envelope.payload, "base64");
  const signed = envelope.signatures.some((s) =>
    verify(null, pae(envelope.payloadType, payload), key, Buffer.from(s.sig, "base64")),
  );
  if (!signed) return [`${ATTESTATION}: no signature of the envelope verifies with this public key`];
  let statement: unknown;
  try {
    statement = JSON.parse(payload.toString("utf8"));
  } catch {
    return [`${ATTESTATION}: the signed payload is not JSON`];
  }
  return checkStatement(statement, manifest);
}

function parseEnvelope(text: string): Envelope {
  const lines = text.split("\n").filter(Boolean);
  if (lines.length !== 1) throw new Error(`expected one envelope line, found ${lines.length}`);
  const e: unknown = JSON.parse(lines[0]!);
  if (
    typeof e !== "object" ||
    e === null ||
    !("payloadType" in e) ||
    typeof e.payloadType !== "string" ||
    !("payload" in e) ||
    typeof e.payload !== "string" ||
    !("signatures" in e) ||
    !Array.isArray(e.signatures)
  )
    throw new Error("payloadType, payload and signatures are required");
  const signatures = e.signatures.flatMap((s: unknown) =>
    typeof s === "object" && s !== null && "sig" in s && typeof s.sig === "string"
      ? [{ keyid: "keyid" in s && typeof s.keyid === "string" ? s.keyid : "", sig: s.sig }]
      : [],
  );
  return { payloadType: e.payloadType, payload: e.payload, signatures };
}

function checkStatement(statement: unknown, manifest: string): string[] {
  if (typeof statement !== "object" || statement === null) return [`${ATTESTATION}: the statement is not an object`];
  const problems: string[] = [];
  if (!("_type" in statement) || statement._type !== STATEMENT_TYPE)
    problems.push(`${ATTESTATION}: the statement's _type is not ${STATEMENT_TYPE}`);
  if (!("predicateType" in statement) || statement.predicateType !== PREDICATE_TYPE)
    problems.push(`${ATTESTATION}: the predicateType is not ${PREDICATE_TYPE}`);
  const listed = new Map(subjectsOf(manifest).map((s) => [s.name, s.digest.sha256]));
  const subjects = "subject" in statement && Array.isArray(statement.subject) ? statement.subject : [];
  const attested = new Map<string, string>();
  for (const s of subjects) {
    const name = typeof s === "object" && s !== null && "name" in s && typeof s.name === "string" ? s.name : null;
    const digest =
      typeof s === "object" && s !== null && "digest" in s && typeof s.digest === "object" && s.digest !== null
        ? "sha256" in s.digest && typeof s.digest.sha256 === "string"
          ? s.digest.sha256
          : null
        : null;
    if (name && digest) attested.set(name, digest);
  }
  for (const [name, digest] of listed) {
    const got = attested.get(name);
    if (got === undefined) problems.push(`${ATTESTATION}: ${name} is in the manifest but not a subject`);
    else if (got !== digest)
      problems.push(`${ATTESTATION}: ${name} has another digest in the attestation than in the manifest`);
  }
  for (const name of attested.keys())
    if (!listed.has(name)) problems.push(`${ATTESTATION}: subject ${name} is not in the manifest`);
  return problems;
}
