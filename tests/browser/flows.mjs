// Drives the offline flows in headless Chromium against
// `hallway-local serve --slack fake`: Sign in with Slack, connecting the
// space to Slack, and a join link opened by a colleague in a fresh browser.
// Run by scripts/test (which installs Chromium and playwright-core); needs
// HALLWAY_LOCAL (the binary), CHROMIUM, OUT (screenshot folder) and
// PLAYWRIGHT_DIR (where playwright-core is installed).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';

const { chromium } = createRequire(`${process.env.PLAYWRIGHT_DIR ?? process.cwd()}/`)('playwright-core');

const bin = process.env.HALLWAY_LOCAL;
const out = process.env.OUT ?? 'target/browser';
mkdirSync(out, { recursive: true });

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`ok - ${what}`);
}

const port = await freePort();
const slackPort = await freePort();
const base = `http://127.0.0.1:${port}`;
const fake = `http://127.0.0.1:${slackPort}`;
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLACK_') && !k.startsWith('HALLWAY_')));
const server = spawn(bin, ['--env-file', '/nonexistent/.env', 'serve', '--slack', 'fake', '--in-memory',
  '--addr', `127.0.0.1:${port}`, '--fake-slack-addr', `127.0.0.1:${slackPort}`], { env, stdio: ['ignore', 'ignore', 'inherit'] });

async function waitUp() {
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) return; } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('hallway-local did not start');
}

const launch = () => chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});

let browser;
try {
  await waitUp();
  browser = await launch();
  const alice = await (await browser.newContext()).newPage();

  // Sign in with Slack: the fake approves at once.
  await alice.goto(`${base}/app`);
  await alice.getByRole('link', { name: 'Sign in with Slack' }).click();
  await alice.waitForURL(/\/app\/login\?token=/);
  check((await alice.textContent('h1')) === 'Signed in as Alice', 'Alice signed in with Slack');
  await alice.screenshot({ path: `${out}/signed-in.png`, fullPage: true });

  // Her team had no space: one was made, with her as admin. Connect it.
  await alice.getByRole('link', { name: 'Acme' }).click();
  await alice.getByRole('link', { name: 'Connect to Slack' }).click();
  await alice.waitForURL(/settings\/slack\?connected=T0DEMO/);
  const settings = await alice.textContent('main');
  check(settings.includes('"connected": true'), 'the space is connected to the Slack workspace');
  await alice.screenshot({ path: `${out}/connected.png`, fullPage: true });

  // A room and a join link, through the API with the token the office holds.
  const token = (await alice.context().cookies()).find((c) => c.name === 'office_token').value;
  const space = alice.url().match(/spaces\/([^/]+)\//)[1];
  const api = async (method, path, body) => {
    const r = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return r.json();
  };
  const room = await api('POST', `/api/v1/spaces/${space}/rooms`, { name: 'Kitchen', capacity: 6 });
  const link = await api('POST', `/api/v1/spaces/${space}/join-links`, { room_id: room.id });

  // Bob opens it in his own browser: signs in with Slack, lands in the room.
  await fetch(`${fake}/_fake/act-as`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ team: 'T0DEMO', user: 'U0DEMO02' }) });
  const bob = await (await browser.newContext()).newPage();
  await bob.goto(link.url);
  await bob.waitForURL(/\/rooms\//);
  check((await bob.textContent('h1')) === 'You are in Kitchen', 'Bob followed the join link into Kitchen');
  await bob.screenshot({ path: `${out}/joined.png`, fullPage: true });

  // A changed link gets a clear page.
  await bob.goto(`${link.url}x`);
  check((await bob.textContent('h1')) === 'This join link is not valid', 'a tampered join link is refused');
  console.log(`screenshots in ${out}`);
} finally {
  if (browser) await browser.close();
  server.kill();
}
