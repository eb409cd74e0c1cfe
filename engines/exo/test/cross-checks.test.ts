import { describe, expect, it } from "vitest";
import {
  checkCodec,
  checkFileStorage,
  checkJcrValues,
  checkReferences,
  crossPartChecks,
  type TierSnapshot,
} from "../cross-checks.ts";
import { jcrValueFile, storedFile } from "../layout.ts";
import { codecKey, sealPrivateKey } from "../wallet-codec.ts";
import { sha256 } from "../writes.ts";

const PROP = "a".repeat(32);
const NODE = "b".repeat(32);
const CONTENT = sha256("content");
const CHECKSUM = sha256("attachment");

/** A consistent tier: one document with its value file, one activity with an attachment, chat by a known user, a wallet. */
function tier(): TierSnapshot {
  return {
    users: new Set(["john", "mary"]),
    documents: new Set([NODE]),
    fileValues: [{ propertyId: PROP, orderNumber: 0, nodeId: NODE, sha256: CONTENT }],
    files: new Map([
      [jcrValueFile(PROP, 0), CONTENT],
      [storedFile(CHECKSUM), CHECKSUM],
    ]),
    activities: [{ id: "1", poster: "john", documentId: NODE, fileId: "10" }],
    storedFiles: [{ fileId: "10", checksum: CHECKSUM }],
    chatUsers: [{ where: "messages_room_space-0/m1", user: "mary" }],
    wallets: [{ identityId: "1", user: "john", content: sealPrivateKey(codecKey(5), "k", "n") }],
    codec: codecKey(5),
  };
}

describe("exo: cross-part checks", () => {
  it("hold on a consistent tier", () => {
    expect(crossPartChecks(tier()).map((c) => [c.name, c.valid])).toEqual([
      ["cross-part:jcr-values", true],
      ["cross-part:file-storage", true],
      ["cross-part:references", true],
      ["cross-part:codec", true],
    ]);
  });

  it("name a JCR value row without its file, a file with the wrong content, and a file without its row", () => {
    const missing = tier();
    missing.files.delete(jcrValueFile(PROP, 0));
    expect(checkJcrValues(missing)).toMatchObject({
      valid: false,
      summary: `1 JCR value/file mismatch(es): dangling: JCR value ${PROP}:0 of node ${NODE} has no file ${jcrValueFile(PROP, 0)}`,
    });
    const changed = tier();
    changed.files.set(jcrValueFile(PROP, 0), sha256("other"));
    expect(checkJcrValues(changed).summary).toMatch(/file .* has sha256 [0-9a-f]{12}…, the node says/);
    const orphan = tier();
    orphan.fileValues = [];
    expect(checkJcrValues(orphan).summary).toMatch(
      /orphan: value file jcr\/values\/collaboration\/.* has no JCR_SVALUE row/,
    );
  });

  it("name a stored file that is missing or has no row", () => {
    const t = tier();
    t.files.delete(storedFile(CHECKSUM));
    expect(checkFileStorage(t).summary).toMatch(/dangling: FILES_FILES 10 has no file files\//);
    const orphan = tier();
    orphan.storedFiles = [];
    expect(checkFileStorage(orphan).summary).toMatch(/orphan: stored file files\/.* has no FILES_FILES row/);
  });

  it("name every dangling reference: poster, document, attachment, chat author, wallet owner", () => {
    const t = tier();
    t.users = new Set();
    t.documents = new Set();
    t.storedFiles = [];
    const c = checkReferences(t);
    expect(c.valid).toBe(false);
    expect(c.summary).toMatch(/^5 dangling reference\(s\): /);
    expect(c.examples).toEqual([
      "dangling: activity 1 was posted by john, who is not in IDM",
      `dangling: activity 1 shares JCR document ${NODE}, which is not in JCR`,
      "dangling: activity 1 attaches file 10, which is not in FILES_FILES",
      "dangling: chat messages_room_space-0/m1 names mary, who is not in IDM",
      "dangling: wallet 1 belongs to john, who is not in IDM",
    ]);
  });

  it("fail when the codec is missing or is another one", () => {
    const none = tier();
    none.codec = undefined;
    expect(checkCodec(none)).toMatchObject({
      valid: false,
      summary: expect.stringMatching(/no codeckey\.txt: the 1 wallet private keys cannot be opened/),
    });
    const other = tier();
    other.codec = codecKey(6);
    expect(checkCodec(other).summary).toMatch(/wallet 1: private key sealed with codec/);
    const noWallets = tier();
    noWallets.codec = undefined;
    noWallets.wallets = [];
    expect(checkCodec(noWallets).valid).toBe(true);
  });
});
