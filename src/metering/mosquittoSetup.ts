import { pbkdf2Sync, randomBytes } from "node:crypto";
import { acksTopicPrefix, nodeUsername, readingsTopicPrefix } from "./mqttAuth.js";

/** Iterations and salt length `mosquitto_passwd` (Mosquitto 2.x) uses for its PBKDF2-SHA512 `$7$` hashes. */
const pbkdf2Iterations = 101;
const saltBytes = 12;

/**
 * One line of a Mosquitto 2.x password file: `user:$7$101$<salt>$<hash>`, PBKDF2-HMAC-SHA512 with
 * 101 iterations, a 12-byte salt and a 64-byte hash, both base64 — what `mosquitto_passwd -b` writes.
 */
export function mosquittoPasswordLine(user: string, password: string, salt = randomBytes(saltBytes)): string {
  const hash = pbkdf2Sync(password, salt, pbkdf2Iterations, 64, "sha512");
  return `${user}:$7$${pbkdf2Iterations}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/** A random password for a device or the node: 24 bytes, base64url (no characters a shell or URL mangles). */
export function newBrokerPassword(): string {
  return randomBytes(24).toString("base64url");
}

/**
 * The Mosquitto ACL file enforcing GridLedger's topic rules with patterns on the username (`%u`):
 * a device (username = its id in hex) writes only its readings topic and reads only its acks topic;
 * the node (`gridledger-node`) reads every readings topic and writes every acks topic.
 */
export function mosquittoAcl(): string {
  return [
    "# GridLedger topic rules (written by `gridledger mqtt acl`). Usernames are device ids in hex.",
    "# A device writes only its readings topic and reads only its acks topic.",
    `pattern write ${readingsTopicPrefix}%u`,
    `pattern read ${acksTopicPrefix}%u`,
    "",
    "# The node reads every device's readings and writes every device's acks.",
    `user ${nodeUsername}`,
    `topic read ${readingsTopicPrefix}+`,
    `topic write ${acksTopicPrefix}+`,
    "",
  ].join("\n");
}

/**
 * A mosquitto.conf snippet for the files in `dir`: no anonymous clients, the password and ACL files,
 * the client id forced to the username (so nobody takes over the node's session or a device's),
 * and the payload limit.
 */
export function mosquittoConf(options: { dir: string; port: number; maxPayloadBytes: number }): string {
  return [
    "# GridLedger (written by `gridledger mqtt acl`); add TLS (certfile, keyfile) for mqtts://.",
    "per_listener_settings false",
    `listener ${options.port}`,
    "allow_anonymous false",
    `password_file ${options.dir}/passwd`,
    `acl_file ${options.dir}/acl`,
    "# A client's id is its username: nobody can use the node's or another device's session.",
    "use_username_as_clientid true",
    `message_size_limit ${options.maxPayloadBytes}`,
    "",
  ].join("\n");
}

/** Reads a Mosquitto password file into user → line (blank and comment lines dropped). */
export function parsePasswordFile(text: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const colon = trimmed.indexOf(":");
    if (colon > 0) users.set(trimmed.slice(0, colon), trimmed);
  }
  return users;
}
