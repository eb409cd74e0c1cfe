// TypeScript declarations from a JSON Schema: the types `dr-drill/config` publishes, printed from the zod config
// schema's JSON Schema so that a user's editor shows plain interfaces with their docs. It prints the subset the
// schemas use (objects, records, arrays, unions, enums, constants, $refs to $defs); anything else is an error here.

import type { z } from "zod";

type JsonSchema = z.core.JSONSchema._JSONSchema;

const SCALARS: Record<string, string> = {
  string: "string",
  integer: "number",
  number: "number",
  boolean: "boolean",
  null: "null",
};

function typeOf(schema: JsonSchema, indent: string): string {
  if (typeof schema === "boolean") return schema ? "unknown" : "never";
  if (schema.$ref) return schema.$ref.replace(/^#\/\$defs\//, "");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return union.map((s) => typeOf(s, indent)).join(" | ");
  if (Array.isArray(schema.type)) return schema.type.map((t) => typeOf({ type: t }, indent)).join(" | ");
  if (schema.type === "array" && schema.items && !Array.isArray(schema.items)) {
    const item = typeOf(schema.items, indent);
    return item.includes(" | ") ? `(${item})[]` : `${item}[]`;
  }
  if (schema.type === "object" && schema.properties) return `{\n${members(schema, `${indent}  `)}${indent}}`;
  if (schema.type === "object" && typeof schema.additionalProperties === "object")
    return `Record<string, ${typeOf(schema.additionalProperties, indent)}>`;
  if (typeof schema.type === "string" && schema.type in SCALARS) return SCALARS[schema.type]!;
  throw new Error(`no TypeScript printed for the schema ${JSON.stringify(schema)}`);
}

function members(schema: z.core.JSONSchema.JSONSchema, indent: string): string {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {})
    .map(([key, property]) => {
      const doc =
        typeof property === "object" && property.description ? `${indent}/** ${property.description} */\n` : "";
      const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
      return `${doc}${indent}${name}${required.has(key) ? "" : "?"}: ${typeOf(property, indent)};\n`;
    })
    .join("");
}

/** One `export interface` per object definition of the schema (each zod schema with a `.meta({ id })`), a type for others. */
export function interfacesOf(schema: z.core.JSONSchema.JSONSchema): string {
  return Object.entries(schema.$defs ?? {})
    .map(([name, definition]) => {
      if (typeof definition === "boolean") throw new Error(`${name}: a definition that is not an object`);
      const doc = definition.description ? `/** ${definition.description} */\n` : "";
      if (definition.type !== "object") return `${doc}export type ${name} = ${typeOf(definition, "")};\n`;
      return `${doc}export interface ${name} {\n${members(definition, "  ")}}\n`;
    })
    .join("\n");
}
