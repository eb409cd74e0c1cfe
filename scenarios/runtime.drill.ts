import { describe, it, expect } from "vitest";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GenericContainer } from "testcontainers";
import { docker } from "../harness/runtime/docker.ts";
import { MANAGED_LABEL, RUN_LABEL, createVolume, removeManaged } from "../harness/runtime/resources.ts";
import { ImageResolver } from "../harness/runtime/images.ts";
import { postgresImageSpec } from "../engines/postgres/versions.ts";

async function labelled(label: string): Promise<{ containers: number; volumes: number }> {
  const filters = JSON.stringify({ label: [label] });
  const containers = await docker().listContainers({ all: true, filters });
  const { Volumes } = await docker().listVolumes({ filters });
  return { containers: containers.length, volumes: (Volumes ?? []).length };
}

describe("runtime: nothing is left running", () => {
  it("Ctrl-C during a drill removes its containers and volumes", async () => {
    const reports = await mkdtemp(join(tmpdir(), "dr-drill-sigint-"));
    const child = spawn(process.execPath, ["bin/dr-drill.js", "run", "--engine", "postgres", "--method", "physical", "--rows", "400000", "--reports", reports], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const loading = new Promise<void>((resolve) => {
      child.stdout.on("data", (d: Buffer) => {
        output += d.toString();
        if (output.includes("▶ load")) resolve();
      });
    });
    await Promise.race([loading, once(child, "exit")]);
    // The drill links reports/latest to its run id as it starts: that id labels everything it created.
    const runLabel = `${RUN_LABEL}=${await readlink(join(reports, "latest"))}`;
    expect(await labelled(runLabel), output).toMatchObject({ containers: 1, volumes: 1 });
    child.kill("SIGINT");
    const [code] = (await once(child, "exit")) as [number];
    expect(code, output).toBe(130);
    expect(output).toMatch(/SIGINT: removing containers and volumes/);
    expect(await labelled(runLabel)).toEqual({ containers: 0, volumes: 0 });
    await rm(reports, { recursive: true, force: true });
  });

  it("cleanup removes what a crashed run left, and nothing unlabelled", async () => {
    const image = await new ImageResolver("auto", () => undefined).resolve(postgresImageSpec("15"));
    const labels = { [MANAGED_LABEL]: "true", [RUN_LABEL]: "crashed-run" };
    await createVolume("dr-drill-crashed-run-volume", labels);
    const left = await new GenericContainer(image.ref).withLabels(labels).withCommand(["sleep", "600"]).start();
    const foreign = await new GenericContainer(image.ref).withLabels({ other: "tool" }).withCommand(["sleep", "600"]).start();
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
});
