/**
 * Who may talk to the live view. Listening on 127.0.0.1 keeps other machines out, but not other
 * web pages: the learner's own browser runs every site they have open, on their machine, and a
 * page from anywhere can send requests to http://127.0.0.1:8080/. Two ways in, two checks:
 *
 *   cross-site request   evil.example's page POSTs to /control. A "simple" request (a form, or
 *   forgery (CSRF)       fetch with Content-Type text/plain) goes out with no CORS pre-check,
 *                        and the server would run it: the page cannot read the reply, but the
 *                        node is killed all the same. So /control takes only
 *                        `Content-Type: application/json`, which a browser sends cross-site
 *                        only after a pre-check (OPTIONS) that this server never approves, and
 *                        refuses any Origin header that is not the view's own.
 *
 *   DNS rebinding        evil.example's name is made to resolve to 127.0.0.1 after the page
 *                        loaded; the browser then counts the view as the page's own origin and
 *                        lets it read /events and /slot. What it cannot change is the Host
 *                        header, which still says evil.example. So every request must name the
 *                        view itself: 127.0.0.1:<port> or localhost:<port>.
 *
 * A request from a non-browser client (curl, a test) sends no Origin and the right Host, and is
 * let through: these checks stop other web pages, not the person at the machine.
 */
import type * as http from 'node:http';

/** The names a browser on this machine may use for the view (it listens on 127.0.0.1). */
const OWN_HOSTS = ['127.0.0.1', 'localhost'];

/** Why the request is refused (the reply's text), or null: it names the view itself. */
export function foreignHost(req: http.IncomingMessage, port: number): string | null {
  const host = (req.headers.host ?? '').toLowerCase();
  if (isOwn(host, port)) return null;
  return `the Host header must name this view (127.0.0.1:${port} or localhost:${port}), not '${host}': a page from another site cannot read the view`;
}

/** Why POST /control is refused, or null: same-site, JSON (see the opening comment). */
export function foreignControl(req: http.IncomingMessage, port: number): { status: number; error: string } | null {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let own = false;
    try {
      const url = new URL(origin);
      own = url.protocol === 'http:' && isOwn(url.host, port);
    } catch {
      own = false;
    }
    if (!own) return { status: 403, error: `requests from ${origin} may not control the cluster: only the view's own page may` };
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') return { status: 415, error: 'POST /control takes Content-Type: application/json (a JSON array of strings)' };
  return null;
}

function isOwn(host: string, port: number): boolean {
  // A browser leaves out the default port: http://localhost/ sends "Host: localhost".
  return OWN_HOSTS.some((name) => host === `${name}:${port}` || (port === 80 && host === name));
}
