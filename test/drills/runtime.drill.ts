import { describe, it, expect } from "vitest";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, readlink, rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GenericContainer } from "testcontainers";
import { docker } from "../../harness/runtime/docker.ts";
import { RUN_LABEL, createNetwork, createVolume, removeManaged, runLabels } from "../../harness/runtime/resources.ts";
import { ImageResolver } from "../../harness/runtime/images.ts";
import { startContainer } from "../../harness/runtime/start-container.ts";
import { ContainerExitedError, ProbeWaitStrategy } from "../../harness/runtime/wait-for-probe.ts";
import { postgresImageSpec } from "../../protocols/pg/image.ts";
import type { RunEvidence } from "../../harness/report/run-evidence.ts";
import { words } from "./support.ts";

async function labelled(label: string): Promise<{ containers: number; volumes: number }> {
  const filters = JSON.stringify({ label: [label] });
  const containers = await docker().listContainers({ all: true, filters });
  const { Volumes } = await docker().listVolumes({ filters });
  return { containers: containers.length, volumes: (Volumes ?? []).length };
}

describe("runtime: nothing is left running", () => {
  it("Ctrl-C in the middle of a backup under load: out within 10 s, nothing left, evidence marked interrupted", async () => {
    const reports = await mkdtemp(join(tmpdir(), "dr-drill-sigint-"));
    const child = spawn(
      process.execPath,
      [
        ...words("bin/dr-drill.js run --engine postgres --method physical --scenario load --rows 60000 --writers 4"),
        "--reports",
        reports,
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    const backingUp = new Promise<void>((resolve) => {
      child.stdout.on("data", (d: Buffer) => {
        output += d.toString();
        if (output.includes("▶ backup")) resolve();
      });
    });
    await Promise.race([backingUp, once(child, "exit")]);
    await sleep(1_500); // writers running, pg_basebackup under way
    // The drill links reports/latest to its run id as it starts: that id labels everything it created.
    const runId = await readlink(join(reports, "latest"));
    const runLabel = `${RUN_LABEL}=${runId}`;
    expect((await labelled(runLabel)).containers, output).toBeGreaterThanOrEqual(1);
    const signalled = Date.now();
    child.kill("SIGINT");
    const [code] = (await once(child, "exit")) as [number];
    const tookMs = Date.now() - signalled;
    console.log(`Ctrl-C during the backup: exited ${code} after ${tookMs} ms`);
    expect(code, output).toBe(130);
    expect(tookMs, output).toBeLessThan(10_000);
    expect(output).toMatch(/SIGINT: stopping run/);
    expect(await labelled(runLabel)).toEqual({ containers: 0, volumes: 0 });
    const evidence = JSON.parse(await readFile(join(reports, runId, "evidence.json"), "utf8")) as RunEvidence;
    expect(evidence.drills).toHaveLength(1);
    expect(evidence.drills[0]).toMatchObject({
      verdict: "unknown",
      interrupted: "interrupted by SIGINT",
      expectation: { met: false },
    });
    expect(evidence.drills[0]!.phases.at(-1)).toMatchObject({ name: "backup" });
    await rm(reports, { recursive: true, force: true });
  });

  it("cleanup removes what a crashed run left, and nothing unlabelled", async () => {
    const image = await new ImageResolver("auto", () => undefined).resolve(postgresImageSpec("15"));
    const labels = runLabels("crashed-run", "crashed-run");
    await createVolume("dr-drill-crashed-run-volume", labels);
    const left = await new GenericContainer(image.ref).withLabels(labels).withCommand(["sleep", "600"]).start();
    const foreign = await new GenericContainer(image.ref)
      .withLabels({ other: "tool" })
      .withCommand(["sleep", "600"])
      .start();
    try {
      expect(await labelled(`${RUN_LABEL}=crashed-run`)).toEqual({ containers: 1, volumes: 1 });
      // What `dr-drill cleanup` does, narrowed to this test's run so a drill running beside it is left alone.
      const removed = await removeManaged({ runId: "crashed-run" });
      expect(removed.containers).toBeGreaterThanOrEqual(1);
      expect(await labelled(`${RUN_LABEL}=crashed-run`)).toEqual({ containers: 0, volumes: 0 });
      expect((await docker().getContainer(foreign.getId()).inspect()).State.Running).toBe(true);
    } finally {
      await foreign.stop({ timeout: 0 });
      await left.stop({ timeout: 0 }).catch(() => undefined);
    }
  });

  it("a node of several containers on a private network: they reach each other by name, cleanup removes the network too", async () => {
    const image = await new ImageResolver("auto", () => undefined).resolve(postgresImageSpec("15"));
    const runId = `multi-${Date.now()}`;
    const labels = runLabels(runId, runId);
    const network = await createNetwork(`dr-drill-${runId}`, labels);
    const start = (alias: string) =>
      new GenericContainer(image.ref)
        .withLabels(labels)
        .withNetworkMode(network)
        .withNetworkAliases(alias)
        .withEntrypoint(["sleep"])
        .withCommand(["600"])
        .start();
    const [a, b] = await Promise.all([start("files"), start("database")]);
    try {
      // One container resolves the other by its alias on the private network.
      const seen = await a.exec(["getent", "hosts", "database"]);
      expect(seen.exitCode, seen.output).toBe(0);
      expect(seen.output).toContain(b.getIpAddress(network));
      const filters = JSON.stringify({ label: [`${RUN_LABEL}=${runId}`] });
      expect(await docker().listNetworks({ filters })).toHaveLength(1);
      expect(await removeManaged({ runId })).toMatchObject({ containers: 2, networks: 1 });
      expect(await docker().listNetworks({ filters })).toHaveLength(0);
    } finally {
      await removeManaged({ runId }).catch(() => undefined);
    }
  });

  it("an engine that exits at once, or while the probe starts, is reported by its exit code and log, never a port time-out or Docker's 409", async () => {
    const image = await new ImageResolver("auto", () => undefined).resolve(postgresImageSpec("15"));
    const runId = `exit-${Date.now()}`;
    // 0 s: gone before its ports are seen (a fresh machine's CI got Docker's 409 there, defect 11); the others land
    // anywhere in the probe's loop (inspect, exec create, exec start). The probe never succeeds: only the exit ends it.
    const delays = ["0", "0", "0.1", "0.2", "0.3", "0.45", "0.6", "0.8"];
    try {
      for (const delay of delays) {
        const container = new GenericContainer(image.ref)
          .withLabels(runLabels(runId, runId))
          .withEntrypoint(["sh", "-c"])
          .withCommand([`echo 'Error: could not open database.'; sleep ${delay}; exit 3`])
          .withExposedPorts(5432)
          .withWaitStrategy(new ProbeWaitStrategy(["sh", "-c", "exit 1"]));
        const failed = await startContainer(container).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(failed, `exit after ${delay} s: ${String(failed)}`).toBeInstanceOf(ContainerExitedError);
        expect(failed).toMatchObject({ exitCode: 3, logTail: expect.stringContaining("could not open database") });
      }
    } finally {
      await removeManaged({ runId });
    }
  });
});
