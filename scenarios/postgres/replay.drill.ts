import { describe, it, expect } from "vitest";
import { PostgresEngine, flipByteInTable } from "../../engines/postgres/index.ts";
import { capturingSink, scenarioDrill } from "../support.ts";

const FILE = "scenarios/postgres/replay.drill.ts";

describe("postgres: replaying a failed drill", () => {
  const name = "the seed a failing drill prints reproduces the same data set";
  it(name, async () => {
    const sink = capturingSink();
    const failed = await scenarioDrill(FILE, name, { scenario: "replay-original", engine: new PostgresEngine("15", "physical"), faults: [flipByteInTable("documents")], rows: 5_000, sink });
    expect(failed.evidence.verdict).toBe("fail");
    const printed = sink.lines.find((l) => l.includes(" replay: "));
    expect(printed).toBeDefined();
    const seed = Number(/seed=(\d+) replay: DR_DRILL_SEED=(\d+)/.exec(printed!)?.[2]);
    expect(seed).toBe(failed.evidence.scope.seed);

    // Replay with the printed seed, on a fresh server: the engine stores exactly the same records.
    const replayed = await scenarioDrill(FILE, name, { scenario: "replay-again", engine: new PostgresEngine("15", "physical"), rows: 5_000, seed });
    expect(replayed.evidence.scope.dataset.digest).toBe(failed.evidence.scope.dataset.digest);
    expect(replayed.evidence.scope.dataset.recordsLoaded).toBe(failed.evidence.scope.dataset.recordsLoaded);
    expect(replayed.evidence.verdict).toBe("pass");
  });
});
