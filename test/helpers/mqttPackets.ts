/** Raw MQTT 3.1.1 packets, for tests that must send what mqtt.js would not. */

function u16(n: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(n);
  return buffer;
}

/** The "remaining length" of a fixed header (MQTT 3.1.1 §2.2.3). */
export function varint(n: number): Buffer {
  const bytes: number[] = [];
  let rest = n;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return Buffer.from(bytes);
}

/** A CONNECT (clean session, username and password, keep-alive 60 s). */
export function connectPacket(clientId: string, username: string, password: string): Buffer {
  const str = (text: string) => Buffer.concat([u16(Buffer.byteLength(text)), Buffer.from(text)]);
  const body = Buffer.concat([
    str("MQTT"),
    Buffer.of(4, 0xc2),
    u16(60),
    str(clientId),
    str(username),
    str(password),
  ]);
  return Buffer.concat([Buffer.of(0x10), varint(body.length), body]);
}

/** The start of a QoS 0 PUBLISH announcing a payload of `payloadLength` bytes (the payload itself not included). */
export function publishHeader(topic: string, payloadLength: number): Buffer {
  return Buffer.concat([
    Buffer.of(0x30),
    varint(2 + Buffer.byteLength(topic) + payloadLength),
    u16(Buffer.byteLength(topic)),
    Buffer.from(topic),
  ]);
}
