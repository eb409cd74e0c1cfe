import { describe, expect, it } from "vitest";
import { knownSecrets } from "../../harness/secrets.ts";

describe("which secrets are redacted and which are named as weak", () => {
  it.each([
    ["postgres", "a well-known default password"],
    ["Changeme", "a well-known default password"],
    ["123456", "a well-known default password"],
    ["timescale", "a word dr-drill itself writes in reports (an engine name)"],
    ["x7!Qz", "shorter than 8 characters"],
    ["drilldown", "a plain lowercase word shorter than 12 characters"],
  ])("%s is weak: %s", (value, reason) => {
    const { secrets, weak } = knownSecrets({ DB_PASSWORD: value }, ["postgres", "timescale-postgres", "timescale"]);
    expect(secrets).toEqual([]);
    expect(weak).toEqual([{ source: "environment variable DB_PASSWORD", reason }]);
    expect(JSON.stringify(weak)).not.toContain(value);
  });

  it.each(["planted-token-7f3a", "Tr0ub4dor&3", "correcthorsebattery", "ghp_abcdef012345"])(
    "%s is redacted",
    (value) => {
      expect(knownSecrets({ API_KEY: value, HOME: "/root" }, ["postgres"])).toEqual({ secrets: [value], weak: [] });
    },
  );

  it("only variables named like secrets count, and each weak one is named", () => {
    const { secrets, weak } = knownSecrets(
      {
        PGPASSWORD: "postgres",
        POSTGRES_PASSWORD: "postgres",
        PGUSER: "postgres",
        GITHUB_TOKEN: "ghp_plantedTokenValue0123456789",
      },
      ["postgres"],
    );
    expect(secrets).toEqual(["ghp_plantedTokenValue0123456789"]);
    expect(weak.map((w) => w.source)).toEqual([
      "environment variable PGPASSWORD",
      "environment variable POSTGRES_PASSWORD",
    ]);
  });
});
