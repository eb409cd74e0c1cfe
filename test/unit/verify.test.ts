import { mkdtemp, mkdir, readFile, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { InputError } from "../../harness/errors.ts";
import { ageCheck, humanDuration } from "../../harness/verify/age.ts";
import { readChecksFile } from "../../harness/verify/checks-file.ts";
import { compareCheck } from "../../harness/verify/compare.ts";
import { fingerprintOf, groupOf } from "../../harness/verify/fingerprint.ts";
import { resolveArtifact } from "../../harness/artifact-source/index.ts";
import { judgeRows, runUserChecks } from "../../harness/verify/user-checks.ts";
import { EngineError } from "../../harness/engine-error.ts";

const tmp = () => mkdtemp(join(tmpdir(), "verify-unit-"));

async function stateFile(lines: string[]): Promise<string> {
  const path = join(await tmp(), "state.tsv");
  await writeFile(path, lines.map((l) => l + "\n").join(""));
  return path;
}

describe("fingerprint", () => {
  it("groups keys by collection, and list items by their list", () => {
    expect(groupOf("people/12")).toBe("people");
    expect(groupOf("retained/a/b")).toBe("retained");
    expect(groupOf("queue/client-1\u001f0000003")).toBe("queue/client-1");
    expect(groupOf("bare")).toBe("bare");
  });

  it("counts and digests each group whatever the order of the records", async () => {
    const lines = ["people/1\taa\tx", "people/2\tbb\ty", "orders/1\tcc\tz"];
    const a = await fingerprintOf(await stateFile(lines));
    const b = await fingerprintOf(await stateFile([...lines].reverse()));
    expect(a).toEqual(b);
    expect(a.people?.count).toBe(2);
    expect(a.orders?.count).toBe(1);
    const changed = await fingerprintOf(await stateFile(["people/1\taa\tx", "people/2\tXX\ty", "orders/1\tcc\tz"]));
    expect(changed.people?.digest).not.toBe(a.people?.digest);
    expect(changed.orders).toEqual(a.orders);
  });
});

describe("compare-with", () => {
  const before = {
    people: { count: 10, digest: "a" },
    orders: { count: 5, digest: "b" },
    log: { count: 3, digest: "c" },
  };

  it("flags a group that shrank and one that vanished", () => {
    const r = compareCheck(
      before,
      { people: { count: 9, digest: "x" }, log: { count: 3, digest: "c" } },
      [],
      "last night",
    );
    expect(r.valid).toBe(false);
    expect(r.summary).toContain("shrank: people: 10 → 9");
    expect(r.summary).toContain("vanished: orders (had 5)");
  });

  it("flags a rewritten append-only group, and only one marked so", () => {
    const now = { ...before, log: { count: 3, digest: "changed" }, people: { count: 10, digest: "changed" } };
    const r = compareCheck(before, now, ["log"], "last night");
    expect(r.valid).toBe(false);
    expect(r.examples).toEqual([expect.stringMatching(/^append-only rewritten: log: 3 records/)]);
  });

  it("holds when groups grew or stayed", () => {
    const now = { ...before, people: { count: 12, digest: "y" }, extra: { count: 1, digest: "z" } };
    const r = compareCheck(before, now, ["people"], "last night");
    expect(r.valid).toBe(true);
    expect(r.summary).toContain("grew: people: 10 → 12");
  });
});

describe("artifact age", () => {
  const now = new Date("2026-12-07T20:00:00Z");
  it("fails artifact-age, by name, when the artifact is older than --max-age", () => {
    const r = ageCheck(new Date("2026-12-06T17:00:00Z"), now, 26 * 3_600_000);
    expect(r).toMatchObject({ name: "artifact-age", valid: false });
    expect(r.summary).toContain("27h old at test time: older than --max-age 26h");
  });
  it("holds within it, and cannot decide without a time", () => {
    expect(ageCheck(new Date("2026-12-07T01:00:00Z"), now, 26 * 3_600_000).valid).toBe(true);
    expect(ageCheck(null, now, 1000).valid).toBe("unknown");
  });
  it("writes durations as people do", () => {
    expect(humanDuration(93_600_000)).toBe("26h");
    expect(humanDuration(192_000)).toBe("3m 12s");
    expect(humanDuration(850)).toBe("850ms");
  });
});

describe("--checks file", () => {
  it("reads append-only groups and named queries with zero-rows or a value", async () => {
    const path = join(await tmp(), "checks.json");
    await writeFile(
      path,
      JSON.stringify({
        appendOnly: ["transfers"],
        checks: [
          { name: "no-orphans", query: "SELECT 1 WHERE false", expect: "zero-rows" },
          { name: "accounts", query: "SELECT count(*) FROM accounts", expect: 64 },
        ],
      }),
    );
    const read = await readChecksFile(path);
    expect(read.appendOnly).toEqual(["transfers"]);
    expect(read.checks.map((c) => c.expect)).toEqual(["zero-rows", 64]);
  });

  it("refuses unknown keys, a missing query, a name given twice, and a file that is not JSON, as bad input", async () => {
    const dir = await tmp();
    const bad = async (content: string) => {
      const path = join(dir, `${Math.random()}.json`);
      await writeFile(path, content);
      return readChecksFile(path);
    };
    await expect(bad(JSON.stringify({ appendonly: [] }))).rejects.toThrow(InputError);
    await expect(bad(JSON.stringify({ checks: [{ name: "a", expect: "zero-rows" }] }))).rejects.toThrow(/query/);
    const twice = { name: "a", query: "q", expect: 1 };
    await expect(bad(JSON.stringify({ checks: [twice, twice] }))).rejects.toThrow(/named twice/);
    await expect(bad("{")).rejects.toThrow(/not JSON/);
  });
});

describe("user checks", () => {
  it("zero-rows fails on any row, a value compares the first cell as text", () => {
    expect(judgeRows("check:a", "zero-rows", []).valid).toBe(true);
    expect(judgeRows("check:a", "zero-rows", [["7", "x"]])).toMatchObject({ valid: false, examples: ["7 | x"] });
    expect(judgeRows("check:b", 64, [["64"]]).valid).toBe(true);
    expect(judgeRows("check:b", 64, [["63"]]).summary).toBe("expected 64, got 63");
    expect(judgeRows("check:b", "64", []).summary).toBe("expected 64, got no row");
  });

  it("a query the engine refuses fails its check; an error of ours is thrown, not a finding", async () => {
    const checks = [{ name: "q", query: "SELECT nope", expect: "zero-rows" as const }];
    const refused = await runUserChecks(checks, () => Promise.reject(new EngineError("column nope does not exist")));
    expect(refused).toEqual([
      { name: "check:q", valid: false, summary: expect.stringContaining("nope does not exist") },
    ]);
    await expect(runUserChecks(checks, () => Promise.reject(new Error("socket closed")))).rejects.toThrow("socket");
  });
});

describe("local artifacts", () => {
  it("a file: its sha256, size and time", async () => {
    const dir = await tmp();
    const path = join(dir, "drill.pgdump");
    await writeFile(path, "PGDMP data");
    const r = await resolveArtifact(path, { newest: false, into: dir });
    expect(r.sha256).toBe(createHash("sha256").update("PGDMP data").digest("hex"));
    expect(r.bytes).toBe(10);
    expect(r.modifiedAt).toBeInstanceOf(Date);
  });

  it("a directory: the sha256 of its manifest, which any changed byte changes", async () => {
    const dir = join(await tmp(), "backup");
    await mkdir(join(dir, "base"), { recursive: true });
    await writeFile(join(dir, "PG_VERSION"), "15\n");
    await writeFile(join(dir, "base", "1"), "heap");
    const first = await resolveArtifact(dir, { newest: false, into: dir });
    expect((await resolveArtifact(dir, { newest: false, into: dir })).sha256).toBe(first.sha256);
    expect(first.bytes).toBe(7);
    await writeFile(join(dir, "base", "1"), "heaP");
    expect((await resolveArtifact(dir, { newest: false, into: dir })).sha256).not.toBe(first.sha256);
    expect(await readFile(join(dir, "base", "1"), "utf8")).toBe("heaP");
  });

  it("--newest takes the most recently written entry of a directory", async () => {
    const dir = await tmp();
    await writeFile(join(dir, "monday.dump"), "old");
    await writeFile(join(dir, "tuesday.dump"), "new");
    await utimes(join(dir, "monday.dump"), new Date("2026-12-01"), new Date("2026-12-01"));
    await utimes(join(dir, "tuesday.dump"), new Date("2026-12-02"), new Date("2026-12-02"));
    const r = await resolveArtifact(dir, { newest: true, into: dir });
    expect(r.path).toBe(join(dir, "tuesday.dump"));
  });

  it("a path that does not exist is bad input", async () => {
    await expect(resolveArtifact("/nonexistent/backup", { newest: false, into: "/tmp" })).rejects.toThrow(InputError);
  });
});
