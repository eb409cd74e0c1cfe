import { describe, expect, it } from "vitest";
import { check, expectMet } from "../../../test/drills/support.ts";
import { runExo } from "./support.ts";

// Each fault must fail the drill for the reason it states (engines/exo/faults.ts), or restore where the guide says so.
describe("exo: faults in the backup of the data tier", () => {
  it("parts backed up at different times while the platform writes: the dangling references are named", async () => {
    const result = await runExo("parts-at-different-times");
    expectMet(result);
    expect(check(result, "cross-part:references").examples!.join("\n")).toMatch(/dangling: (activity \d+|chat \S+) /);
  });

  it("codec left out: detected before the restore and by the wallet keys", async () => {
    const result = await runExo("codec-left-out");
    expectMet(result);
    expect(check(result, "cross-part:codec").summary).toMatch(
      /no codeckey\.txt: the \d+ wallet private keys cannot be opened/,
    );
  });

  it("swap and jta left out: restores, every check holds", async () => {
    const result = await runExo("swap-jta-left-out");
    expectMet(result);
    expect(result.evidence.verdict).toBe("pass");
  });

  it("IDM from an older backup: users lost, what they posted dangles", async () => {
    const result = await runExo("older-idm");
    expectMet(result);
    expect(check(result, "cross-part:references").examples!.join("\n")).toMatch(/who is not in IDM/);
  });

  it("truncated mongodump archive: mongorestore fails, chat messages counted lost", async () => {
    const result = await runExo("truncated-mongodump");
    expectMet(result);
    expect(check(result, "restore").valid).toBe(false);
  });
});
