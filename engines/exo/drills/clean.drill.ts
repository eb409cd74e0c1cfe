import { describe, expect, it } from "vitest";
import { check, expectPass } from "../../../test/drills/support.ts";
import { runExo } from "./support.ts";

// The platform stopped (writers drained), each part backed up with its own tool, restored into a fresh tier.
describe("exo: the data tier backed up and restored as eXo's guide says", () => {
  it("restores every part, and the parts agree with each other", async () => {
    const result = await runExo("clean");
    expectPass(result);
    const e = result.evidence;
    expect(check(result, "exact-equivalence").valid).toBe(true);
    expect(check(result, "preflight:parts").summary).toMatch(/all 6 parts present/);
    for (const name of ["cross-part:jcr-values", "cross-part:file-storage", "cross-part:references", "cross-part:codec"]) {
      expect(check(result, name).valid, name).toBe(true);
    }
    // Every part of the tier is in the restored state: rows of the three datasources, files, chat documents.
    const restored = e.restoreAttempts[0]!;
    expect(restored.observed).toEqual(["data", "codec", "jcr", "idm", "jpa", "chat"].map((p) => expect.stringMatching(new RegExp(`^${p}: restored in \\d+ ms$`))));
    expect(e.artifacts.map((a) => a.path)).toEqual(expect.arrayContaining(["pg/jcr.pgdump", "pg/idm.pgdump", "pg/jpa.pgdump", "mongo/exochat.archive", "gatein/conf/codec/codeckey.txt"]));
    expect(e.artifacts.some((a) => a.path.startsWith("gatein/data/jcr/values/collaboration/"))).toBe(true);
    expect(e.artifacts.some((a) => a.path.startsWith("gatein/data/files/"))).toBe(true);
  });
});
