/**
 * Conformance fixture for SEP-1613 (MCP 2025-11-25: JSON Schema 2020-12 is the default dialect):
 * a tool whose listed inputSchema declares `$schema` 2020-12 and uses `$defs` and
 * `additionalProperties`, which a server must list as written.
 *
 * The SDK's McpServer takes zod schemas and lists them converted to JSON Schema; zod copies a
 * schema's metadata into that output, so the 2020-12 keywords are declared as metadata on the zod
 * schema that also validates the arguments. The `$defs` entry is the zod schema of the address,
 * converted once, so the listed schema and the validation cannot drift apart.
 * @module
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod/v4';

const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

const address = z.object({ street: z.string(), city: z.string() }).partial();

/** `address` as a 2020-12 schema, without its own `$schema` (it sits inside the tool's). */
function addressDefinition(): Record<string, unknown> {
  const { $schema: _dialect, ...definition } = z.toJSONSchema(address, { target: 'draft-2020-12' });
  return definition;
}

/** Registers `json_schema_2020_12_tool`, which echoes its arguments. */
export function registerJsonSchemaTool(server: McpServer): void {
  const inputSchema = z
    .strictObject({
      name: z.string().optional(),
      address: address.optional().meta({ $ref: '#/$defs/address' }),
    })
    .meta({ $schema: DIALECT, $defs: { address: addressDefinition() } });
  server.registerTool(
    'json_schema_2020_12_tool',
    { description: 'Tool with JSON Schema 2020-12 features', inputSchema },
    (args) => ({ content: [{ type: 'text', text: JSON.stringify(args) }] }),
  );
}
