import { existsSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { verifyScenario } from "../../harness/verify/scenario.ts";
import { PGDATA } from "../../protocols/pg/container.ts";
import { DUMP_FILE, PostgresEngine, type PostgresBackupMethod } from "./engine.ts";
import { POSTGRES_METHODS } from "./scenarios.ts";

/**
 * `dr-drill verify --engine postgres`: a base backup (`backup_label`, `PG_VERSION`: physical) or a `pg_dump -Fc`
 * archive (logical). The version that made it: `PG_VERSION`, or the server version a custom-format dump's header names.
 */
export const POSTGRES_VERIFY = verifyScenario({
  methods: POSTGRES_METHODS,
  fileName: (method) => (method === "logical" ? DUMP_FILE : undefined),
  describe: async (dir) => {
    if (existsSync(join(dir, DUMP_FILE))) {
      const major = await dumpServerMajor(join(dir, DUMP_FILE));
      return { method: "logical", ...(major ? { sourceVersion: major } : {}) };
    }
    const major = await pgVersionFile(dir);
    return { method: "physical", ...(major ? { sourceVersion: major } : {}) };
  },
  // The base backup's roles keep their own passwords: the restored copy lets in connections from its Docker network.
  access: {
    afterCopyIn: async (volume) => {
      await volume.sh(
        `f=${PGDATA}/pg_hba.conf; test -f "$f" || exit 0; { echo 'host all all samenet trust'; cat "$f"; } > "$f.verify" && cat "$f.verify" > "$f" && rm "$f.verify"`,
      );
    },
  },
  engine: (version, method) => new PostgresEngine(version, method === "logical" ? "logical" : "physical"),
  artifact: async (dir, engine) => {
    const method: PostgresBackupMethod = engine.backupMethod === "logical" ? "logical" : "physical";
    const major = method === "logical" ? await dumpServerMajor(join(dir, DUMP_FILE)) : await pgVersionFile(dir);
    return {
      dir,
      method,
      tool: method === "logical" ? "pg_dump -Fc (brought)" : "pg_basebackup (brought)",
      // Unknown: the preflight's version check then fails and says so.
      sourceMajor: major ?? "unknown",
      relationFiles: {},
      finishedAt: 0,
    };
  },
});

async function pgVersionFile(dir: string): Promise<string | undefined> {
  const text = await readFile(join(dir, "PG_VERSION"), "utf8").catch(() => undefined);
  return text?.trim() || undefined;
}

/** The custom format's header holds the dumped server's version string after the database name ("15.18 (Debian…)"). */
async function dumpServerMajor(path: string): Promise<string | undefined> {
  const file = await open(path).catch(() => undefined);
  if (!file) return undefined;
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(512), 0, 512, 0);
    const head = buffer.subarray(0, bytesRead).toString("latin1");
    if (!head.startsWith("PGDMP")) return undefined;
    return /\0(\d{2,})\.\d+ /.exec(head)?.[1];
  } finally {
    await file.close();
  }
}
