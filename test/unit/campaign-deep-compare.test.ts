import { describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  byKey,
  compareByKey,
  comparisonProblem,
  deepVerifyResult,
  DeepFindings,
  recordsOf,
} from "../../harness/campaign/deep-compare.ts";
import { engineFailedDeepVerify } from "../../harness/drill/deep-verify.ts";
import { EngineError } from "../../harness/engine-error.ts";
import { makeTempDir } from "./support.ts";

const EXPECTED = new Map(Object.entries({ a: "1", b: "2", c: "3" }));
const GOT = new Map(Object.entries({ a: "1", b: "9", d: "4" }));

describe("deep verification: a second read compared with the accepted state", () => {
  it("names records that differ, are missing or are found only by the second read", () => {
    const c = compareByKey(EXPECTED, GOT);
    expect(c).toEqual({ same: 1, differ: ["b"], missing: ["c"], extra: ["d"] });
    expect(comparisonProblem("by index", c)).toBe(
      "by index: 1 record(s) differ from the accepted state, 1 missing, 1 found only there",
    );
    expect(comparisonProblem("by index", compareByKey(EXPECTED, EXPECTED))).toBeUndefined();
  });

  it("gathers every problem with its examples into the deep-verify check, which holds only without one", () => {
    const findings = new DeepFindings();
    expect(findings.compare("read by index", "by index", EXPECTED, EXPECTED).same).toBe(3);
    expect(findings.result("all clean", { n: 3 })).toMatchObject({
      valid: true,
      summary: "all clean",
      details: { n: 3 },
    });
    findings.compare("read by index", "by index", EXPECTED, GOT);
    findings.add("the store check exited 1", ["ERROR: bad page"]);
    expect(findings.result("all clean")).toMatchObject({
      name: "deep-verify",
      valid: false,
      summary:
        "read by index: 1 record(s) differ from the accepted state, 1 missing, 1 found only there; the store check exited 1",
      examples: ["b: another digest by index", "c: not found by index", "d: found only by index", "ERROR: bad page"],
    });
  });

  it("keeps both digests of a key met twice, so a second copy that differs does not hide", () => {
    const twice = (first: string, second: string) =>
      byKey([first, second].map((digest) => ({ key: "a", digest, preview: "" }))).get("a");
    expect(twice("1", "2")).toBe("1|2");
    expect(twice("1", "1")).toBe("1");
  });

  it("reads a state file's records by key prefix", async () => {
    const path = join(await makeTempDir(), "state.tsv");
    await writeFile(path, "t/1\td1\tp\nu/1\td2\tp\n\nt/2\td3\tp\t0\n");
    expect((await recordsOf(path, (k) => k.startsWith("t/"))).map((r) => r.key)).toEqual(["t/1", "t/2"]);
  });

  it("is valid only without problems", () => {
    expect(deepVerifyResult([], "clean")).toMatchObject({ name: "deep-verify", valid: true, summary: "clean" });
    expect(deepVerifyResult(["x broke", "y broke"], "clean")).toMatchObject({
      valid: false,
      summary: "x broke; y broke",
    });
  });

  it("the engine's own error during it is damage found; any other error is thrown (undecided)", () => {
    expect(engineFailedDeepVerify(new EngineError("could not read block 3\nat page 12"))).toMatchObject({
      name: "deep-verify",
      valid: false,
      summary: "the engine failed the deep verification: could not read block 3",
      details: { error: "could not read block 3\nat page 12" },
    });
    expect(() => engineFailedDeepVerify(new Error("ECONNRESET docker"))).toThrow("ECONNRESET");
  });
});
