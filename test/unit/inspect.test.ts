import { describe, expect, it } from "vitest";
import { availability } from "../../cli/inspect.ts";
import { ENGINES } from "../../engines/index.ts";

describe("dr-drill list: where each version's image comes from, said to the user", () => {
  const none = { present: false, offline: undefined, canBuildOffline: false };

  it("names the missing image and the one command that makes it available, for an engine without offline images", () => {
    const spec = ENGINES.eventstore!.imageSpec("24.10");
    const said = availability(spec, none);
    expect(said).toContain(`needs ${spec.official}: \`docker pull ${spec.official}\``);
    expect(said).toContain("`docker load -i <file>`");
    expect(said).not.toMatch(/this machine|cannot reach|\bhere\b/);
  });

  it("says yes when the image is present or an offline one is built, and the pull where no offline image can be", () => {
    const spec = ENGINES.postgres!.imageSpec("17");
    expect(availability(spec, { ...none, present: true })).toBe(`yes: official image ${spec.official} present`);
    expect(availability(spec, { ...none, offline: "dr-drill-offline/postgres:17-x" })).toBe(
      "yes: offline image dr-drill-offline/postgres:17-x built",
    );
    expect(availability(spec, none)).toMatch(/^needs postgres:17: `docker pull postgres:17`/);
  });
});
