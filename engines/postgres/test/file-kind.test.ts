import { describe, expect, it } from "vitest";
import { postgresFileKind } from "../file-kind.ts";

describe("postgres: file kinds for the fault campaign", () => {
  const relations = { "base/16384/16385": "heap", "base/16384/16390": "index", "base/16384/1259": "catalog" };
  it.each([
    ["pg_wal/000000010000000000000004", "WAL"],
    ["pg_wal/archive_status/000000010000000000000004.done", "WAL status"],
    ["pg_xact/0000", "pg_xact"],
    ["global/pg_control", "control"],
    ["backup_manifest", "backup_manifest"],
    ["base/16384/16385", "heap"],
    ["base/16384/16385.1", "heap"],
    ["base/16384/16390", "index"],
    ["base/16384/16385_fsm", "free space map"],
    ["base/16384/16385_vm", "visibility map"],
    ["base/16384/99999", "catalog"],
    ["global/1260", "shared catalog"],
    ["base/16384/pg_filenode.map", "relation map"],
    ["postgresql.conf", "config"],
    ["pg_xact", "directory pg_xact"],
    ["base/1", "directory base/<db>"],
    ["pg_stat/x", "other (pg_stat)"],
  ])("%s is %s", (path, kind) => {
    expect(postgresFileKind(path, "physical", relations)).toBe(kind);
  });

  it("every file of a dump is the dump", () => {
    expect(postgresFileKind("drill.pgdump", "logical", relations)).toBe("dump");
  });
});
