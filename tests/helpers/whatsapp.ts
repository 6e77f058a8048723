import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface WhatsAppRequest {
  to: string;
  text: string;
  authorization: string | undefined;
}

/** A stand-in for the WhatsApp Cloud API: records requests, answers what the test scripts. */
export async function startWhatsApp(requests: WhatsAppRequest[], answer: (request: WhatsAppRequest) => number | 'hang' = () => 200) {
  const hung: ((status: number) => void)[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const body = JSON.parse(raw);
      const request = { to: body.to, text: body.text.body, authorization: req.headers.authorization };
      requests.push(request);
      const status = answer(request);
      const reply = (code: number) => res.writeHead(code, { 'content-type': 'application/json' }).end('{}');
      if (status === 'hang') hung.push(reply);
      else reply(status);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/v1/123456`,
    releaseHung: (status: number) => hung.splice(0).forEach((reply) => reply(status)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
