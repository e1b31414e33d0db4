import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { BaseError } from "../core/errors.js";
import type { Database, Queryable } from "../db/database.js";

/** An owner's profile: the only personal data the node keeps, encrypted at rest. */
export type Profile = { name: string; postalAddress: string; contact: string; meterLocation: string };

const fields = ["name", "postalAddress", "contact", "meterLocation"] as const;
const maxFieldLength = 500;

/** Checks a profile body: the four fields as text (name 1–500 characters, the others 0–500), nothing else. */
export function parseProfile(body: unknown): Profile {
  const invalid = (message: string, details: Record<string, unknown> = {}) =>
    new BaseError("PROFILE_INVALID", message, { details });
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalid("a profile is an object {name, postalAddress, contact, meterLocation}");
  }
  const extra = Object.keys(body).filter((key) => !(fields as readonly string[]).includes(key));
  if (extra.length) {
    throw invalid(`a profile holds only ${fields.join(", ")}; not ${extra.join(", ")}`, { fields: extra });
  }
  const profile = {} as Profile;
  for (const field of fields) {
    const value = (body as Record<string, unknown>)[field] ?? "";
    if (typeof value !== "string" || value.length > maxFieldLength) {
      throw invalid(`${field} must be text of at most ${maxFieldLength} characters`, { field });
    }
    profile[field] = value.trim();
  }
  if (profile.name === "") throw invalid("name must not be empty", { field: "name" });
  return profile;
}

/** AES-256-GCM with a fresh 96-bit IV; `aad` binds the ciphertext to its subject (NIST SP 800-38D). */
export function seal(
  key: Buffer,
  plaintext: Buffer,
  aad: string,
): { ciphertext: Buffer; iv: Buffer; tag: Buffer } {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, iv, tag: cipher.getAuthTag() };
}

/** Opens what {@link seal} sealed; `PROFILE_KEY_MISMATCH` when the key, subject or bytes do not match. */
export function open(
  key: Buffer,
  sealed: { ciphertext: Buffer; iv: Buffer; tag: Buffer },
  aad: string,
): Buffer {
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, sealed.iv);
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch (error) {
    throw new BaseError(
      "PROFILE_KEY_MISMATCH",
      "a stored profile does not open with this node's master key (GRIDLEDGER_MASTER_KEY or <data-dir>/master.key changed?)",
      { cause: error },
    );
  }
}

/** A data key wrapped by the master key: iv (12) ‖ ciphertext (32) ‖ tag (16), AES-256-GCM. */
export function wrapKey(masterKey: Buffer, dataKey: Buffer, subject: string): Buffer {
  const { ciphertext, iv, tag } = seal(masterKey, dataKey, `subject-key:${subject}`);
  return Buffer.concat([iv, ciphertext, tag]);
}

export function unwrapKey(masterKey: Buffer, wrapped: Buffer, subject: string): Buffer {
  return open(
    masterKey,
    {
      iv: wrapped.subarray(0, 12),
      ciphertext: wrapped.subarray(12, wrapped.length - 16),
      tag: wrapped.subarray(-16),
    },
    `subject-key:${subject}`,
  );
}

function subjectOf(address: string): string {
  const subject = address.toLowerCase();
  if (!/^0x[0-9a-f]{40}$/.test(subject)) {
    throw new BaseError(
      "PROFILE_INVALID",
      `a profile's subject is an address (0x + 40 hex), got "${address}"`,
      {
        details: { subject: address },
      },
    );
  }
  return subject;
}

const notFound = (subject: string) =>
  new BaseError("PROFILE_NOT_FOUND", `no profile for ${subject}`, { details: { subject } });

type KeyRow = { wrapped_key: Uint8Array | null; erased_at: Date | null };

/**
 * Owner profiles encrypted at rest (AES-256-GCM) with one random 256-bit data key per subject, wrapped
 * by the master key (src/auth/masterKey.ts). `erase` destroys the wrapped key and the ciphertext
 * (crypto-shredding): the profile cannot be read again, even from a backup of the database, once the
 * key is gone; readings, anchors and proofs do not depend on it. A later `put` starts a new key.
 */
export function createProfileStore(db: Database, masterKey: Buffer) {
  async function keyRow(q: Queryable, subject: string, lock = false): Promise<KeyRow | undefined> {
    const { rows } = await q.query<KeyRow>(
      `select wrapped_key, erased_at from subject_keys where subject = $1${lock ? " for update" : ""}`,
      [subject],
    );
    return rows[0];
  }
  return {
    async put(address: string, input: unknown): Promise<Profile> {
      const subject = subjectOf(address);
      const profile = parseProfile(input);
      await db.transaction(async (tx) => {
        const row = await keyRow(tx, subject, true);
        let dataKey: Buffer;
        if (row?.wrapped_key) dataKey = unwrapKey(masterKey, Buffer.from(row.wrapped_key), subject);
        else {
          dataKey = randomBytes(32);
          await tx.query(
            `insert into subject_keys (subject, wrapped_key) values ($1, $2)
             on conflict (subject) do update set wrapped_key = excluded.wrapped_key, created_at = now(), erased_at = null`,
            [subject, wrapKey(masterKey, dataKey, subject)],
          );
        }
        const sealed = seal(dataKey, Buffer.from(JSON.stringify(profile), "utf8"), `profile:${subject}`);
        await tx.query(
          `insert into profiles (subject, ciphertext, iv, tag, updated_at) values ($1, $2, $3, $4, now())
           on conflict (subject) do update set ciphertext = excluded.ciphertext, iv = excluded.iv,
             tag = excluded.tag, updated_at = now()`,
          [subject, sealed.ciphertext, sealed.iv, sealed.tag],
        );
      });
      return profile;
    },

    /** The decrypted profile; `PROFILE_ERASED` after erasure, `PROFILE_NOT_FOUND` when none was written. */
    async get(address: string): Promise<Profile & { updatedAt: string }> {
      const subject = subjectOf(address);
      const { rows } = await db.query<
        KeyRow & { ciphertext: Uint8Array | null; iv: Uint8Array; tag: Uint8Array; updated_at: Date }
      >(
        `select k.wrapped_key, k.erased_at, p.ciphertext, p.iv, p.tag, p.updated_at
           from subject_keys k left join profiles p on p.subject = k.subject where k.subject = $1`,
        [subject],
      );
      const row = rows[0];
      if (row?.erased_at) {
        throw new BaseError("PROFILE_ERASED", `the profile of ${subject} was erased`, {
          details: { subject, erasedAt: row.erased_at.toISOString() },
        });
      }
      if (!row?.wrapped_key || !row.ciphertext) throw notFound(subject);
      const dataKey = unwrapKey(masterKey, Buffer.from(row.wrapped_key), subject);
      const plain = open(
        dataKey,
        { ciphertext: Buffer.from(row.ciphertext), iv: Buffer.from(row.iv), tag: Buffer.from(row.tag) },
        `profile:${subject}`,
      );
      return { ...(JSON.parse(plain.toString("utf8")) as Profile), updatedAt: row.updated_at.toISOString() };
    },

    /** Erasure: deletes the ciphertext and destroys the subject's wrapped key (idempotent). */
    async erase(address: string): Promise<{ erased: true; erasedAt: string }> {
      const subject = subjectOf(address);
      return db.transaction(async (tx) => {
        await tx.query("delete from profiles where subject = $1", [subject]);
        const { rows } = await tx.query<{ erased_at: Date }>(
          `insert into subject_keys (subject, wrapped_key, erased_at) values ($1, null, now())
           on conflict (subject) do update set wrapped_key = null,
             erased_at = coalesce(subject_keys.erased_at, now())
           returning erased_at`,
          [subject],
        );
        return { erased: true as const, erasedAt: rows[0]!.erased_at.toISOString() };
      });
    },
  };
}

export type ProfileStore = ReturnType<typeof createProfileStore>;
