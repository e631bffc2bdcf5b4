/**
 * Conformance fixture tools that send notifications while they run: log messages (MCP 2025-06-18,
 * server/utilities/logging) and progress (basic/utilities/progress). Both go out on the call's own
 * SSE stream, before its result.
 * @module
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { SendLog } from './log-level.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Registers `test_tool_with_logging` (three info logs, 50 ms apart) and `test_tool_with_progress` (0, 50, 100 of 100). */
export function registerNotificationTools(server: McpServer, sendLog: SendLog): void {
  server.registerTool('test_tool_with_logging', { description: 'Sends three log messages while it runs' }, async (extra) => {
    await sendLog(extra, 'info', 'test_tool_with_logging', 'Tool execution started');
    await sleep(50);
    await sendLog(extra, 'info', 'test_tool_with_logging', 'Tool processing data');
    await sleep(50);
    await sendLog(extra, 'info', 'test_tool_with_logging', 'Tool execution completed');
    return { content: [{ type: 'text', text: 'Tool with logging executed successfully' }] };
  });

  server.registerTool('test_tool_with_progress', { description: 'Reports progress 0, 50 and 100 of 100 while it runs' }, async (extra) => {
    // Progress goes only to a caller that asked for it with a token (basic/utilities/progress).
    const token = extra._meta?.progressToken;
    for (const progress of [0, 50, 100]) {
      if (progress > 0) await sleep(50);
      if (token !== undefined) {
        await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, total: 100 } });
      }
    }
    return { content: [{ type: 'text', text: 'Tool with progress executed successfully' }] };
  });
}
