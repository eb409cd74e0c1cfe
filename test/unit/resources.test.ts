import { afterEach, describe, expect, it } from "vitest";
import {
  DRILL_LABEL,
  INVOCATION_ENV,
  INVOCATION_LABEL,
  MANAGED_LABEL,
  RUN_LABEL,
  runLabels,
} from "../../harness/runtime/resources.ts";

describe("labels of what a drill starts", () => {
  const before = process.env[INVOCATION_ENV];
  afterEach(() => {
    if (before === undefined) delete process.env[INVOCATION_ENV];
    else process.env[INVOCATION_ENV] = before;
  });

  it("inside a test run, its invocation id too: its reaper removes by it, never another run's", () => {
    process.env[INVOCATION_ENV] = "vitest-abc-123456";
    expect(runLabels("run-1", "drill-1")).toEqual({
      [MANAGED_LABEL]: "true",
      [RUN_LABEL]: "run-1",
      [DRILL_LABEL]: "drill-1",
      [INVOCATION_LABEL]: "vitest-abc-123456",
    });
  });

  it("outside a test run (the command), the run and the drill only", () => {
    delete process.env[INVOCATION_ENV];
    expect(runLabels("run-1", "drill-1")).toEqual({
      [MANAGED_LABEL]: "true",
      [RUN_LABEL]: "run-1",
      [DRILL_LABEL]: "drill-1",
    });
  });
});
