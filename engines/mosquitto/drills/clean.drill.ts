import { describe, it, expect } from "vitest";
import { check, expectPass, runOne } from "../../../test/drills/support.ts";
import { MOSQUITTO_ROWS } from "./support.ts";

// No writes during the backup: the restored broker must hold exactly what the source held, record for record.
describe("mosquitto: clean drill, no load", () => {
  it("SIGUSR1 backup restores retained messages, sessions and their queues exactly", async () => {
    const result = await runOne("mosquitto", "clean", { rows: MOSQUITTO_ROWS, deepVerify: true });
    expectPass(result);
    // The deep verifier (a campaign's, run here on an undamaged restore): a second read by exact topic and by
    // reconnecting every session finds exactly what the drill's read accepted.
    const deep = check(result, "deep-verify");
    expect(deep.valid, deep.summary).toBe(true);
    expect(deep.summary).toMatch(
      /^[1-9]\d* retained messages, sessions and subscriptions read again by exact topic and by reconnecting equal the accepted state; nothing left queued$/,
    );
    const e = result.evidence;
    expect(check(result, "exact-equivalence").valid).toBe(true);
    expect(e.integrity.restored).toEqual(e.integrity.source);
    // SIGUSR1 saved through a new file: the inode changed (persist__backup writes mosquitto.db.new and renames it).
    expect(e.restoreAttempts).toMatchObject([
      { ok: true, observed: expect.arrayContaining(["no warning or error in the broker's log"]) },
    ]);
    expect(check(result, "preflight:mosquitto.db").summary).toMatch(
      /reads to its end: \d+ bytes, format 6: .*msg-store.*client/,
    );
    const records = e.integrity.restored!.count;
    console.log(
      `mosquitto clean: ${records} records restored (${e.scope.dataset.recordsLoaded} loaded); RTO ${Math.round(e.achieved.rtoMs ?? 0)} ms; deep-verify: ${deep.summary}`,
    );
  });
});
