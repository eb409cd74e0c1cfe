import { describe, expect, it } from "vitest";
import { missingSegments, recoverySettings, segmentNumber } from "../pitr.ts";

describe("WAL archive reach", () => {
  it("numbers 16 MB segments across a log boundary", () => {
    expect(segmentNumber("0000000100000001000000FF") + 1).toBe(segmentNumber("000000010000000200000000"));
  });

  it("names the segments missing between the base backup's start and T's", () => {
    const present = ["0000000100000000000000FE", "000000010000000100000000"];
    expect(missingSegments(present, "0000000100000000000000FE", "000000010000000100000001")).toEqual([
      "0000000100000000000000FF",
      "000000010000000100000001",
    ]);
    expect(missingSegments(present, "0000000100000000000000FE", "0000000100000000000000FE")).toEqual([]);
  });

  it("gives the server T with a numeric offset, the form recovery_target_time accepts", () => {
    expect(recoverySettings("/archive", "2026-12-07T19:56:23.145449Z")).toContain(
      "recovery_target_time = '2026-12-07 19:56:23.145449+00'",
    );
  });
});
