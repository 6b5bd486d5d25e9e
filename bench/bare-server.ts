// The baseline for bench/queue: a bare Node HTTP server answering a join-sized JSON body, nothing else.
import { createServer } from 'node:http';

createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"state":"waiting","position":1,"etaSeconds":1}');
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
