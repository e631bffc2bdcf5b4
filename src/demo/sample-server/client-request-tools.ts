/**
 * Conformance fixture tools that ask the *client* something while they run: LLM sampling
 * (MCP 2025-06-18, client/sampling) and user input (client/elicitation, with the SEP-1034 default
 * values and SEP-1330 enum forms of 2025-11-25). The request goes out on the call's SSE stream and
 * the client POSTs its answer back, so these need a session: in stateless mode the answer would
 * reach a fresh server that never asked. A client without the capability gets a tool error (the
 * SDK refuses to send the request).
 * @module
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ElicitRequestFormParams } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod/v4';
import type { ToolExtra } from './log-level.ts';

type RequestedSchema = ElicitRequestFormParams['requestedSchema'];

/** Registers `test_sampling`, `test_elicitation`, `test_elicitation_sep1034_defaults` and `test_elicitation_sep1330_enums`. */
export function registerClientRequestTools(server: McpServer): void {
  server.registerTool(
    'test_sampling',
    { description: 'Asks the client\'s LLM to answer a prompt (sampling/createMessage)', inputSchema: { prompt: z.string() } },
    async ({ prompt }, extra) => {
      const answer = await server.server.createMessage(
        { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 },
        { relatedRequestId: extra.requestId },
      );
      const text = answer.content.type === 'text' ? answer.content.text : `(${answer.content.type} content)`;
      return { content: [{ type: 'text', text: `LLM response: ${text}` }] };
    },
  );

  const elicit = async (message: string, requestedSchema: RequestedSchema, extra: ToolExtra) => {
    const result = await server.server.elicitInput({ message, requestedSchema }, { relatedRequestId: extra.requestId });
    return {
      content: [{ type: 'text' as const, text: `Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}` }],
    };
  };

  server.registerTool(
    'test_elicitation',
    { description: 'Asks the user for a username and an email address (elicitation/create)', inputSchema: { message: z.string() } },
    ({ message }, extra) =>
      elicit(
        message,
        {
          type: 'object',
          properties: {
            username: { type: 'string', description: 'User\'s response' },
            email: { type: 'string', description: 'User\'s email address' },
          },
          required: ['username', 'email'],
        },
        extra,
      ),
  );

  // SEP-1034: every primitive field type may carry a default the client pre-fills.
  server.registerTool('test_elicitation_sep1034_defaults', { description: 'Asks for input with a default for every field type' }, (extra) =>
    elicit(
      'Please review the pre-filled values',
      {
        type: 'object',
        properties: {
          name: { type: 'string', description: 'Name', default: 'John Doe' },
          age: { type: 'integer', description: 'Age', default: 30 },
          score: { type: 'number', description: 'Score', default: 95.5 },
          status: { type: 'string', description: 'Status', enum: ['active', 'inactive', 'pending'], default: 'active' },
          verified: { type: 'boolean', description: 'Verified', default: true },
        },
      },
      extra,
    ),
  );

  // SEP-1330: single and multi select, with and without display titles, plus the legacy enumNames.
  server.registerTool('test_elicitation_sep1330_enums', { description: 'Asks for input with each enum form' }, (extra) =>
    elicit(
      'Please choose',
      {
        type: 'object',
        properties: {
          untitledSingle: { type: 'string', enum: ['option1', 'option2', 'option3'] },
          titledSingle: {
            type: 'string',
            oneOf: [
              { const: 'value1', title: 'First Option' },
              { const: 'value2', title: 'Second Option' },
              { const: 'value3', title: 'Third Option' },
            ],
          },
          legacyEnum: { type: 'string', enum: ['opt1', 'opt2', 'opt3'], enumNames: ['Option One', 'Option Two', 'Option Three'] },
          untitledMulti: { type: 'array', items: { type: 'string', enum: ['option1', 'option2', 'option3'] } },
          titledMulti: {
            type: 'array',
            items: {
              anyOf: [
                { const: 'value1', title: 'First Choice' },
                { const: 'value2', title: 'Second Choice' },
                { const: 'value3', title: 'Third Choice' },
              ],
            },
          },
        },
      },
      extra,
    ),
  );
}
