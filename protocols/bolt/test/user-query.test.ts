import neo4j from "neo4j-driver";
import { describe, expect, it } from "vitest";
import { runUserChecks } from "../../../harness/verify/user-checks.ts";
import { EngineError } from "../../../harness/engine-error.ts";
import { cypherCellText } from "../user-query.ts";

describe("a user's Cypher check: the driver's values as text, judged like PostgreSQL's", () => {
  it("writes integers in decimal, null empty, text as it is, temporals in ISO form, structures as JSON", () => {
    expect(cypherCellText(neo4j.int(42))).toBe("42");
    expect(cypherCellText(neo4j.int("9007199254740993"))).toBe("9007199254740993");
    expect(cypherCellText(null)).toBe("");
    expect(cypherCellText("ünï")).toBe("ünï");
    expect(cypherCellText(1.5)).toBe("1.5");
    expect(cypherCellText(true)).toBe("true");
    expect(cypherCellText(new neo4j.types.Date(2026, 12, 7))).toBe("2026-12-07");
    expect(cypherCellText([neo4j.int(1), "a", null])).toBe('[1,"a",null]');
    expect(cypherCellText({ n: neo4j.int(3), big: neo4j.int("9007199254740993") })).toBe(
      '{"n":3,"big":"9007199254740993"}',
    );
    const node = new neo4j.types.Node(neo4j.int(7), ["Account"], { uid: neo4j.int(900_000_001) }, "4:x:7");
    expect(cypherCellText(node)).toBe('{"labels":["Account"],"properties":{"uid":900000001}}');
  });

  it("a count check passes on its value and fails on another; zero-rows fails on a row; a refused query fails in the server's words", async () => {
    const rows: Record<string, string[][]> = {
      "MATCH (a:Account) RETURN count(a)": [[cypherCellText(neo4j.int(32))]],
      "MATCH (a:Account) WHERE a.balance < 0 RETURN a.uid": [[cypherCellText(neo4j.int(900_000_003))]],
    };
    const query = async (text: string) => {
      const r = rows[text];
      if (!r) throw new EngineError("Writing in read access mode not allowed (Neo.ClientError.Statement.AccessMode)");
      return r;
    };
    const results = await runUserChecks(
      [
        { name: "accounts", query: "MATCH (a:Account) RETURN count(a)", expect: 32 },
        { name: "accounts-wrong", query: "MATCH (a:Account) RETURN count(a)", expect: "31" },
        { name: "no-overdraft", query: "MATCH (a:Account) WHERE a.balance < 0 RETURN a.uid", expect: "zero-rows" },
        { name: "a-write", query: "CREATE (:X)", expect: "zero-rows" },
      ],
      query,
    );
    expect(results.map((r) => [r.name, r.valid])).toEqual([
      ["check:accounts", true],
      ["check:accounts-wrong", false],
      ["check:no-overdraft", false],
      ["check:a-write", false],
    ]);
    expect(results[3]!.summary).toContain("Writing in read access mode not allowed");
  });
});
