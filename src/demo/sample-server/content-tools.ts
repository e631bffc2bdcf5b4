/**
 * Conformance fixture tools that return one kind of content each (MCP 2025-06-18, server/tools
 * §Tool Result): text, image, audio, an embedded resource, all of them at once, and an error.
 * @module
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { RED_PIXEL_PNG, SILENT_WAV } from './media.ts';

/** Registers `test_simple_text`, `test_image_content`, `test_audio_content`, `test_embedded_resource`, `test_multiple_content_types` and `test_error_handling`. */
export function registerContentTools(server: McpServer): void {
  server.registerTool('test_simple_text', { description: 'Returns a line of text' }, () => ({
    content: [{ type: 'text', text: 'This is a simple text response for testing.' }],
  }));

  server.registerTool('test_image_content', { description: 'Returns a 1x1 red PNG image' }, () => ({
    content: [{ type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' }],
  }));

  server.registerTool('test_audio_content', { description: 'Returns a short silent WAV clip' }, () => ({
    content: [{ type: 'audio', data: SILENT_WAV, mimeType: 'audio/wav' }],
  }));

  server.registerTool('test_embedded_resource', { description: 'Returns an embedded text resource' }, () => ({
    content: [
      {
        type: 'resource',
        resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' },
      },
    ],
  }));

  server.registerTool('test_multiple_content_types', { description: 'Returns text, an image and an embedded resource' }, () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' },
      {
        type: 'resource',
        resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) },
      },
    ],
  }));

  // A thrown error becomes a result with isError: true (a tool error, not a protocol error).
  server.registerTool('test_error_handling', { description: 'Always fails, reporting the error in its result' }, () => {
    throw new Error('This tool intentionally returns an error for testing');
  });
}
