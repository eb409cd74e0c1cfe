import { describe, it, expect } from "vitest";
import { capturingSink, runOne } from "../../../test/drills/support.ts";

describe("postgres: replaying a failed drill", () => {
  it("the seed a failing drill prints reproduces the same data set", async () => {
    const sink = capturingSink();
    const failed = await runOne("postgres", "flip-byte", { rows: 5_000, sink });
    expect(failed.evidence.verdict).toBe("fail");
    const printed = sink.lines.find((l) => l.includes(" replay: "));
    const seed = Number(/seed=(\d+) replay: .*--seed (\d+)/.exec(printed ?? "")?.[2]);
    expect(seed, printed).toBe(failed.evidence.scope.seed);

    // Replay with the printed seed, on a fresh server: the engine stores exactly the same records.
    const replayed = await runOne("postgres", "clean", { method: "physical", rows: 5_000, seed });
    expect(replayed.evidence.scope.dataset.digest).toBe(failed.evidence.scope.dataset.digest);
    expect(replayed.evidence.scope.dataset.recordsLoaded).toBe(failed.evidence.scope.dataset.recordsLoaded);
    expect(replayed.evidence.verdict).toBe("pass");
  });
});
