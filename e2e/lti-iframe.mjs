// End-to-end: Rampart launched over LTI 1.3 inside an LMS page's iframe, in a browser that blocks
// third-party cookies (as Chrome, Safari and Firefox do or will). This script is both sides of it:
//
// - the LMS ("platform"): a node HTTP server on 127.0.0.2 (a different *site* from Rampart's 127.0.0.1,
//   so the tool's frame is third party), with its own RSA key (JWKS at /jwks.json), a course page that
//   frames Rampart's OIDC login and answers the LTI client-side storage messages (lti.capabilities,
//   lti.put_data, lti.get_data), and an OIDC authorisation endpoint (/auth) that checks Rampart's
//   request and form-posts a signed id_token back;
// - the browser driver: Debian's chromium with third-party cookies blocked, which the script first
//   proves with a cookie probe framed across sites.
//
// Scenario A (the LMS offers platform storage): the launch is bound through the storage, the player runs
// in the frame on its launch-bound token, and the SCO's progress is committed, with no session cookie.
// Scenario B (no platform storage): nothing can bind the launch to this browser, so the frame shows a 4xx
// page offering to open the course in a new window.
//
// Run by engine/server/tests/it/browser.rs, which registers this platform in Rampart before the server
// starts. Environment: RAMPART_URL (the engine origin), PLATFORM_PORT (the LMS's port on 127.0.0.2; its
// issuer is http://127.0.0.2:<port>), LTI_CLIENT_ID and LTI_DEPLOYMENT_ID (as registered), LTI_COURSE
// (sent as the custom parameter rampart_course, which binds the resource link to that course),
// ARTIFACTS_DIR.
import http from 'node:http';
import crypto from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { accessibilityChecker, CHROMIUM, CHROMIUM_ARGS } from './support.mjs';

const base = (process.env.RAMPART_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
const toolOrigin = new URL(base).origin;
const artifacts = process.env.ARTIFACTS_DIR ?? 'target/e2e';
const platformHost = '127.0.0.2';
const platformPort = Number(process.env.PLATFORM_PORT);
const clientId = process.env.LTI_CLIENT_ID ?? 'iframe-client';
const deploymentId = process.env.LTI_DEPLOYMENT_ID ?? 'iframe-deployment';
const course = process.env.LTI_COURSE ?? '';
const issuer = `http://${platformHost}:${platformPort}`;
const launchUrl = `${base}/lti/launch`;
const learner = { sub: 'iframe-learner-1', name: 'Iris Frame', given: 'Iris', family: 'Frame' };
// Names Rampart gives its session cookie (web CookiePolicy::session_name: plain http and https).
const SESSION_COOKIES = ['rampart_session', '__Host-rampart_session'];
mkdirSync(artifacts, { recursive: true });

let step = 'start';
const problems = [];
const consoleErrors = []; // shown when the test fails (CSP refusals of a frame land here)
function check(name) { step = name; console.log(`[step] ${name}`); }
// Nothing may hang: the whole run has a deadline, and every wait its own timeout.
const watchdog = setTimeout(() => {
  console.error(`lti-iframe: gave up after 240 s at step: ${step}`);
  process.exit(1);
}, 240_000);
watchdog.unref();

if (!Number.isInteger(platformPort) || platformPort <= 0) {
  console.error('lti-iframe: PLATFORM_PORT (the LMS port on 127.0.0.2, as registered in Rampart) is required');
  process.exit(2);
}

// ----- the platform's key and id_tokens -----

const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = `iframe-${crypto.randomBytes(6).toString('hex')}`;
const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] };
const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function signJwt(claims) {
  const input = `${b64url({ alg: 'RS256', typ: 'JWT', kid })}.${b64url(claims)}`;
  return `${input}.${crypto.sign('RSA-SHA256', Buffer.from(input), privateKey).toString('base64url')}`;
}

const LTI = 'https://purl.imsglobal.org/spec/lti/claim';
function idToken(nonce) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: issuer,
    aud: clientId,
    azp: clientId,
    sub: learner.sub,
    nonce,
    iat: now,
    exp: now + 300,
    [`${LTI}/message_type`]: 'LtiResourceLinkRequest',
    [`${LTI}/version`]: '1.3.0',
    [`${LTI}/deployment_id`]: deploymentId,
    [`${LTI}/target_link_uri`]: launchUrl,
    [`${LTI}/resource_link`]: { id: 'rl-iframe-1', title: 'Player course' },
    [`${LTI}/context`]: {
      id: 'ctx-iframe-1',
      label: 'CS101',
      title: 'Cyber security 101',
      type: ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering'],
    },
    [`${LTI}/roles`]: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
    name: learner.name,
    given_name: learner.given,
    family_name: learner.family,
    [`${LTI}/launch_presentation`]: { document_target: 'iframe', return_url: `${issuer}/course` },
  };
  if (course) claims[`${LTI}/custom`] = { rampart_course: course };
  return signJwt(claims);
}

// ----- the platform's HTTP server -----

const esc = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const logins = new Map(); // lti_message_hint → login_hint, for the /auth checks
const authProblems = []; // what was wrong with Rampart's authorisation requests

function html(res, status, title, body, head = '') {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>${head}</head>` +
    `<body>${body}</body></html>`);
}

// The LMS's side of the LTI client-side storage API (postMessage), on the page that frames the tool.
// Only the tool's origin is answered, to the window that asked, with targetOrigin its origin; values
// are kept per origin and key. Every message is logged (subject and key, not values) for the checks.
function storageScript(offered) {
  return `(function () {
  'use strict';
  var toolOrigin = ${JSON.stringify(toolOrigin)};
  var offered = ${offered ? 'true' : 'false'};
  var stored = new Map();
  var log = window.platformStorageLog = [];
  window.addEventListener('message', function (event) {
    var m = event.data;
    if (!m || typeof m !== 'object' || typeof m.subject !== 'string') return;
    var entry = { origin: event.origin, subject: m.subject, key: m.key, answered: false };
    log.push(entry);
    if (!offered || event.origin !== toolOrigin || !event.source) return;
    function reply(answer) {
      answer.message_id = m.message_id;
      entry.answered = answer.subject;
      event.source.postMessage(answer, event.origin);
    }
    var slot = event.origin + ' ' + m.key;
    switch (m.subject) {
      case 'lti.capabilities':
        reply({ subject: 'lti.capabilities.response',
          supported_messages: [{ subject: 'lti.get_data' }, { subject: 'lti.put_data' }] });
        break;
      case 'lti.put_data':
        if (typeof m.key !== 'string' || typeof m.value !== 'string') {
          reply({ subject: 'lti.put_data.response', key: m.key,
            error: { code: 'bad_request', message: 'key and value must be strings' } });
          break;
        }
        stored.set(slot, m.value);
        reply({ subject: 'lti.put_data.response', key: m.key, value: m.value });
        break;
      case 'lti.get_data':
        if (stored.has(slot)) reply({ subject: 'lti.get_data.response', key: m.key, value: stored.get(slot) });
        else reply({ subject: 'lti.get_data.response', key: m.key,
          error: { code: 'bad_request', message: 'nothing is stored under this key' } });
        break;
      default:
        reply({ subject: m.subject + '.response',
          error: { code: 'unsupported_subject', message: 'this platform does not support ' + m.subject } });
    }
  });
})();`;
}

function coursePage(res, storage) {
  const messageHint = crypto.randomBytes(12).toString('hex');
  const loginHint = learner.sub;
  logins.set(messageHint, loginHint);
  const login = new URL(`${base}/lti/login`);
  login.search = new URLSearchParams({
    iss: issuer,
    login_hint: loginHint,
    target_link_uri: launchUrl,
    client_id: clientId,
    lti_deployment_id: deploymentId,
    lti_message_hint: messageHint,
    ...(storage ? { lti_storage_target: '_parent' } : {}),
  }).toString();
  html(res, 200, 'Cyber security 101 – Example LMS', `
<header><p>Example LMS</p></header>
<main>
  <h1>Cyber security 101</h1>
  <p>Your course opens below.</p>
  <iframe title="Rampart course" name="tool" src="${esc(login.href)}"
    style="width: 100%; height: 720px; border: 1px solid #555"></iframe>
</main>
<script>${storageScript(storage)}</script>`);
}

// The OIDC authorisation endpoint: Rampart's request must be exactly what LTI 1.3 asks for; the answer is
// an auto-submitting form posting id_token and state to the redirect_uri.
function auth(res, query) {
  const wrong = [];
  const expect = (name, wanted) => {
    if (query.get(name) !== wanted) wrong.push(`${name}=${JSON.stringify(query.get(name))}, expected ${JSON.stringify(wanted)}`);
  };
  expect('scope', 'openid');
  expect('response_type', 'id_token');
  expect('response_mode', 'form_post');
  expect('prompt', 'none');
  expect('client_id', clientId);
  expect('redirect_uri', launchUrl);
  for (const name of ['nonce', 'state']) if (!query.get(name)) wrong.push(`${name} is missing`);
  const messageHint = query.get('lti_message_hint');
  if (!logins.has(messageHint)) wrong.push(`lti_message_hint ${JSON.stringify(messageHint)} is not one this LMS sent`);
  else expect('login_hint', logins.get(messageHint));
  if (wrong.length) {
    authProblems.push(...wrong);
    html(res, 400, 'Authorisation refused – Example LMS',
      `<main><h1>Authorisation refused</h1><ul>${wrong.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></main>`);
    return;
  }
  html(res, 200, 'Returning to the course – Example LMS', `
<main>
  <h1>Returning to the course</h1>
  <form method="post" action="${esc(query.get('redirect_uri'))}">
    <input type="hidden" name="id_token" value="${esc(idToken(query.get('nonce')))}">
    <input type="hidden" name="state" value="${esc(query.get('state'))}">
    <noscript><button type="submit">Continue</button></noscript>
  </form>
</main>
<script>document.forms[0].submit();</script>`);
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

const platform = http.createServer((req, res) => {
  const url = new URL(req.url, issuer);
  try {
    if (req.method === 'GET' && url.pathname === '/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(jwks));
    } else if (req.method === 'GET' && url.pathname === '/course') {
      coursePage(res, url.searchParams.get('storage') === '1');
    } else if (req.method === 'GET' && url.pathname === '/auth') {
      auth(res, url.searchParams);
    } else if (req.method === 'GET' && url.pathname === '/cookie-check') {
      html(res, 200, 'Cookie check – Example LMS', `<main><h1>Cookie check</h1>
<iframe title="Cookie probe" name="probe" src="${esc(url.searchParams.get('probe'))}"></iframe></main>`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(error));
  }
});

// The cookie probe: a page on 127.0.0.1 (Rampart's site, another port) that sets cookies both ways a
// tool could (a Set-Cookie header and document.cookie), with the attributes a third-party cookie needs.
const probe = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname !== '/probe') { // the favicon request too: it must set nothing
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
    return;
  }
  const name = (url.searchParams.get('name') ?? 'probe').replace(/[^a-z0-9_]/gi, '');
  const attributes = 'Path=/; SameSite=None; Secure';
  res.setHeader('set-cookie', `${name}_header=1; ${attributes}`);
  html(res, 200, 'Cookie probe', `<main><h1>Cookie probe</h1><p id="seen"></p></main>
<script>document.cookie = ${JSON.stringify(`${name}_script=1; ${attributes}`)};
document.getElementById('seen').textContent = document.cookie || '(no cookies)';</script>`);
});

// ----- the browser -----

// A profile of our own, set to block third-party cookies (Chrome's "Block third-party cookies"), not
// left to the browser's default; the probe below proves the setting holds.
const profile = mkdtempSync(join(tmpdir(), 'rampart-lti-iframe-'));
mkdirSync(join(profile, 'Default'), { recursive: true });
writeFileSync(join(profile, 'Default', 'Preferences'), JSON.stringify({
  profile: { cookie_controls_mode: 1, block_third_party_cookies: true },
}));

let context = null;
const { check: checkAccessibility, problems: accessibilityProblems } = accessibilityChecker();

async function until(what, predicate, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// A page that records what its frame does: the frame's document loads (method, URL, status and, for
// redirects, where to), the run-time API requests (with their headers) and errors. Frames are told apart
// by their place (a child of the page), not by name or URL: the first load of a frame happens before
// its name is known, and playwright was seen to keep a stale URL for a frame that moved to another
// site's process.
let current = null; // what the running scenario's page has seen, shown when the test fails
function watch(page) {
  const seen = current = { navigations: [], api: [] };
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('response', (response) => {
    const request = response.request();
    let child = false;
    try { child = request.frame().parentFrame() === page.mainFrame(); } catch {}
    if (child && request.isNavigationRequest()) {
      seen.navigations.push({ method: request.method(), url: response.url(), status: response.status(),
        location: response.headers().location });
    }
  });
  page.on('request', async (request) => {
    if (!request.url().startsWith(`${base}/api/runtime/`)) return;
    const entry = { url: request.url(), headers: null };
    seen.api.push(entry);
    entry.headers = await request.allHeaders().catch(() => request.headers());
  });
  return seen;
}

// The tool's frame as the LMS page holds it now (through the element, so never a stale frame).
async function toolFrame(page) {
  const element = await page.waitForSelector('iframe[name="tool"]', { timeout: 10_000 });
  return element.contentFrame();
}
const tool = (page) => page.frameLocator('iframe[name="tool"]');
const sco = (page) => tool(page).frameLocator('#player-frame').frameLocator('#sco');
const loads = (seen) => seen.navigations.map((n) => `${n.method} ${path(n.url)} ${n.status}`).join(' → ');
const path = (url) => { try { return new URL(url).pathname; } catch { return url; } };

try {
  await listen(platform, platformPort, platformHost);
  await listen(probe, 0, '127.0.0.1');
  const probeOrigin = `http://127.0.0.1:${probe.address().port}`;
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, '--test-third-party-cookie-phaseout'],
    viewport: { width: 1280, height: 1000 },
  });

  check('third-party cookies are blocked: a 127.0.0.1 frame inside a 127.0.0.2 page keeps no cookie');
  let page = await context.newPage();
  await page.goto(`${issuer}/cookie-check?probe=${encodeURIComponent(`${probeOrigin}/probe?name=framed`)}`);
  const probeFrame = await until('the probe frame has loaded', async () => {
    const frame = page.frame({ name: 'probe' });
    return frame && (await frame.locator('#seen').textContent().catch(() => '')) ? frame : null;
  });
  const framedSees = await probeFrame.evaluate(() => document.cookie);
  const framedKept = (await context.cookies(probeOrigin)).map((c) => c.name);
  console.log(`[probe] framed: the frame sees ${JSON.stringify(framedSees)}, the jar holds ${JSON.stringify(framedKept)}`);
  if (framedSees !== '' || framedKept.some((name) => name.startsWith('framed_'))) {
    throw new Error('third-party cookies are NOT blocked in this chromium: the cross-site frame kept ' +
      `${JSON.stringify(framedKept)}; this test would prove nothing`);
  }
  // The control: the same cookies, first party, are kept, so the frame's empty jar is the block at work.
  const top = await context.newPage();
  await top.goto(`${probeOrigin}/probe?name=toplevel`);
  const topKept = (await context.cookies(probeOrigin)).map((c) => c.name).sort();
  console.log(`[probe] first party: the jar holds ${JSON.stringify(topKept)}`);
  assert.deepEqual(topKept, ['toplevel_header', 'toplevel_script'], 'the probe\'s cookies are kept first party');
  await top.close();
  await page.close();
  await context.clearCookies(); // cookies ignore ports: these would be Rampart's too

  check('A: the LMS offers platform storage; the launch in its frame binds through it');
  page = await context.newPage();
  let seen = watch(page);
  await page.goto(`${issuer}/course?storage=1`);
  const play = await until('the tool frame has loaded the player (/lti/play/…)',
    () => seen.navigations.find((n) => /^\/lti\/play\/\d+$/.test(path(n.url)) && n.status === 200), 45_000);
  assert.equal(new URL(play.url).origin, toolOrigin, 'the player is on the engine origin');
  console.log(`[frame] ${loads(seen)}`);
  const confirmed = seen.navigations.find((n) => n.method === 'POST' && path(n.url) === '/lti/launch/confirm');
  assert.ok(confirmed && confirmed.status === 303 && /^\/lti\/play\/\d+#./.test(confirmed.location ?? ''),
    `the confirmed launch went on to the player with the launch-bound token in the fragment: ${confirmed?.location?.replace(/#.+/, '#…')}`);
  const launched = seen.navigations.find((n) => n.method === 'POST' && path(n.url) === '/lti/launch');
  assert.equal(launched?.status, 200, 'the launch (no cookie came with it) answered the storage check page');
  const log = await page.evaluate(() => window.platformStorageLog);
  console.log(`[storage] ${JSON.stringify(log)}`);
  const put = log.find((m) => m.subject === 'lti.put_data');
  assert.ok(put && put.origin === toolOrigin && /^state_./.test(put.key) && put.answered === 'lti.put_data.response',
    'the login page put the state in the platform\'s storage');
  assert.ok(log.some((m) => m.subject === 'lti.get_data' && m.key === put.key && m.answered === 'lti.get_data.response'),
    'the launch read the same key back before confirming');
  assert.equal(authProblems.length, 0, `Rampart's authorisation request: ${authProblems.join('; ')}`);

  check('A: the player runs in the frame and the SCO finds the API');
  await tool(page).locator('#player[data-state="running"]').waitFor({ timeout: 30_000 });
  const playFrame = page.frames().find((f) => f.url().includes('/lti/play/'));
  assert.ok(playFrame && !playFrame.url().includes('#'),
    `the launch token left the frame's address once read: ${playFrame?.url().replace(/#.+/, '#…')}`);
  await sco(page).locator('#api').filter({ hasText: 'found' }).waitFor({ timeout: 20_000 });
  assert.equal(await sco(page).locator('#learner').textContent(), learner.name, 'the learner is the one the LMS named');

  check('A: the SCO writes progress and the server acknowledges it');
  const acknowledgedNow = async () => Number((await tool(page).locator('#player').getAttribute('data-acknowledged')) ?? '0');
  const before = await acknowledgedNow();
  await sco(page).getByRole('button', { name: 'Next page' }).click();
  await sco(page).locator('#location').filter({ hasText: 'page-2' }).waitFor({ timeout: 10_000 });
  // Set without Commit: the player sends the journal on its next tick (every 5 s).
  const acknowledged = await until('the server acknowledges the calls', async () => {
    const now = await acknowledgedNow();
    return now > before ? now : null;
  }, 30_000);
  console.log(`[player] acknowledged ${before} → ${acknowledged}`);

  check('A: the session was the launch-bound token, never a cookie');
  const commits = seen.api.filter((r) => r.url.endsWith('/api/runtime/commit'));
  assert.ok(seen.api.some((r) => r.url.endsWith('/api/runtime/launch')) && commits.length > 0,
    `the player called launch and commit: ${seen.api.map((r) => path(r.url)).join(', ')}`);
  for (const request of seen.api) {
    const headers = request.headers ?? {};
    assert.match(headers.authorization ?? '', /^Bearer \S+$/, `${path(request.url)} carries the bearer token`);
    assert.equal(headers.cookie, undefined, `${path(request.url)} sends no cookie`);
  }
  const jar = await context.cookies(base);
  console.log(`[cookies] ${base}: ${JSON.stringify(jar.map((c) => c.name))}`);
  const session = jar.filter((c) => SESSION_COOKIES.includes(c.name));
  assert.equal(session.length, 0, `no session cookie was kept: ${JSON.stringify(session)}`);
  await checkAccessibility(await toolFrame(page), 'LTI player in an LMS frame');
  await page.screenshot({ path: join(artifacts, 'lti-iframe-player.png'), fullPage: true });
  await page.close();

  check('B: no platform storage and no cookie: the frame offers a new window, with a 4xx');
  page = await context.newPage();
  seen = watch(page);
  await page.goto(`${issuer}/course?storage=0`);
  await until('the launch has been answered in the tool frame',
    () => seen.navigations.some((n) => n.method === 'POST' && path(n.url) === '/lti/launch'), 45_000);
  const newWindow = tool(page).getByRole('link', { name: /new window/i });
  await newWindow.first().waitFor({ timeout: 15_000 });
  console.log(`[frame] ${loads(seen)}`);
  const answered = seen.navigations.filter((n) => n.method === 'POST' && path(n.url) === '/lti/launch').at(-1);
  assert.ok(answered.status >= 400 && answered.status < 500, `the launch is refused with a 4xx (got ${answered.status})`);
  assert.ok(!seen.navigations.some((n) => path(n.url).startsWith('/lti/play/')), 'the player was never opened');
  const heading = (await tool(page).locator('h1').first().textContent()) ?? '';
  assert.match(heading, /new window/i, `the page says to open a new window: ${heading}`);
  assert.equal(await newWindow.first().getAttribute('target'), '_blank', 'the link opens a new window');
  const href = await newWindow.first().getAttribute('href');
  assert.ok(new URL(href, base).href.startsWith(`${base}/lti/login?`), `the new window starts a fresh login: ${href}`);
  const quiet = await page.evaluate(() => window.platformStorageLog);
  assert.deepEqual(quiet.filter((m) => m.subject.startsWith('lti.')), [], 'no storage was offered, none was asked for');
  assert.equal(authProblems.length, 0, `Rampart's authorisation request: ${authProblems.join('; ')}`);
  await checkAccessibility(await toolFrame(page), 'LTI refusal: open in a new window');
  await page.screenshot({ path: join(artifacts, 'lti-iframe-new-window.png'), fullPage: true });

  if (problems.length) throw new Error(`the pages reported errors:\n${problems.join('\n')}`);
  if (accessibilityProblems.length) throw new Error(`accessibility violations:\n${accessibilityProblems.join('\n')}`);
  console.log('lti-iframe browser test passed');
} catch (error) {
  console.error(`failed at step: ${step}`);
  console.error(error);
  if (problems.length) console.error(problems.join('\n'));
  if (current) {
    console.error(`[frame loads]\n  ${current.navigations.map((n) => `${n.method} ${n.url} ${n.status}`).join('\n  ')}`);
    console.error(`[api calls] ${current.api.map((r) => path(r.url)).join(', ')}`);
  }
  if (consoleErrors.length) console.error(`browser console errors:\n${consoleErrors.join('\n')}`);
  if (authProblems.length) console.error(`the LMS refused Rampart's authorisation request: ${authProblems.join('; ')}`);
  try {
    const pages = context ? context.pages() : [];
    for (const page of pages) {
      for (const frame of page.frames()) console.error(`[frame] ${frame.name() || '(no name)'}: ${frame.url().replace(/#.+/, '#…')}`);
    }
    const last = pages.at(-1);
    if (last) await last.screenshot({ path: join(artifacts, 'lti-iframe-failure.png'), fullPage: true });
  } catch {}
  process.exitCode = 1;
} finally {
  await context?.close().catch(() => {});
  platform.close();
  probe.close();
  rmSync(profile, { recursive: true, force: true });
  clearTimeout(watchdog);
}
