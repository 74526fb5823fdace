// Drives the offline flows in headless Chromium against
// `hallway-local serve --slack fake`: Sign in with Slack, connecting the
// space to Slack, a join link opened by a colleague in a fresh browser, and
// the admin page (login, filter, prompt, auto-prompt, accessibility).
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

  // The admin page: Alice logs in once with her token.
  await alice.goto(`${base}/admin/login`);
  await alice.getByLabel('Your office API token').fill(token);
  await alice.getByLabel('Space id').fill(space);
  await alice.getByRole('button', { name: 'Open the admin page' }).click();
  await alice.waitForURL(new RegExp(`/admin/spaces/${space}$`));
  const adminCookie = (await alice.context().cookies()).find((c) => c.name === 'hallway_admin');
  check(adminCookie && adminCookie.httpOnly && adminCookie.secure && adminCookie.sameSite === 'Strict', 'the admin cookie is HttpOnly, Secure, SameSite=Strict');
  // The install started a directory refresh; wait for the people.
  for (let i = 0; i < 50 && !(await alice.content()).includes('Carol'); i++) {
    await new Promise((r) => setTimeout(r, 200));
    await alice.reload();
  }
  check((await alice.content()).includes('Carol'), 'the member list shows the workspace');

  // Filter: people not linked.
  await alice.getByLabel('Status').selectOption('off');
  await alice.getByRole('button', { name: 'Filter' }).click();
  await alice.waitForURL(/status=off/);
  const rows = await alice.locator('tbody tr th[scope=row]').allTextContents();
  check(rows.includes('Carol') && !rows.includes('Alice') && !rows.includes('Bob'), `the filter shows only people not linked (${rows.join(', ')})`);

  // Prompt Carol.
  await alice.getByRole('button', { name: 'Prompt Carol', exact: true }).click();
  await alice.waitForURL(/done=/);
  check((await alice.textContent('[role=status]')).includes('Prompt queued for Carol'), 'Carol\'s prompt is queued');
  let dm = [];
  for (let i = 0; i < 50 && !dm.some((m) => m.text.includes('Connect your Slack account')); i++) {
    await new Promise((r) => setTimeout(r, 100));
    dm = (await (await fetch(`${fake}/_fake/messages?team=T0DEMO&user=U0DEMO03`)).json()).messages;
  }
  check(dm.some((m) => m.text.includes('Connect your Slack account')), 'Carol got the Sync now DM in Slack');

  // Auto-prompt on.
  await alice.getByLabel(/Auto-prompt/).check();
  await alice.getByRole('button', { name: 'Save settings' }).click();
  await alice.waitForURL(/done=/);
  check((await alice.textContent('[role=status]')).includes('auto-prompt on'), 'auto-prompt is on');
  check(await alice.getByLabel(/Auto-prompt/).isChecked(), 'the switch shows it');

  // Accessibility: every control is labelled; text contrast is at least 4.5:1.
  const a11y = await alice.evaluate(() => {
    const unlabelled = [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
      .filter((el) => {
        if (el.tagName === 'BUTTON') return !(el.getAttribute('aria-label') || el.textContent.trim());
        return !(el.labels && el.labels.length) && !el.getAttribute('aria-label');
      })
      .map((el) => el.outerHTML.slice(0, 80));
    const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const bg = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const low = [];
    for (const el of document.querySelectorAll('body *')) {
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own) continue;
      const fg = lum(rgb(getComputedStyle(el).color).slice(0, 3));
      const b = lum(bg(el));
      const ratio = (Math.max(fg, b) + 0.05) / (Math.min(fg, b) + 0.05);
      if (ratio < 4.5) low.push(`${el.tagName} ${ratio.toFixed(2)} ${el.textContent.trim().slice(0, 30)}`);
    }
    return { unlabelled, low, lang: document.documentElement.lang };
  });
  check(a11y.unlabelled.length === 0, `every control is labelled ${a11y.unlabelled.join(' | ')}`);
  check(a11y.low.length === 0, `text contrast is at least 4.5:1 ${a11y.low.join(' | ')}`);
  check(a11y.lang === 'en', 'the page says its language');
  await alice.goto(`${base}/admin/spaces/${space}`);
  await alice.screenshot({ path: `${out}/admin.png`, fullPage: true });
  console.log(`screenshots in ${out}`);
} finally {
  if (browser) await browser.close();
  server.kill();
}
