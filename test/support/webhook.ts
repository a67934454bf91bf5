import { createServer, type Server } from "node:http";

export interface ReceivedPost {
  body: { text: string; blocks: { type: string; text?: { text: string } }[] };
  at: number;
}

/** A local Slack incoming-webhook stand-in: records posts and answers with the scripted statuses, then 200. */
export async function startWebhook(script: { status: number; headers?: Record<string, string> }[] = []) {
  const posts: ReceivedPost[] = [];
  const answers = [...script];
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => {
      raw += c.toString();
    });
    req.on("end", () => {
      posts.push({ body: JSON.parse(raw), at: Date.now() });
      const answer = answers.shift() ?? { status: 200 };
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.status === 200 ? "ok" : "error");
    });
  });
  const url = await new Promise<string>((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}/services/T/B/x`),
    ),
  );
  return {
    url,
    posts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
