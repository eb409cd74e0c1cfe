import { describe, it, expect } from "vitest";
import { check, expectPass, runOne } from "../../../test/drills/support.ts";
import { RABBITMQ_ROWS } from "./size.ts";

// Stop the node, copy the Mnesia base, restore it at the same path under the same node name, no writes meanwhile:
// the restored broker must serve exactly what the source served.
describe("rabbitmq: clean drill, no load", () => {
  it("a stopped node's Mnesia base restores every retained message, session and queued message", async () => {
    const result = await runOne("rabbitmq", "clean", { rows: RABBITMQ_ROWS });
    expectPass(result);
    const e = result.evidence;
    expect(check(result, "exact-equivalence").valid).toBe(true);
    expect(e.integrity.restored).toEqual(e.integrity.source);
    expect(check(result, "preflight:node-name").summary).toMatch(
      /^the backup is of node rabbit@dr-drill-rabbit \(the Mnesia base\), the restore target has the same name$/,
    );
    expect(check(result, "preflight:feature-flags").valid).toBe(true);
    // The whole Mnesia base: the node directory, its feature flags, and the MQTT plugin's retained store.
    const paths = e.artifacts.map((a) => a.path);
    expect(paths).toContain("mnesia/rabbit@dr-drill-rabbit-feature_flags");
    expect(paths.some((p) => p.startsWith("mnesia/rabbit@dr-drill-rabbit/") && /retained.*\.dets$/.test(p))).toBe(true);
    // The node booted on the restored database, not on a new one.
    expect(e.restoreAttempts).toMatchObject([
      { ok: true, observed: ["log: database dir : /var/lib/rabbitmq/mnesia/rabbit@dr-drill-rabbit"] },
    ]);
    const held = check(result, "invariant:not-empty");
    expect(held.summary).toMatch(
      /serves [1-9]\d* retained message\(s\), 24 of 24 session\(s\), [1-9]\d* queued message\(s\)/,
    );
    console.log(`rabbitmq clean: ${held.summary}; backup ${e.backup.durationMs} ms, RTO ${e.achieved.rtoMs} ms`);
  });
});
