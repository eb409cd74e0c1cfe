import { describe, expect, it } from "vitest";
import { check, expectPass } from "../../../test/drills/support.ts";
import { runExo } from "./support.ts";

// The platform stopped (writers drained), each part backed up with its own tool, restored into a fresh tier.
describe("exo: the data tier backed up and restored as eXo's guide says", () => {
  it("restores every part, and the parts agree with each other", async () => {
    const result = await runExo("clean", { deepVerify: true });
    expectPass(result);
    // The tier's deep verifier (a campaign's, never run there: every fault was caught), on this undamaged restore.
    const deep = check(result, "deep-verify");
    expect(deep.valid, deep.summary).toBe(true);
    console.log(`exo clean: deep-verify: ${deep.summary}`);
    const e = result.evidence;
    expect(check(result, "exact-equivalence").valid).toBe(true);
    expect(check(result, "preflight:parts").summary).toMatch(/all 6 parts present/);
    for (const name of [
      "cross-part:jcr-values",
      "cross-part:file-storage",
      "cross-part:references",
      "cross-part:codec",
    ]) {
      expect(check(result, name).valid, name).toBe(true);
    }
    // Every part of the tier is in the restored state: rows of the three datasources, files, chat documents.
    const restored = e.restoreAttempts[0]!;
    const parts = ["data", "codec", "jcr", "idm", "jpa", "chat"].map((p) =>
      expect.stringMatching(new RegExp(`^${p}: restored in \\d+ ms$`)),
    );
    expect(restored.observed).toEqual([
      ...parts.slice(0, 5),
      expect.stringMatching(
        /^chat: mongorestore: [1-9]\d* document\(s\) restored successfully\. 0 document\(s\) failed to restore\.$/,
      ),
      parts[5],
    ]);
    // What the chat archive held, read before the restore: the collections and documents mongorestore then restored.
    expect(check(result, "preflight:chat-archive").summary).toMatch(
      /^mongo\/exochat\.archive \(\d+ bytes\) holds \d+ exochat collection\(s\), [1-9]\d* document\(s\)$/,
    );
    expect(e.artifacts.map((a) => a.path)).toEqual(
      expect.arrayContaining([
        "pg/jcr.pgdump",
        "pg/idm.pgdump",
        "pg/jpa.pgdump",
        "mongo/exochat.archive",
        "gatein/conf/codec/codeckey.txt",
      ]),
    );
    expect(e.artifacts.some((a) => a.path.startsWith("gatein/data/jcr/values/collaboration/"))).toBe(true);
    expect(e.artifacts.some((a) => a.path.startsWith("gatein/data/files/"))).toBe(true);
  });
});
