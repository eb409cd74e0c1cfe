import { describe, expect, it } from "vitest";
import { isDefiniteSqlFailure } from "../errors.ts";

const sqlError = (code: string) => Object.assign(new Error(`SQLSTATE ${code}`), { code });

describe("pg: which errors prove a write did not happen", () => {
  it("a refusal before commit is a definite failure", () => {
    for (const code of ["23505", "22P02", "40001", "40P01", "42601", "57014"])
      expect(isDefiniteSqlFailure(sqlError(code)), code).toBe(true);
  });

  it("40003 statement_completion_unknown is not: the commit may have happened", () => {
    expect(isDefiniteSqlFailure(sqlError("40003"))).toBe(false);
  });

  it("a lost connection or an error without SQLSTATE leaves the outcome unknown", () => {
    expect(isDefiniteSqlFailure(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }))).toBe(false);
    expect(isDefiniteSqlFailure(new Error("Connection terminated unexpectedly"))).toBe(false);
    expect(isDefiniteSqlFailure(sqlError("08006"))).toBe(false);
  });
});
