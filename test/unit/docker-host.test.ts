import { describe, expect, it } from "vitest";
import { hostOwner, publishedHost } from "../../harness/runtime/docker.ts";
import { defaultTransfer } from "../../harness/runtime/toolbox.ts";
import { drDrill } from "./cli-process.ts";
import { makeTempDir } from "./support.ts";

describe("DOCKER_HOST", () => {
  const container = { getHost: () => "docker.example.internal" };

  it("ports of a remote engine are reached at the host testcontainers reports; the local engine's on loopback", () => {
    expect(publishedHost(container, { DOCKER_HOST: "tcp://docker.example.internal:2375" })).toBe(
      "docker.example.internal",
    );
    expect(publishedHost(container, { DOCKER_HOST: "https://docker.example.internal:2376" })).toBe(
      "docker.example.internal",
    );
    expect(publishedHost(container, {})).toBe("127.0.0.1");
    expect(publishedHost(container, { DOCKER_HOST: "unix:///var/run/docker.sock" })).toBe("127.0.0.1");
    expect(publishedHost(container, { TESTCONTAINERS_HOST_OVERRIDE: "10.0.0.7" })).toBe("docker.example.internal");
  });

  it("copies use a bind mount only when the engine is local: a remote one (or a host override) gets the archive API", () => {
    expect(defaultTransfer({})).toBe("bind-mount");
    expect(defaultTransfer({ DOCKER_HOST: "unix:///var/run/docker.sock" })).toBe("bind-mount");
    expect(defaultTransfer({ DOCKER_HOST: "tcp://docker.example.internal:2375" })).toBe("archive");
    expect(defaultTransfer({ DOCKER_HOST: "https://docker.example.internal:2376" })).toBe("archive");
    expect(defaultTransfer({ TESTCONTAINERS_HOST_OVERRIDE: "10.0.0.7" })).toBe("archive");
  });

  it("files copied through a bind mount are handed to this user: its ids, or the containers' root under rootless Docker", () => {
    const ids = { uid: 1001, gid: 121 };
    expect(hostOwner(["name=apparmor", "name=seccomp,profile=builtin"], ids)).toBe("1001:121");
    expect(hostOwner(["name=seccomp,profile=builtin", "name=rootless", "name=cgroupns"], ids)).toBe("0:0");
  });

  it("a DOCKER_HOST that does not answer exits 3 naming it, and no local engine is started in its place", async () => {
    const reports = await makeTempDir();
    const { code, stderr } = await drDrill(
      ["run", "--engine", "postgres", "--version", "15", "--scenario", "clean", "--reports", reports],
      { env: { DOCKER_HOST: "tcp://127.0.0.1:9" } },
    );
    expect(code, stderr).toBe(3);
    expect(stderr).toMatch(/DOCKER_HOST=tcp:\/\/127\.0\.0\.1:9 does not answer/);
  });
});
