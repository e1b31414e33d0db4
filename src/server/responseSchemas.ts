// Response schemas say which properties the handler always sends: `required` on every object, so the
// generated clients (src/api/openapi.ts) type them as present. fastify's serializer throws on a required
// property the handler leaves out, so a property a handler may omit is named as optional.

type Schema = Record<string, unknown>;

function withRequired(schema: unknown, optional: ReadonlySet<string>): unknown {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return schema;
  const copy: Schema = { ...(schema as Schema) };
  const properties = copy.properties as Schema | undefined;
  if (properties !== undefined) {
    copy.properties = Object.fromEntries(
      Object.entries(properties).map(([key, value]) => [key, withRequired(value, optional)]),
    );
    if (copy.required === undefined) {
      copy.required = Object.keys(properties).filter((key) => !optional.has(key));
    }
  }
  if (copy.items !== undefined) copy.items = withRequired(copy.items, optional);
  if (typeof copy.additionalProperties === "object") {
    copy.additionalProperties = withRequired(copy.additionalProperties, optional);
  }
  return copy;
}

/**
 * `schema` with `required` added to each of its objects (nested ones and array items too) that has
 * none: every listed property but those named in `optional` (at any depth). A schema that states its
 * own `required` keeps it.
 */
export function sent<const T>(schema: T, optional: readonly string[] = []): T {
  return withRequired(schema, new Set(optional)) as T;
}
