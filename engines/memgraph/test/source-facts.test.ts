import { describe, expect, it } from "vitest";
import { chownArgs, restoreVolume } from "../../../harness/runtime/restore-volume.ts";
import { MG_OWNER, memgraphFlags } from "../container.ts";
import { memgraphFiles } from "../engine.ts";
import { inPlaceCopyScript, LOCKED, lockStatus, UNLOCKED } from "../in-place.ts";
import { MEMGRAPH_SCENARIOS } from "../scenarios.ts";
import { createSnapshot, SNAPSHOT_ALREADY_RUNNING } from "../snapshot.ts";
import { MEMGRAPH_VERSIONS, memgraphImageSpec } from "../versions.ts";

const imageOf = (version: string) => ({
  ref: memgraphImageSpec(version).official,
  id: "sha256:x",
  source: "official" as const,
});

describe("memgraph restore ownership: the image's memgraph user, by name", () => {
  it("every version's restored files are chowned memgraph:memgraph inside that version's image, never a pinned uid", () => {
    for (const version of Object.keys(MEMGRAPH_VERSIONS)) {
      const files = memgraphFiles(imageOf(version), "vol", { labels: {} });
      expect(files.owner).toBe("memgraph:memgraph");
      expect(chownArgs(files.owner, "/var/lib/memgraph", { recursive: true })).toEqual([
        "chown",
        "-R",
        "memgraph:memgraph",
        "--",
        "/var/lib/memgraph",
      ]);
    }
  });

  it("engines that pin a uid keep uid:uid", () => {
    const files = restoreVolume({ image: imageOf("3.7.2"), volume: "v", mountPath: "/d", labels: {}, uid: 1000 });
    expect(files.owner).toBe("1000:1000");
    expect(chownArgs(files.owner, "/d/x", { recursive: false })).toEqual(["chown", "1000:1000", "--", "/d/x"]);
  });

  it("the in-place copy goes into the server's own directories and is chowned by name", () => {
    expect(inPlaceCopyScript()).toBe(
      "cp -R /tmp/dr-drill-restore/snapshots/. /var/lib/memgraph/snapshots/ && " +
        "if [ -d /tmp/dr-drill-restore/wal ]; then cp -R /tmp/dr-drill-restore/wal/. /var/lib/memgraph/wal/; fi && " +
        `chown -R ${MG_OWNER.owner} /var/lib/memgraph/snapshots /var/lib/memgraph/wal`,
    );
  });
});

describe("memgraph flags: the drill controls snapshots and the WAL is synchronous", () => {
  it("periodic snapshots every 7 days (the flag's maximum) by the name the image's conf file uses, the WAL fsynced at every commit", () => {
    const flags = memgraphFlags("IN_MEMORY_TRANSACTIONAL");
    expect(flags).toContain("--storage-snapshot-interval-sec=604800");
    expect(flags).toContain("--storage-wal-file-flush-every-n-tx=1");
    expect(flags).toContain("--storage-snapshot-on-exit=true");
    // Both schedule flags at once is fatal at v2.22.1 and v3.0.0 (src/flags/run_time_configurable.cpp).
    expect(flags.some((f) => f.startsWith("--storage-snapshot-interval="))).toBe(false);
  });

  it("an in-place restore's server can be told not to snapshot on exit", () => {
    expect(memgraphFlags("IN_MEMORY_TRANSACTIONAL", false)).toContain("--storage-snapshot-on-exit=false");
  });
});

describe("memgraph CREATE SNAPSHOT and the data directory lock", () => {
  const collision = () => new Error("Another snapshot creation is already in progress.");

  it("asks again while another snapshot is in progress, then goes on", async () => {
    const asked: string[] = [];
    let collisions = 2;
    const done = await createSnapshot(
      async (q) => {
        asked.push(q);
        if (collisions-- > 0) throw collision();
      },
      { attempts: 5, delayMs: 1 },
    );
    expect(done.tries).toBe(3);
    expect(asked).toEqual(["CREATE SNAPSHOT", "CREATE SNAPSHOT", "CREATE SNAPSHOT"]);
  });

  it("any other error is thrown at once; collisions past the attempts are thrown too", async () => {
    let calls = 0;
    await expect(
      createSnapshot(
        async () => {
          calls++;
          throw new Error("Failed to create snapshot. The current snapshot needs to be aborted.");
        },
        { attempts: 5, delayMs: 1 },
      ),
    ).rejects.toThrow(/needs to be aborted/);
    expect(calls).toBe(1);
    await expect(
      createSnapshot(
        async () => {
          throw collision();
        },
        { attempts: 3, delayMs: 1 },
      ),
    ).rejects.toThrow(SNAPSHOT_ALREADY_RUNNING);
  });

  it("the lock queries must answer what Memgraph says on success", () => {
    expect(lockStatus([{ STATUS: "Data directory is now locked." }], LOCKED, "LOCK DATA DIRECTORY")).toMatch(/locked/);
    expect(lockStatus([{ STATUS: "Data directory is already unlocked." }], UNLOCKED, "UNLOCK")).toMatch(/unlocked/);
    expect(() => lockStatus([{ STATUS: "Data directory is now unlocked." }], LOCKED, "LOCK DATA DIRECTORY")).toThrow(
      /LOCK DATA DIRECTORY answered "Data directory is now unlocked\."/,
    );
    expect(() => lockStatus([], LOCKED, "LOCK DATA DIRECTORY")).toThrow(/answered "nothing"/);
  });
});

describe("memgraph in-place restore scenarios", () => {
  it("load and clean drill the in-place restore beside the fresh volume and the dump; the exit snapshot is a finding", () => {
    const req = { version: "3.7.2", method: "snapshot-in-place", restoreInto: null };
    const byName = Object.fromEntries(MEMGRAPH_SCENARIOS.map((s) => [s.name, s]));
    expect(byName.load!.methods).toEqual(["snapshot", "snapshot-in-place", "dump"]);
    expect(byName.clean!.methods).toEqual(["snapshot", "snapshot-in-place", "dump"]);
    expect(byName.load!.expects(req)).toBe("pass");
    expect(byName["in-place-exit-snapshot"]!.methods).toEqual(["snapshot-in-place"]);
    expect(byName["in-place-exit-snapshot"]!.expects(req)).toBe("detects (by ledger-oracle)");
  });
});
