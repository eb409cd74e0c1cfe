import { createCipheriv, createDecipheriv, createHash } from "node:crypto";
import { bytesOf } from "./model.ts";

/**
 * The wallet add-on keeps private keys encrypted with the platform's codec key (`gatein/conf/codec/codeckey.txt`);
 * when that file is lost the platform silently makes a new one at start (GateIn's CodecInitializer / TokenServiceInitializer
 * create it when missing), and every stored key becomes unreadable: the guide's warning (docs/engines/exo.md). Here
 * the key is 16 bytes in hex (eXo serialises a Java AES key) and each wallet key is AES-128-GCM sealed, so a wrong or
 * missing codec is detected, not guessed.
 */
export function codecKey(seed: number): Buffer {
  return bytesOf(seed, 16, "codec");
}

export const fingerprint = (key: Buffer) => createHash("sha256").update(key).digest("hex").slice(0, 16);

export function sealPrivateKey(codec: Buffer, privateKey: string, nonceSource: string): string {
  const iv = createHash("sha256").update(nonceSource).digest().subarray(0, 12);
  const cipher = createCipheriv("aes-128-gcm", codec, iv);
  const sealed = Buffer.concat([cipher.update(privateKey, "utf8"), cipher.final()]);
  return [
    "v1",
    fingerprint(codec),
    iv.toString("base64"),
    cipher.getAuthTag().toString("base64"),
    sealed.toString("base64"),
  ].join(":");
}

/** The private key, or why it cannot be read with this codec. */
export function openPrivateKey(codec: Buffer | undefined, content: string): { key: string } | { error: string } {
  if (!codec) return { error: "no codec key" };
  const [version, print, iv, tag, sealed] = content.split(":");
  if (version !== "v1" || !iv || !tag || !sealed) return { error: "not a sealed key" };
  if (print !== fingerprint(codec))
    return { error: `sealed with codec ${print}, the codec folder holds ${fingerprint(codec)}` };
  try {
    const decipher = createDecipheriv("aes-128-gcm", codec, Buffer.from(iv, "base64"));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    return { key: Buffer.concat([decipher.update(Buffer.from(sealed, "base64")), decipher.final()]).toString("utf8") };
  } catch (err) {
    return { error: `does not open: ${(err as Error).message}` };
  }
}
