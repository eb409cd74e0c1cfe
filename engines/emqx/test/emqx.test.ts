import { describe, expect, it } from "vitest";
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import tarFs from "tar-fs";
import { emqxEnvironment, envOf } from "../config.ts";
import {
  EXPORT_NAME,
  exportedPath,
  importAllowed,
  importOutcome,
  NEWER_EXPORT_REFUSED,
  parseMeta,
  readExport,
} from "../export.ts";
import { emqxNodeNameCheck } from "../node-name.ts";
import { exportChecks } from "../preflight.ts";
import { EMQX_MQTT, EMQX_UNIVERSE } from "../node.ts";
import { EMQX_SCENARIOS } from "../scenarios.ts";
import { EMQX_UNAVAILABLE, EMQX_VERSIONS, emqxImageSpec, emqxVersion } from "../versions.ts";
import { EmqxEngine } from "../engine.ts";
import { READY_PROBE } from "../container.ts";
import { ENTRIES } from "../entry.ts";
import { BACKUP_DIR_COMMAND, importExport, type ImportTarget } from "../import.ts";
import { ImageResolver, ImageUnavailableError } from "../../../harness/runtime/images.ts";
import { makeTempDir } from "../../../test/unit/support.ts";

/**
 * An export laid out as emqx_mgmt_data_backup.erl (v5.8.6) writes it: one top directory named like the file, META.hocon
 * as hocon_pp prints it (the same text as EMQX's own test export emqx-export-ce-retained-msgs-test.tar.gz:
 * `edition = ce` / `version = "5.7.0-g830266b4"`), cluster.hocon, and mnesia/<table>.
 */
async function exportFile(
  dir: string,
  opts: { version?: string; edition?: string; tables?: string[]; meta?: boolean; stray?: boolean } = {},
): Promise<string> {
  const base = "emqx-export-2026-11-23-12-30-01.123";
  const src = join(dir, "src");
  await mkdir(join(src, base, "mnesia"), { recursive: true });
  if (opts.meta ?? true)
    await writeFile(
      join(src, base, "META.hocon"),
      `edition = ${opts.edition ?? "ce"}\nversion = "${opts.version ?? "5.8.6"}"\n`,
    );
  await writeFile(
    join(src, base, "cluster.hocon"),
    "retainer {\n  backend {storage_type = disc}\n  enable = true\n}\n",
  );
  for (const t of opts.tables ?? ["emqx_acl", "emqx_banned", "emqx_retainer_message"])
    await writeFile(join(src, base, "mnesia", t), Buffer.from([0x83, 0x68, 0x02]));
  if (opts.stray) await writeFile(join(src, "stray.txt"), "x");
  const file = join(dir, `${base}.tar.gz`);
  await pipeline(tarFs.pack(src), createGzip(), createWriteStream(file));
  return file;
}

describe("emqx: the data export format", () => {
  it("reads META.hocon as hocon_pp writes it", () => {
    expect(parseMeta('edition = ce\nversion = "5.7.0-g830266b4"\n')).toEqual({
      edition: "ce",
      version: "5.7.0-g830266b4",
    });
    expect(parseMeta("edition = ee\nversion = 5.8.6\n")).toEqual({ edition: "ee", version: "5.8.6" });
    expect(parseMeta("")).toEqual({});
  });

  it("names its files as prepare_new_backup/1 does", () => {
    expect(EXPORT_NAME.test("emqx-export-2026-11-23-12-30-01.123.tar.gz")).toBe(true);
    expect(EXPORT_NAME.test("backup.tar.gz")).toBe(false);
  });

  it("unpacks an export: version, edition, cluster.hocon and the tables", async () => {
    const dir = await makeTempDir();
    const contents = await readExport(await exportFile(dir), join(dir, "out"));
    expect(contents).toEqual({
      baseName: "emqx-export-2026-11-23-12-30-01.123",
      edition: "ce",
      version: "5.8.6",
      clusterHocon: true,
      tables: ["emqx_acl", "emqx_banned", "emqx_retainer_message"],
    });
  });

  it("refuses what EMQX refuses, in EMQX's words", async () => {
    const dir = await makeTempDir();
    await expect(readExport(await exportFile(join(dir, "a"), { meta: false }), join(dir, "a", "out"))).rejects.toThrow(
      "invalid backup archive file: missing META.hocon",
    );
    await expect(
      readExport(await exportFile(join(dir, "b"), { edition: "xx" }), join(dir, "b", "out")),
    ).rejects.toThrow("wrong EMQX edition value in META.hocon");
    await expect(
      readExport(await exportFile(join(dir, "c"), { version: "five" }), join(dir, "c", "out")),
    ).rejects.toThrow("wrong EMQX version value in META.hocon");
    await expect(readExport(await exportFile(join(dir, "d"), { stray: true }), join(dir, "d", "out"))).rejects.toThrow(
      /all files in the archive must be under <backup name> directory/,
    );
  });
});

describe("emqx: which exports data import accepts (check_version/1)", () => {
  it("compares major and minor each on its own, ignoring patch and build suffix", () => {
    // [the export's version, the importing node's version]
    const accepted: [string, string][] = [
      ["5.5.1", "5.8.6"],
      ["5.8.0", "5.8.6"],
      ["5.8.9", "5.8.6"],
      ["5.7.0-g830266b4", "5.8.6"],
    ];
    // The quirk of comparing the minor alone: an older major with a higher minor (4.9.0) is refused too.
    const refused: [string, string][] = [
      ["5.8.6", "5.5.1"],
      ["6.0.0", "5.8.6"],
      ["4.9.0", "5.8.6"],
    ];
    for (const [from, into] of accepted) expect(importAllowed(from, into), `${from} into ${into}`).toBe(true);
    for (const [from, into] of refused) expect(importAllowed(from, into), `${from} into ${into}`).toBe(false);
  });

  it("reads the CLI's answers (emqx_mgmt_cli.erl data/1)", () => {
    expect(
      exportedPath(
        'Exporting data to "/opt/emqx/data/backup/emqx-export-2026-11-23-12-30-01.123.tar.gz"...\nData has been successfully exported to /opt/emqx/data/backup/emqx-export-2026-11-23-12-30-01.123.tar.gz.\n',
      ),
    ).toBe("/opt/emqx/data/backup/emqx-export-2026-11-23-12-30-01.123.tar.gz");
    expect(() => exportedPath('[error] Data export failed, reason: "boom".')).toThrow(/did not report a file/);
    expect(importOutcome('Importing data from "/x.tar.gz"...\nData has been imported successfully.\n')).toEqual({
      ok: true,
      errors: [],
    });
    expect(importOutcome("Data has been imported, but some errors occurred, see the log above.\n")).toEqual({
      ok: true,
      errors: ["Data has been imported, but some errors occurred, see the log above."],
    });
    // format_error({unsupported_version, V}) printed with ~p inside ~p: the inner quotes come back escaped.
    const refused =
      'Importing data from "/opt/emqx/data/backup/e.tar.gz"...\n[error] Data import failed, reason: "[warning] Backup version \\"5.8.6\\" is newer than EMQX version \\"5.5.1\\", import is not allowed.\\n".\n';
    const outcome = importOutcome(refused);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && NEWER_EXPORT_REFUSED.exec(outcome.reason)?.slice(1)).toEqual(["5.8.6", "5.5.1"]);
  });

  it("the preflight on an export says version, archive and retained messages before the import", async () => {
    const dir = await makeTempDir();
    const newer = await exportChecks(await exportFile(join(dir, "a")), join(dir, "a", "out"), "5.5.1");
    expect(newer.map((c) => [c.name, c.valid])).toEqual([
      ["preflight:export-archive", true],
      ["preflight:export-version", false],
      ["preflight:export-retained", true],
    ]);
    expect(newer[1]!.summary).toBe("EMQX 5.5.1 refuses an export of 5.8.6: its major or minor version is newer");
    const old = await exportChecks(
      await exportFile(join(dir, "b"), { version: "5.5.1", tables: ["emqx_acl"] }),
      join(dir, "b", "out"),
      "5.8.6",
    );
    expect(old.map((c) => c.valid)).toEqual([true, true, false]);
    expect(old[2]!.summary).toBe(
      "the export of EMQX 5.5.1 carries no retained messages (exported from 5.6.1 on): they will not be restored",
    );
    const broken = await exportChecks(
      await exportFile(join(dir, "c"), { meta: false }),
      join(dir, "c", "out"),
      "5.8.6",
    );
    expect(broken).toEqual([
      { name: "preflight:export-archive", valid: false, summary: "invalid backup archive file: missing META.hocon" },
    ]);
  });
});

describe("emqx: node name and configuration", () => {
  const mnesia = [{ name: "emqx@dr-drill-emqx", dir: true }];

  it("the preflight compares data/mnesia/<node> with the target's pinned name", () => {
    expect(emqxNodeNameCheck(mnesia, "emqx@dr-drill-emqx").valid).toBe(true);
    expect(emqxNodeNameCheck(mnesia, "emqx@172.17.0.3")).toMatchObject({
      valid: false,
      summary:
        "the backup is of node emqx@dr-drill-emqx, the restore target is emqx@172.17.0.3: it will start EMPTY beside the restored directory (pin EMQX_NODE_NAME and the hostname to emqx@dr-drill-emqx)",
    });
    expect(emqxNodeNameCheck([], "emqx@dr-drill-emqx")).toMatchObject({
      valid: false,
      summary: expect.stringMatching(/no node directory .* in data\/mnesia\//),
    });
  });

  it("configuration paths become EMQX_ variables with `__` for dots", () => {
    expect(envOf("node.name")).toBe("EMQX_NODE__NAME");
    expect(envOf("retainer.backend.storage_type")).toBe("EMQX_RETAINER__BACKEND__STORAGE_TYPE");
    expect(() => envOf("Not A Path")).toThrow(/not an EMQX configuration path/);
  });

  it("every node pins its name; durable sessions use the version's own setting", () => {
    expect(
      emqxEnvironment(emqxVersion("5.8.6"), { host: "h", retainedStorage: "disc", durableSessions: true }),
    ).toEqual({
      EMQX_NODE_NAME: "emqx@h",
      EMQX_RETAINER__BACKEND__STORAGE_TYPE: "disc",
      EMQX_DURABLE_SESSIONS__ENABLE: "true",
    });
    expect(
      emqxEnvironment(emqxVersion("5.5.1"), { host: "h", retainedStorage: "ram", durableSessions: true }),
    ).toMatchObject({ EMQX_SESSION_PERSISTENCE__ENABLE: "true", EMQX_RETAINER__BACKEND__STORAGE_TYPE: "ram" });
    expect(
      Object.keys(emqxEnvironment(emqxVersion("5.8.6"), { host: "h", retainedStorage: "ram", durableSessions: false })),
    ).toEqual(["EMQX_NODE_NAME", "EMQX_RETAINER__BACKEND__STORAGE_TYPE"]);
  });
});

describe("emqx: versions, images and scenarios", () => {
  it("the official image only, with the reason no offline image exists", () => {
    for (const v of Object.keys(EMQX_VERSIONS))
      expect(emqxImageSpec(v)).toEqual({
        engine: "emqx",
        version: v,
        official: `emqx/emqx:${v}`,
        offline: { unavailable: EMQX_UNAVAILABLE },
      });
    expect(() => emqxImageSpec("4.4.24")).toThrow(/unknown EMQX version "4.4.24"; known versions: 5.5.1, 5.8.6/);
  });

  it("a missing official image is an error that names it and says what to do (offline mode: no pull attempted)", async () => {
    const resolver = new ImageResolver("offline", () => undefined);
    // An image name no machine has, so the test does not depend on whether emqx/emqx was pulled here.
    const spec = { ...emqxImageSpec("5.8.6"), official: "dr-drill-test/never-pulled:5.8.6" };
    const err = await resolver.resolve(spec).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageUnavailableError);
    expect((err as Error).message).toMatch(
      /emqx 5.8.6 needs the official image dr-drill-test\/never-pulled:5.8.6, which is not present.*EMQX publishes no Debian package.*docker pull dr-drill-test\/never-pulled:5.8.6/,
    );
  });

  it("data export exists from 5.1, retained messages are in it from 5.6.1", () => {
    expect(new EmqxEngine("5.5.1", { method: "data-export" }).records.consistency).toBe("per-key");
    expect(new EmqxEngine("5.8.6").records.consistency).toBe("point-in-time");
    expect(EMQX_VERSIONS["5.5.1"]!.retainedInExport).toBe(false);
    expect(EMQX_VERSIONS["5.8.6"]!.retainedInExport).toBe(true);
  });

  it("file-copy stops the node, copies it and starts it again; data-export runs on the serving node", () => {
    expect(new EmqxEngine("5.8.6").backupMode).toBe("stop-copy-start");
    expect(new EmqxEngine("5.8.6", { method: "data-export" }).backupMode).toBe("online");
  });

  it("its universe speaks MQTT 3.1.1 and 5 and reads retained messages with #", () => {
    expect(new Set(EMQX_UNIVERSE.sessions.map((s) => s.protocol))).toEqual(new Set([4, 5]));
    expect(EMQX_MQTT.retainedReadBack).toBe("wildcard");
  });

  it("each scenario states what it expects, the findings included", () => {
    const req = { version: "5.8.6", method: "file-copy", restoreInto: null };
    expect(Object.fromEntries(EMQX_SCENARIOS.map((s) => [s.name, s.expects(req)]))).toEqual({
      clean: "pass",
      load: "pass",
      "retained-in-ram": "detects (by ledger-oracle)",
      "another-node-name": "detects (by preflight:node-name, invariant:not-empty, ledger-oracle)",
      "export-import": "detects (by ledger-oracle)",
      "newer-export": "refuses (/is newer than EMQX version .*, import is not allowed/)",
    });
  });

  it("data import makes data/backup as uid 1000 before the export is copied in, then imports it from there", async () => {
    const calls: string[] = [];
    const node: ImportTarget = {
      exec: async (command, opts) => {
        calls.push(`exec ${opts?.user ?? "(image user)"}: ${command.join(" ")}`);
        return { exitCode: 0, output: command[0] === "emqx" ? "Data has been imported successfully.\n" : "" };
      },
      copyFileIn: async (host, target) => void calls.push(`copy ${host} -> ${target}`),
    };
    const done = await importExport(node, "/art/export/emqx-export-2026-11-23-12-30-01.123.tar.gz");
    expect(calls).toEqual([
      "exec 1000:1000: mkdir -p /opt/emqx/data/backup",
      "copy /art/export/emqx-export-2026-11-23-12-30-01.123.tar.gz -> /opt/emqx/data/backup/emqx-export-2026-11-23-12-30-01.123.tar.gz",
      "exec (image user): emqx ctl data import /opt/emqx/data/backup/emqx-export-2026-11-23-12-30-01.123.tar.gz",
    ]);
    expect(done.attempt.ok).toBe(true);
    expect(BACKUP_DIR_COMMAND.user).toBe("1000:1000");
  });

  it("a backup/ that cannot be made is dr-drill's error, never EMQX refusing the export", async () => {
    const node: ImportTarget = {
      exec: async () => ({ exitCode: 1, output: "mkdir: cannot create directory: Permission denied" }),
      copyFileIn: async () => undefined,
    };
    await expect(importExport(node, "/art/x.tar.gz")).rejects.toThrow(
      /mkdir -p \/opt\/emqx\/data\/backup as 1000:1000 failed/,
    );
  });

  it("readiness waits for the MQTT listener on 1883 as well as 'is started'", () => {
    expect(READY_PROBE.slice(0, 2)).toEqual(["bash", "-c"]);
    expect(READY_PROBE[2]).toBe("emqx ctl status | grep -q 'is started' && exec 3<>/dev/tcp/127.0.0.1/1883");
  });

  it("list says why EMQX 4.x and the package layout are not drilled", () => {
    expect(ENTRIES[0]!.notDrilled).toEqual([
      expect.stringMatching(/^EMQX 4\.x \(emqx\/emqx:4\.4\.19\): its data export is a JSON file.*RAM only/),
      expect.stringMatching(/^the DEB\/RPM layout \(\/etc\/emqx, \/var\/lib\/emqx\)/),
    ]);
  });
});
