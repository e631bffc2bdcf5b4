/** Reading a streamed (SSE) response chunk by chunk, to show events arrive as they are written. */

/** The whole body, and when each chunk arrived (ms after `started`). */
export async function readArrivals(res: Response, started: number): Promise<{ text: string; arrivals: number[] }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const arrivals: number[] = [];
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    arrivals.push(Date.now() - started);
  }
  return { text, arrivals };
}
