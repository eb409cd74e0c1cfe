import pg from "pg";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../harness/errors.ts";
import { runUserChecks } from "../../../harness/verify/user-checks.ts";
import { readQuery } from "../user-query.ts";

/** A PG-wire client that answers one query with raw text cells (as StartedQuestDb's client does) and records what it was sent. */
function clientAnswering(rows: unknown[][]) {
  const sent: string[] = [];
  return {
    sent,
    client: {
      query: async (q: { text: string }) => {
        sent.push(q.text);
        if (q.text.includes("nope"))
          throw Object.assign(new pg.DatabaseError("table does not exist [table=nope]", 0, "error"), { code: "42P01" });
        return { rows };
      },
    },
  };
}

describe("a user's SQL check on QuestDB", () => {
  it("runs one reading statement and returns text cells, NULL as empty", async () => {
    const { client, sent } = clientAnswering([["2000", null]]);
    expect(await readQuery(client, "SELECT count(), max(note) FROM ticks;")).toEqual([["2000", ""]]);
    expect(sent).toEqual(["SELECT count(), max(note) FROM ticks"]);
  });

  it("refuses, before the server sees it, a statement that writes or a second statement", async () => {
    const { client, sent } = clientAnswering([]);
    for (const q of [
      "INSERT INTO ticks VALUES (1)",
      "SELECT 1; DROP TABLE ticks",
      "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
      "ticks",
    ])
      await expect(readQuery(client, q), q).rejects.toBeInstanceOf(InputError);
    expect(sent).toEqual([]);
  });

  it("a check the server refuses fails in QuestDB's words; a value check holds on the text it returns", async () => {
    const { client } = clientAnswering([["2000"]]);
    const results = await runUserChecks(
      [
        { name: "rows", query: "SELECT count() FROM ticks", expect: 2000 },
        { name: "missing", query: "SELECT * FROM nope", expect: "zero-rows" },
      ],
      (text) => readQuery(client, text),
    );
    expect(results[0]).toMatchObject({ name: "check:rows", valid: true });
    expect(results[1]).toMatchObject({ name: "check:missing", valid: false });
    expect(results[1]!.summary).toMatch(/refused the query: table does not exist \[table=nope\] \(SQLSTATE 42P01\)/);
  });
});
