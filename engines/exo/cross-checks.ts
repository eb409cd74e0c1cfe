import type { CheckResult } from "../../harness/checkers/checker.ts";
import { jcrValueFile, parseJcrValueFile, storedFile } from "./layout.ts";
import { openPrivateKey } from "./wallet-codec.ts";

/** What the cross-part checks read from a tier: the references between parts, nothing else. */
export interface TierSnapshot {
  /** IDM user names. */
  users: Set<string>;
  /** JCR document node ids. */
  documents: Set<string>;
  /** JCR_SVALUE rows stored as files, with the hash the document's `sha256` property holds. */
  fileValues: { propertyId: string; orderNumber: number; nodeId: string; sha256: string | undefined }[];
  /** sha256 of every file under data/files and data/jcr/values, keyed by path relative to `data/`. */
  files: Map<string, string>;
  activities: { id: string; poster: string; documentId?: string; fileId?: string }[];
  storedFiles: { fileId: string; checksum: string }[];
  /** Chat message authors and room members: `<collection>/<id>` and the user it names. */
  chatUsers: { where: string; user: string }[];
  wallets: { identityId: string; user: string; content: string }[];
  codec: Buffer | undefined;
}

const MAX_EXAMPLES = 20;

function result(name: string, problems: string[], ok: string, what: string): CheckResult {
  return problems.length === 0
    ? { name, valid: true, summary: ok }
    : {
        name,
        valid: false,
        summary: `${problems.length} ${what}: ${problems[0]}`,
        examples: problems.slice(0, MAX_EXAMPLES),
        details: { count: problems.length },
      };
}

/** Every JCR value row has its file with the right content hash, and every value file has its row. */
export function checkJcrValues(t: TierSnapshot): CheckResult {
  const problems: string[] = [];
  const expected = new Set<string>();
  for (const v of t.fileValues) {
    const rel = jcrValueFile(v.propertyId, v.orderNumber);
    expected.add(rel);
    const actual = t.files.get(rel);
    if (actual === undefined)
      problems.push(`dangling: JCR value ${v.propertyId}:${v.orderNumber} of node ${v.nodeId} has no file ${rel}`);
    else if (actual !== v.sha256)
      problems.push(
        `JCR value ${v.propertyId}:${v.orderNumber} of node ${v.nodeId}: file ${rel} has sha256 ${actual.slice(0, 12)}…, the node says ${v.sha256?.slice(0, 12) ?? "nothing"}…`,
      );
  }
  for (const rel of t.files.keys())
    if (parseJcrValueFile(rel) && !expected.has(rel)) problems.push(`orphan: value file ${rel} has no JCR_SVALUE row`);
  return result(
    "cross-part:jcr-values",
    problems,
    `${t.fileValues.length} JCR value rows each have their file with the right sha256, no value file without its row`,
    "JCR value/file mismatch(es)",
  );
}

/** Every FILES_FILES row has its file (named by its checksum) with that content, and every stored file has its row. */
export function checkFileStorage(t: TierSnapshot): CheckResult {
  const problems: string[] = [];
  const expected = new Set<string>();
  for (const f of t.storedFiles) {
    const rel = storedFile(f.checksum);
    expected.add(rel);
    const actual = t.files.get(rel);
    if (actual === undefined) problems.push(`dangling: FILES_FILES ${f.fileId} has no file ${rel}`);
    else if (actual !== f.checksum)
      problems.push(`FILES_FILES ${f.fileId}: file ${rel} has sha256 ${actual.slice(0, 12)}…`);
  }
  for (const rel of t.files.keys())
    if (rel.startsWith("files/") && !expected.has(rel))
      problems.push(`orphan: stored file ${rel} has no FILES_FILES row`);
  return result(
    "cross-part:file-storage",
    problems,
    `${t.storedFiles.length} FILES_FILES rows each have their file, no stored file without its row`,
    "file storage mismatch(es)",
  );
}

/** Activities point at existing documents, files and users; chat messages and rooms name users IDM knows. */
export function checkReferences(t: TierSnapshot): CheckResult {
  const problems: string[] = [];
  const fileIds = new Set(t.storedFiles.map((f) => f.fileId));
  for (const a of t.activities) {
    if (!t.users.has(a.poster))
      problems.push(`dangling: activity ${a.id} was posted by ${a.poster}, who is not in IDM`);
    if (a.documentId !== undefined && !t.documents.has(a.documentId))
      problems.push(`dangling: activity ${a.id} shares JCR document ${a.documentId}, which is not in JCR`);
    if (a.fileId !== undefined && !fileIds.has(a.fileId))
      problems.push(`dangling: activity ${a.id} attaches file ${a.fileId}, which is not in FILES_FILES`);
  }
  for (const c of t.chatUsers)
    if (!t.users.has(c.user)) problems.push(`dangling: chat ${c.where} names ${c.user}, who is not in IDM`);
  for (const w of t.wallets)
    if (!t.users.has(w.user)) problems.push(`dangling: wallet ${w.identityId} belongs to ${w.user}, who is not in IDM`);
  const checked = t.activities.length + t.chatUsers.length + t.wallets.length;
  return result(
    "cross-part:references",
    problems,
    `${checked} references (activities → documents, files, users; chat and wallets → users) all resolve`,
    "dangling reference(s)",
  );
}

/** The codec folder holds the key that opens every wallet's private key. */
export function checkCodec(t: TierSnapshot): CheckResult {
  const name = "cross-part:codec";
  if (!t.codec && t.wallets.length) {
    return {
      name,
      valid: false,
      summary: `codec folder has no codeckey.txt: the ${t.wallets.length} wallet private keys cannot be opened (the platform would make a new codec at start)`,
      examples: t.wallets
        .slice(0, MAX_EXAMPLES)
        .map((w) => `wallet ${w.identityId}: private key cannot be opened without the codec`),
    };
  }
  const problems: string[] = [];
  for (const w of t.wallets) {
    const opened = openPrivateKey(t.codec, w.content);
    if ("error" in opened) problems.push(`wallet ${w.identityId}: private key ${opened.error}`);
  }
  return result(
    name,
    problems,
    `the codec opens all ${t.wallets.length} wallet private keys`,
    "wallet key(s) the codec cannot open",
  );
}

export function crossPartChecks(t: TierSnapshot): CheckResult[] {
  return [checkJcrValues(t), checkFileStorage(t), checkReferences(t), checkCodec(t)];
}
