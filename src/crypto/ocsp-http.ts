/**
 * OCSP over HTTP (RFC 6960 Appendix A.1): POST the DER request with
 * Content-Type application/ocsp-request, read a bounded DER response.
 * Plain http only (as iked: OCSP over TLS is not supported).
 */
import http from 'node:http';

/** Largest response body accepted. */
export const MAX_OCSP_RESPONSE = 64 * 1024;
export const DEFAULT_OCSP_TIMEOUT_MS = 5000;

/** POSTs `body` to `url` and resolves with the response body; rejects with a message naming the URL. */
export function postOcspRequest(url: string, body: Buffer, timeoutMs = DEFAULT_OCSP_TIMEOUT_MS): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new Error(`OCSP responder URL "${url}" is not a valid URL`));
      return;
    }
    if (u.protocol !== 'http:') {
      reject(new Error(`OCSP responder ${url}: only http:// is supported`));
      return;
    }
    let settled = false;
    const fail = (msg: string): void => {
      if (settled) return;
      settled = true;
      reject(new Error(`OCSP responder ${url}: ${msg}`));
    };
    const req = http.request(
      u,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/ocsp-request', Accept: 'application/ocsp-response', 'Content-Length': body.length },
        timeout: timeoutMs,
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          fail(`HTTP status ${res.statusCode}`);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_OCSP_RESPONSE) {
            fail(`response larger than ${MAX_OCSP_RESPONSE} bytes`);
            req.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          resolve(Buffer.concat(chunks));
        });
        res.on('error', (e) => fail(e.message));
      },
    );
    const timer = setTimeout(() => {
      fail(`no answer within ${timeoutMs / 1000} s`);
      req.destroy();
    }, timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () => {
      fail(`no answer within ${timeoutMs / 1000} s`);
      req.destroy();
    });
    req.on('error', (e: NodeJS.ErrnoException) => fail(e.code === 'ECONNREFUSED' ? 'connection refused' : e.message));
    req.end(body);
  });
}
