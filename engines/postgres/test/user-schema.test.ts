import { describe, expect, it } from "vitest";
import { InputError } from "../../../harness/errors.ts";
import { dependencyOrder, type UserColumn, type UserTable } from "../user-schema/catalog.ts";
import { columnArbitrary, generateRow, type WrittenRows } from "../user-schema/rows.ts";

const col = (name: string, base: string, extra: Partial<UserColumn> = {}): UserColumn => ({
  name,
  type: base,
  base,
  array: false,
  notNull: true,
  serverFilled: false,
  ...extra,
});
const table = (name: string, columns: UserColumn[], extra: Partial<UserTable> = {}): UserTable => ({
  sql: `"public"."${name}"`,
  name,
  unlogged: false,
  partitioned: false,
  columns,
  primaryKey: [columns[0]!.name],
  foreignKeys: [],
  checks: [],
  ...extra,
});

const customers = table("customers", [col("id", "int8"), col("name", "text"), col("profile", "jsonb")]);
const orders = table(
  "orders",
  [col("id", "int8"), col("customer_id", "int8"), col("status", "order_status", { labels: ["new", "paid"] })],
  { foreignKeys: [{ columns: ["customer_id"], table: "customers", refColumns: ["id"] }] },
);

describe("user schema: tables in dependency order, rows per column type", () => {
  it("writes a referenced table before the tables whose foreign keys point at it", () => {
    expect(dependencyOrder([orders, customers]).map((t) => t.name)).toEqual(["customers", "orders"]);
  });

  it("keys row n by n, points foreign keys at rows generated earlier, draws enums from their labels", () => {
    const written: WrittenRows = new Map();
    for (let n = 1; n <= 5; n++) generateRow(customers, 7, n, written);
    const ids = new Set(["1", "2", "3", "4", "5"]);
    for (let n = 1; n <= 20; n++) {
      const row = generateRow(orders, 7, n, written);
      const value = (name: string) => row.values[row.columns.findIndex((c) => c.name === name)];
      expect(value("id")).toBe(String(n));
      expect(ids.has(String(value("customer_id")))).toBe(true);
      expect(["new", "paid"]).toContain(value("status"));
    }
  });

  it("gives the same rows for the same seed", () => {
    const a = generateRow(customers, 42, 3, new Map());
    const b = generateRow(customers, 42, 3, new Map());
    expect(JSON.stringify(a.values)).toBe(JSON.stringify(b.values));
  });

  it("refuses a NOT NULL column of a type it cannot generate, naming it; a nullable one stays NULL", () => {
    const t = table("geo", [col("id", "int8"), col("where", "geometry")]);
    expect(() => columnArbitrary(t, t.columns[1]!)).toThrow(InputError);
    expect(() => columnArbitrary(t, t.columns[1]!)).toThrow(/geo\.where has type geometry/);
    const nullable = col("where", "geometry", { notNull: false });
    expect(generateRow(table("geo", [col("id", "int8"), nullable]), 1, 1, new Map()).values[1]).toBeNull();
  });
});
