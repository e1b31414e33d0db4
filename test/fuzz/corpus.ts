import fc from "fast-check";

/**
 * The hostile-input corpus of the fuzz tests: hand-made cases (each a known way to break a parser, a
 * query or a database) and cases fast-check generates from a fixed seed, so every run sends the same
 * inputs and a failure can be replayed.
 */
export const fuzzSeed = 20_260_309;

/** Text that must never reach a handler, the database or the chain unrefused (or must be harmless there). */
export const hostileTexts: string[] = [
  "",
  " ",
  "a\u0000b",
  "\u0000",
  "\u0007bell",
  "\u001b[2Jclear",
  "line\nbreak",
  "cr\rreturn",
  "\u007f",
  "\u0085next-line",
  "\ud800",
  "lone low \udc00",
  "\udbff\udfff ok pair",
  "%",
  "_",
  "%_%",
  "\\",
  "' or '1'='1",
  "'; drop table regions; --",
  "../../../../etc/passwd",
  "..\\..\\windows",
  "%2e%2e%2f",
  "<script>alert(1)</script>",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j-style lookup, sent as text on purpose
  "${jndi:ldap://x}",
  "__proto__",
  "constructor",
  "\u202egnp.exe",
  "广东省",
  "🙂",
  "x".repeat(300),
  "y".repeat(5000),
];

/** Numbers at and past every boundary a parameter may have, as they appear in a query string. */
export const boundaryNumbers: string[] = [
  "0",
  "-0",
  "-1",
  "1",
  "1.5",
  "9007199254740991",
  "9007199254740992",
  "9007199254740993",
  "18446744073709551615",
  "18446744073709551616",
  "1e300",
  "-1e20",
  "1e-300",
  "NaN",
  "Infinity",
  "-Infinity",
  "0x10",
  "1e3",
  "abc",
  "",
  "  7  ",
  "2147483648",
  "-9223372036854775808",
  "99999999999999999999999999999",
];

/** JSON values of every type at a boundary, for body fields. */
export const hostileValues: unknown[] = [
  null,
  true,
  0,
  -1,
  2 ** 53,
  2 ** 64,
  1e300,
  -1e20,
  0.5,
  "NaN",
  "",
  "a\u0000b",
  "\ud800",
  "x".repeat(70_000),
  [],
  [null],
  {},
  JSON.parse('{"__proto__":{"polluted":true}}'),
  Array.from({ length: 200 }, (_, i) => i),
];

const nest = (depth: number, open = "[", close = "]") => `${open.repeat(depth)}${close.repeat(depth)}`;

/** Raw bodies: malformed, deeply nested, poisoned, huge, or valid JSON of the wrong shape. */
export const hostileBodies: string[] = [
  "",
  " ",
  "{",
  "}",
  "[",
  '{"a":}',
  "{'single':'quotes'}",
  '{"a":1,}',
  "nul\u0000",
  "\ufeff{}",
  "null",
  "true",
  "0",
  "-1e400",
  '"string"',
  "[]",
  "{}",
  "[{}]",
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"a\\u0000":1}',
  '{"a":1e999999}',
  '{"a":123456789012345678901234567890}',
  nest(33),
  nest(1000),
  `{"a":${nest(200, '{"b":', "}")}1}`,
  nest(100_000),
  `{"a":"${"x".repeat(70 * 1024)}"}`,
  `[${Array.from({ length: 20_000 }, () => "0").join(",")}]`,
  JSON.stringify({ a: "b".repeat(10) }).repeat(3),
];

/** Content types a client may claim; only application/json is taken. */
export const hostileContentTypes: string[] = [
  "text/plain",
  "application/xml",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/json; charset=utf-16",
  "application/octet-stream",
  "application/jsonx",
  "",
];

/** A route of the OpenAPI document: method and path template (`/v1/devices/{deviceId}`). */
export type Route = { method: string; path: string; query: string[]; body: string[] };

/** The routes of an OpenAPI 3 document (as `/openapi.json` serves it), with their query and body fields. */
export function routesOf(openapi: {
  paths: Record<
    string,
    Record<string, { parameters?: { in: string; name: string }[]; requestBody?: unknown }>
  >;
}): Route[] {
  const routes: Route[] = [];
  for (const [path, operations] of Object.entries(openapi.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      const query = (operation.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
      const schema = (
        operation.requestBody as
          | { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> }
          | undefined
      )?.content?.["application/json"]?.schema;
      routes.push({ method: method.toUpperCase(), path, query, body: Object.keys(schema?.properties ?? {}) });
    }
  }
  return routes;
}

/** One HTTP request of the corpus. */
export type HttpCase = {
  name: string;
  method: string;
  url: string;
  body?: string | undefined;
  contentType?: string | undefined;
};

/**
 * Percent-encodes any string, lone surrogates included: `encodeURIComponent` refuses them, so they go
 * as the three bytes UTF-8 would give them (WTF-8), which are not valid UTF-8: a hostile client can send them.
 */
export function encodeAny(text: string): string {
  return text.replace(
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[^\ud800-\udfff]+|[\ud800-\udbff][\udc00-\udfff]/g,
    (part) => {
      const c = part.charCodeAt(0);
      if (part.length !== 1 || c < 0xd800 || c > 0xdfff) return encodeURIComponent(part);
      return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join("");
    },
  );
}

const fill = (path: string, value: string) => path.replace(/\{[^}]+\}/g, () => encodeAny(value));
const sample = <T>(arbitrary: fc.Arbitrary<T>, count: number, offset = 0) =>
  fc.sample(arbitrary, { seed: fuzzSeed + offset, numRuns: count });
const pick = <T>(items: readonly T[], i: number) => items[i % items.length] as T;

/**
 * The HTTP corpus for `routes`: for each route, hostile path parameters, hostile values in every query
 * parameter, hostile raw bodies and wrongly typed fields for writes, unknown content types; plus
 * fast-check's arbitrary JSON bodies and arbitrary (binary) text in query strings.
 */
export function httpCorpus(routes: Route[]): HttpCase[] {
  const cases: HttpCase[] = [];
  const validish = (path: string) => fill(path, "ab".repeat(32));
  for (const [r, route] of routes.entries()) {
    const { method, path } = route;
    if (path.includes("{")) {
      for (const value of [...hostileTexts.slice(0, 24), ...boundaryNumbers.slice(8, 16)]) {
        cases.push({
          name: `${method} ${path} with path ${JSON.stringify(value).slice(0, 40)}`,
          method,
          url: fill(path, value),
        });
      }
      cases.push({
        name: `${method} ${path} traversal`,
        method,
        url: path.replace(/\{[^}]+\}/g, "..%2F..%2Fetc%2Fpasswd"),
      });
    }
    for (const [q, name] of route.query.entries()) {
      const values = [...boundaryNumbers, ...hostileTexts.slice(2, 14)];
      for (let i = 0; i < 8; i++) {
        const value = pick(values, r * 7 + q * 3 + i * 5);
        cases.push({
          name: `${method} ${path}?${name}=${JSON.stringify(value).slice(0, 30)}`,
          method,
          url: `${validish(path)}?${name}=${encodeAny(value)}`,
        });
      }
      cases.push({
        name: `${method} ${path}?${name} twice`,
        method,
        url: `${validish(path)}?${name}=1&${name}=2`,
      });
    }
    if (method === "GET" || method === "DELETE") continue;
    for (const body of hostileBodies) {
      cases.push({
        name: `${method} ${path} body ${JSON.stringify(body.slice(0, 30))}`,
        method,
        url: validish(path),
        body,
      });
    }
    for (const [f, field] of route.body.entries()) {
      for (let i = 0; i < 4; i++) {
        const value = pick(hostileValues, r + f * 5 + i * 3);
        cases.push({
          name: `${method} ${path} body.${field}=${JSON.stringify(value)?.slice(0, 30)}`,
          method,
          url: validish(path),
          body: JSON.stringify({ [field]: value }),
        });
      }
    }
    for (const contentType of hostileContentTypes) {
      cases.push({
        name: `${method} ${path} as ${contentType}`,
        method,
        url: validish(path),
        body: "{}",
        contentType,
      });
    }
    for (const [i, value] of sample(fc.jsonValue({ maxDepth: 4 }), 6, r).entries()) {
      cases.push({
        name: `${method} ${path} arbitrary JSON #${i}`,
        method,
        url: validish(path),
        body: JSON.stringify(value),
      });
    }
  }
  const gets = routes.filter((route) => route.method === "GET" && route.query.length > 0);
  for (const [i, text] of sample(fc.string({ unit: "binary", maxLength: 24 }), 60, 1).entries()) {
    const route = pick(gets, i);
    const name = pick(route.query, i);
    cases.push({
      name: `GET ${route.path}?${name}= arbitrary text #${i}`,
      method: "GET",
      url: `${validish(route.path)}?${name}=${encodeAny(text)}`,
    });
  }
  return cases;
}

/** One JSON-RPC request of the corpus: a raw body and the content type it is sent with. */
export type RpcCase = { name: string; body: string; contentType?: string; method?: string };

const rpc = (method: unknown, params?: unknown, id: unknown = 1) =>
  JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) });

/**
 * The JSON-RPC corpus: garbage, batches, wrong types, huge numbers, unknown methods, `evm_*` with
 * malformed arguments (never valid ones: a fuzz test must not move the chain's clock), wrong content
 * types and methods, and fast-check's arbitrary JSON as request bodies.
 */
export function jsonRpcCorpus(): RpcCase[] {
  const cases: RpcCase[] = [];
  for (const body of hostileBodies)
    cases.push({ name: `raw body ${JSON.stringify(body.slice(0, 30))}`, body });
  const huge = [
    "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "0x",
    "0x0x1",
    "-0x1",
    "1e300",
  ];
  const readMethods = [
    "eth_getBlockByNumber",
    "eth_getBlockByHash",
    "eth_getTransactionByHash",
    "eth_getTransactionReceipt",
    "eth_getBalance",
    "eth_getCode",
    "eth_getStorageAt",
    "eth_getTransactionCount",
    "eth_call",
    "eth_estimateGas",
    "eth_getLogs",
    "eth_feeHistory",
    "eth_sendRawTransaction",
  ];
  for (const method of readMethods) {
    for (const params of [
      undefined,
      null,
      "not-an-array",
      {},
      [],
      [null, null, null],
      [huge[0], false],
      [huge[1], true],
      [{ from: huge[0], to: "0x1", data: "0xzz", gas: huge[4] }, "latest"],
      [{ fromBlock: "0x0", toBlock: huge[0], address: ["a\u0000"] }],
      [`0x${"ab".repeat(200_000)}`],
    ]) {
      cases.push({ name: `${method} ${JSON.stringify(params)?.slice(0, 40)}`, body: rpc(method, params) });
    }
  }
  for (const method of [
    "nope",
    "",
    "eth_",
    "admin_addPeer",
    "debug_traceTransaction",
    "personal_unlockAccount",
    "__proto__",
    "constructor",
    "a\u0000b",
    "x".repeat(10_000),
  ]) {
    cases.push({ name: `unknown method ${JSON.stringify(method.slice(0, 20))}`, body: rpc(method, []) });
  }
  for (const [method, params] of [
    ["evm_increaseTime", ["abc"]],
    ["evm_increaseTime", [{}]],
    ["evm_increaseTime", [null]],
    ["evm_increaseTime", [1.5]],
    ["evm_increaseTime", "x"],
    ["evm_mine", ["zz"]],
    ["evm_mine", [{}]],
    ["evm_snapshot", "not-params"],
    ["evm_revert", [{}]],
  ] as const) {
    cases.push({ name: `${method} ${JSON.stringify(params)}`, body: rpc(method, params) });
  }
  for (const [name, body] of [
    ["no jsonrpc field", JSON.stringify({ id: 1, method: "eth_chainId" })],
    ["wrong version", JSON.stringify({ jsonrpc: "1.0", id: 1, method: "eth_chainId" })],
    ["method a number", rpc(42)],
    ["method an object", rpc({ a: 1 })],
    ["id an object", rpc("eth_chainId", [], { a: 1 })],
    ["id huge", rpc("eth_chainId", [], 1e300)],
    ["notification", JSON.stringify({ jsonrpc: "2.0", method: "eth_chainId" })],
    ["empty batch", "[]"],
    ["batch of garbage", "[1,2,3]"],
    ["batch of nulls", "[null,null]"],
    ["nested batch", `[${rpc("eth_chainId")},[${rpc("eth_chainId")}]]`],
    ["batch of 1,000", `[${Array.from({ length: 1_000 }, (_, i) => rpc("eth_chainId", [], i)).join(",")}]`],
    ["batch mixing good and bad", `[${rpc("eth_blockNumber")},${rpc("nope")},{"jsonrpc":"2.0"}]`],
  ] as const) {
    cases.push({ name, body });
  }
  for (const contentType of hostileContentTypes) {
    cases.push({ name: `eth_chainId as ${contentType}`, body: rpc("eth_chainId"), contentType });
    cases.push({
      name: `evm_increaseTime("abc") as ${contentType}`,
      body: rpc("evm_increaseTime", ["abc"]),
      contentType,
    });
  }
  for (const method of ["GET", "PUT", "DELETE", "OPTIONS", "PATCH"]) {
    cases.push({ name: `HTTP ${method}`, body: method === "GET" ? "" : rpc("eth_chainId"), method });
  }
  for (const [i, value] of sample(fc.jsonValue({ maxDepth: 4 }), 40, 2).entries()) {
    cases.push({ name: `arbitrary JSON #${i}`, body: JSON.stringify(value) });
  }
  const methods = fc.constantFrom(...readMethods, "eth_chainId", "eth_blockNumber", "net_version");
  for (const [i, [method, params]] of sample(
    fc.tuple(methods, fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 })),
    40,
    3,
  ).entries()) {
    cases.push({ name: `${method} with arbitrary params #${i}`, body: rpc(method, params) });
  }
  return cases;
}
