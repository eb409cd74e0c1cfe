import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildPathX8, jcrValueFile, parseJcrValueFile, storedFile } from "../layout.ts";
import { codecKey, openPrivateKey, sealPrivateKey } from "../wallet-codec.ts";
import { ExoWorkload, exoDataset } from "../model.ts";
import { exoFileKind } from "../deep-verify.ts";

describe("exo: the data directory's layout", () => {
  it("lays out JCR value files as TreeFileIOChannel.buildPathX8 does", () => {
    expect(buildPathX8("0123456789abcdef")).toBe("0/1/2/3/4/5/6/789abcdef");
    expect(jcrValueFile("a1b2c3d4e5f60718293a4b5c6d7e8f90", 0)).toBe(
      "jcr/values/collaboration/a/1/b/2/c/3/d/4e5f60718293a4b5c6d7e8f90/a1b2c3d4e5f60718293a4b5c6d7e8f900",
    );
    expect(storedFile("ff".repeat(32))).toMatch(/^files\/f\/f\/f\/f\/f\/f\/f\/f{57}\/f{64}$/);
    expect(() => buildPathX8("short")).toThrow(/at least 8 characters/);
  });

  it("reads a value file's path back to its property and order number, and nothing else", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{32}$/), fc.nat(99), (id, order) => {
        expect(parseJcrValueFile(jcrValueFile(id, order))).toEqual({ propertyId: id, orderNumber: order });
      }),
    );
    expect(parseJcrValueFile("jcr/values/collaboration/a/b/c/not-a-value")).toBeUndefined();
    expect(parseJcrValueFile(storedFile("ab".repeat(32)))).toBeUndefined();
  });
});

describe("exo: wallet keys sealed with the codec", () => {
  it("opens with the codec that sealed it, and says why not with another or none", () => {
    const sealed = sealPrivateKey(codecKey(1), "secret-key", "nonce");
    expect(openPrivateKey(codecKey(1), sealed)).toEqual({ key: "secret-key" });
    expect(openPrivateKey(codecKey(2), sealed)).toEqual({
      error: expect.stringMatching(/^sealed with codec [0-9a-f]{16}, the codec folder holds/),
    });
    expect(openPrivateKey(undefined, sealed)).toEqual({ error: "no codec key" });
    const fields = sealed.split(":");
    const body = Buffer.from(fields[4]!, "base64");
    body[0] = body[0]! ^ 1;
    fields[4] = body.toString("base64");
    const tampered = fields.join(":");
    expect(openPrivateKey(codecKey(1), tampered)).toEqual({ error: expect.stringMatching(/^does not open/) });
  });
});

describe("exo: the generated data set and workload", () => {
  it("is the same for the same seed, and refers only to what exists", () => {
    const a = exoDataset(7, 400);
    expect(exoDataset(7, 400)).toEqual(a);
    const users = new Set(a.users.map((u) => u.name));
    const docs = new Set(a.documents.map((d) => d.nodeId));
    expect(a.activities.every((x) => users.has(x.poster) && docs.has(x.documentId))).toBe(true);
    expect(a.chats.every((c) => users.has(c.user))).toBe(true);
    expect(a.documents.some((d) => d.inFile) && a.documents.some((d) => !d.inFile)).toBe(true);
  });

  it("gives each writer its own ids, and lets it refer to what it created itself", () => {
    const w = new ExoWorkload(3, exoDataset(3, 400));
    const ops = Array.from({ length: 200 }, (_, i) => w.next(i % 2).payload);
    const created = ops.flatMap((o) => (o.kind === "user" ? [o.user.name] : []));
    expect(new Set(created).size).toBe(created.length);
    expect(created.some((n) => n.startsWith("user-w0-")) && created.some((n) => n.startsWith("user-w1-"))).toBe(true);
    const refersToOwn = ops.some(
      (o) =>
        (o.kind === "activity" && created.includes(o.activity.poster)) ||
        (o.kind === "chat" && created.includes(o.chat.user)),
    );
    expect(refersToOwn).toBe(true);
  });
});

describe("campaign file kinds of the eXo tier's backup", () => {
  it("names each part: gatein data directories, each SQL dump, the chat archive, the codec", () => {
    const kinds = [
      ["gatein/data/files/a/b/c/d/e/f/g/h/abc", "file storage"],
      ["gatein/data/jcr/values/collaboration/0/1/2/3/4/5/6/7/x0", "JCR values"],
      ["gatein/data/jcr/swap/collaboration/swap-0.tmp", "JCR swap"],
      ["gatein/data/jta", "JTA log"],
      ["pg/jcr.pgdump", "pg dump jcr"],
      ["mongo/exochat.archive", "mongodump archive"],
      ["gatein/conf/codec/codeckey.txt", "codec"],
      ["gatein", "other (gatein)"],
    ];
    for (const [path, kind] of kinds) expect(exoFileKind(path!), path).toBe(kind);
  });
});
