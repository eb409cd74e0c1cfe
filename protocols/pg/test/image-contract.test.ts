import { describe, expect, it } from "vitest";
import { postgresImageDifferences, type PostgresImageFacts } from "../image-contract.ts";

const OFFICIAL: PostgresImageFacts = {
  version: "postgres (PostgreSQL) 15.14 (Debian 15.14-1.pgdg120+1)",
  pgdata: "/var/lib/postgresql/data",
  uid: "999",
  entrypoint: ["docker-entrypoint.sh"],
  honoursPassword: true,
};

describe("a user's PostgreSQL image against what dr-drill relies on", () => {
  it("the official image's layout fits", () => {
    expect(postgresImageDifferences(OFFICIAL, "15")).toEqual([]);
  });

  it("names every difference: major version, data directory, uid, entrypoint, POSTGRES_PASSWORD", () => {
    const differences = postgresImageDifferences(
      {
        version: "postgres (PostgreSQL) 16.4",
        pgdata: "/data",
        uid: "70",
        entrypoint: ["/usr/local/bin/start.sh"],
        honoursPassword: false,
      },
      "15",
    );
    expect(differences).toEqual([
      'PostgreSQL major 16 (postgres --version: "postgres (PostgreSQL) 16.4"), the drill needs 15',
      "PGDATA is /data, dr-drill mounts the data at /var/lib/postgresql/data",
      "user postgres has uid 70, dr-drill expects 999",
      'entrypoint is ["/usr/local/bin/start.sh"], not the official image\'s docker-entrypoint.sh',
      "its docker-entrypoint.sh does not read POSTGRES_PASSWORD",
    ]);
  });

  it("an image without a postgres binary says so, not a time-out later", () => {
    expect(postgresImageDifferences({ ...OFFICIAL, version: "sh: postgres: not found", uid: "" }, "15")).toEqual([
      'PostgreSQL major unknown (postgres --version: "sh: postgres: not found"), the drill needs 15',
      "user postgres has uid none, dr-drill expects 999",
    ]);
  });
});
