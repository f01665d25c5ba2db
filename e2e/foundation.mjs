// End-to-end: a person sets up Rampart, creates an organisation and a user, signs in as that user and
// sees their dashboard; hydration is proven by reactive controls that change without a page load.
// Run by engine/server/tests/it/browser.rs against a fresh server (RAMPART_URL). Debian's chromium only.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const base = process.env.RAMPART_URL ?? 'http://127.0.0.1:3000';
const artifacts = process.env.ARTIFACTS_DIR ?? 'target/e2e';
mkdirSync(artifacts, { recursive: true });
const PASSWORD = 'correct horse battery staple';

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

let step = 'start';

// axe-core checks each page against WCAG 2.0–2.2 A and AA. It is injected through the DevTools
// protocol, which the page's Content-Security-Policy does not govern, so the CSP stays on.
const axeSource = readFileSync('node_modules/axe-core/axe.min.js', 'utf8');
const accessibilityProblems = [];
async function checkAccessibility(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
  }));
  console.log(`[axe] ${name}: ${result.passes.length} rules passed, ${result.violations.length} violated`);
  for (const v of result.violations) {
    accessibilityProblems.push(`${name}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }
}
const problems = [];
function check(name) { step = name; console.log(`[step] ${name}`); }

try {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });

  // Counts full page loads, so a client-side change can be told apart from a navigation.
  let documentLoads = 0;
  page.on('load', () => { documentLoads += 1; });
  // The app marks <html data-hydrated> from an effect, which only runs once hydration has happened.
  const hydrated = () => page.waitForSelector('html[data-hydrated="true"]', { state: 'attached', timeout: 15000 });

  check('first run sends the visitor to setup');
  await page.goto(base + '/');
  assert.equal(new URL(page.url()).pathname, '/setup');
  await hydrated();
  await checkAccessibility(page, 'setup');
  await page.getByLabel('Full name').fill('Ada Admin');
  await page.getByLabel('Email address').fill('ada@nhs.example');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await page.waitForURL('**/admin/organisations');

  check('the admin adds an organisation');
  await hydrated();
  await page.getByLabel('Name', { exact: true }).fill('Leeds Teaching Hospitals NHS Trust');
  await page.getByLabel('Type of organisation').selectOption('acute_trust');
  await page.getByLabel('Region (optional)').fill('North East and Yorkshire');
  await page.getByRole('button', { name: 'Add organisation' }).click();
  await page.getByRole('rowheader', { name: 'Leeds Teaching Hospitals NHS Trust' }).waitFor();

  check('a validation error is announced and linked to its field');
  await page.getByLabel('Name', { exact: true }).fill('Leeds Teaching Hospitals NHS Trust');
  await page.getByRole('button', { name: 'Add organisation' }).click();
  await page.getByRole('alert').filter({ hasText: 'already exists' }).waitFor();
  await checkAccessibility(page, 'organisations with an error');

  check('the admin adds a learner');
  await page.getByRole('link', { name: 'Users' }).click();
  await page.waitForURL('**/admin/users');
  await page.getByLabel('Full name').fill('Nia Nurse');
  await page.getByLabel('Email address').fill('nia@leeds.example');
  await page.getByLabel('Initial password').fill(PASSWORD);
  await page.getByLabel('Organisation', { exact: true }).selectOption({ label: 'Leeds Teaching Hospitals NHS Trust' });
  await page.getByLabel('Learner', { exact: true }).check();
  await page.getByRole('button', { name: 'Add user' }).click();
  await page.getByRole('status').filter({ hasText: 'Nia Nurse was added' }).waitFor();
  await page.reload();
  await page.getByRole('rowheader', { name: 'Nia Nurse' }).waitFor();
  await checkAccessibility(page, 'users');

  check('the users filter works in the browser without a page load');
  await hydrated();
  const loadsBeforeFilter = documentLoads;
  await page.getByLabel('Filter users').fill('nia');
  await page.getByText('Showing 1 of 2 users').waitFor();
  assert.equal(await page.getByRole('rowheader', { name: 'Ada Admin' }).count(), 0);
  assert.equal(documentLoads, loadsBeforeFilter, 'filtering must not reload the page');

  check('the admin uploads a SCORM package with a progress bar and previews it from the content origin');
  await page.getByRole('link', { name: 'Packages' }).click();
  await page.waitForURL('**/admin/packages');
  let uploadAccept = null;
  page.on('request', (r) => { if (r.url().includes('/admin/packages/upload')) uploadAccept = r.headers()['accept']; });
  await page.getByLabel('Package (.zip)').setInputFiles(process.env.PACKAGE_ZIP);
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await page.waitForURL('**/admin/packages?added=*');
  assert.equal(uploadAccept, 'application/json', 'the enhanced upload (with progress) was used');
  await page.getByRole('status').filter({ hasText: 'Course was imported.' }).waitFor();
  await page.getByRole('rowheader', { name: 'Course' }).waitFor();
  await checkAccessibility(page, 'packages');
  const [preview] = await Promise.all([
    context.waitForEvent('page'),
    page.getByRole('link', { name: 'Preview Course (opens in a new tab)' }).click(),
  ]);
  await preview.waitForLoadState();
  assert.ok(preview.url().startsWith('http://localhost:'), `content comes from the content origin: ${preview.url()}`);
  await preview.getByRole('heading', { name: 'Hello from the content origin' }).waitFor();
  assert.equal(await preview.evaluate(() => document.cookie), '', 'the content origin sees no engine cookie');
  await preview.close();

  check('the admin signs out');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/sign-in');

  check('a wrong password is refused with a clear message');
  await hydrated();
  await page.getByLabel('Email address').fill('nia@leeds.example');
  await page.getByLabel('Password', { exact: true }).fill('not my password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'The email address or password is not right' }).waitFor();
  assert.equal(await page.getByLabel('Email address').inputValue(), 'nia@leeds.example', 'the email is kept');
  assert.equal(await page.locator('#field-password').inputValue(), '', 'the password is never sent back');

  check('show password is a reactive control: the field type changes without a page load');
  const loadsBeforeToggle = documentLoads;
  const passwordField = page.locator('#field-password');
  assert.equal(await passwordField.getAttribute('type'), 'password');
  await page.getByLabel('Show password').check();
  assert.equal(await passwordField.getAttribute('type'), 'text');
  assert.equal(documentLoads, loadsBeforeToggle);

  check('the learner signs in and sees their name and organisation');
  await passwordField.fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/dashboard');
  await page.getByRole('heading', { level: 1, name: 'Welcome, Nia Nurse' }).waitFor();
  await page.getByText('Leeds Teaching Hospitals NHS Trust').waitFor();
  await checkAccessibility(page, 'dashboard');
  assert.equal(await page.getByRole('link', { name: 'Users' }).count(), 0, 'learners see no admin links');

  check('the mobile menu toggles in place');
  await page.setViewportSize({ width: 390, height: 844 });
  await hydrated();
  const menu = page.getByRole('button', { name: 'Menu' });
  const loadsBeforeMenu = documentLoads;
  assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  await menu.click();
  await page.getByRole('button', { name: 'Close menu' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Close menu' }).getAttribute('aria-expanded'), 'true');
  assert.equal(documentLoads, loadsBeforeMenu);
  await page.screenshot({ path: join(artifacts, 'dashboard-mobile.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: join(artifacts, 'dashboard.png'), fullPage: true });

  check('no script errors and no CSP violations');
  assert.deepEqual(problems, []);

  check('no WCAG 2.2 A/AA violations found by axe-core');
  assert.deepEqual(accessibilityProblems, []);
  check('the learner cannot open admin pages');
  const forbidden = await page.goto(base + '/admin/users');
  assert.equal(forbidden.status(), 403);

  check('cookies are HttpOnly and SameSite=Strict');
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'rampart_session');
  assert.ok(session, 'a session cookie exists');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  assert.equal(await page.evaluate(() => document.cookie), '', 'page scripts cannot read any cookie');

  console.log('browser test passed');
} catch (error) {
  console.error(`failed at step: ${step}`);
  console.error(error);
  if (problems.length) console.error(problems.join('\n'));
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages[0]) await pages[0].screenshot({ path: join(artifacts, 'failure.png'), fullPage: true });
  } catch {}
  process.exitCode = 1;
} finally {
  await browser.close();
}
