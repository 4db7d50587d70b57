// Serves the bare Git repositories under one folder over Git's smart HTTP protocol on 127.0.0.1 at a free
// port, and prints the port: each request runs `git http-backend` (Debian's git) as a CGI program, which is
// what Git documents for a smart HTTP server. Flux's source-controller clones with go-git, which speaks only
// the smart protocol. Read-only: pushes are refused (the e2e commits into the repositories by path).
// The e2e runs it as a child process, stopped with its cluster.
const { spawn } = require('child_process');
const http = require('http');
const path = require('path');

const root = path.resolve(process.argv[2]);

const server = http.createServer((request, response) => {
  const url = new URL(request.url, 'http://127.0.0.1');
  const backend = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: request.method,
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: request.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: request.headers['content-encoding'] ?? '',
      GIT_PROTOCOL: request.headers['git-protocol'] ?? '',
      REMOTE_ADDR: request.socket.remoteAddress,
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  request.pipe(backend.stdin);
  let head = Buffer.alloc(0);
  let headersSent = false;
  backend.stdout.on('data', (chunk) => {
    if (headersSent) {
      response.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    // A CGI response: header lines, a blank line, the body; "Status:" sets the HTTP status.
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const [name, value] = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
      if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
      else response.setHeader(name, value);
    }
    response.writeHead(status);
    response.write(head.subarray(end + 4));
    headersSent = true;
  });
  backend.once('close', (code) => {
    if (!headersSent) response.writeHead(code === 0 ? 200 : 500);
    response.end();
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
